from typing import Any

from django.core.management.base import BaseCommand

from deskpact.demo import DEMO_PASSWORD, demo_logins, load_demo


class Command(BaseCommand):
    help = "Load the demo desk (organizations and people). Running it twice changes nothing."

    def handle(self, *args: Any, **options: Any) -> None:
        added = load_demo()
        self.stdout.write(
            f"Demo data: {added} rows added." if added else "Demo data already loaded."
        )
        for login in demo_logins():
            self.stdout.write(f"  {login.role:<6} {login.email}  password: {DEMO_PASSWORD}")
