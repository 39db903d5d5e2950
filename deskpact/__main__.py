from deskpact.cli import main

main()
