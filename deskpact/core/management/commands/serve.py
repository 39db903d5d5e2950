"""Start a working desk: migrate, load demo data into an empty desk, serve on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from deskpact.accounts.models import User
from deskpact.demo import DEMO_PASSWORD, demo_logins, load_demo


class Command(BaseCommand):
    help = "Migrate, load demo data when the desk is empty, and serve it with gunicorn."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=os.environ.get("DESKPACT_BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2"))
        )
        parser.add_argument("--no-demo", action="store_true", help="Never load demo data.")
        parser.add_argument(
            "--access-log",
            default=os.environ.get("DESKPACT_ACCESS_LOG", ""),
            metavar="FILE",
            help="Log every request to FILE ('-' for the console); off by default, since a"
            " proxy in front usually keeps one and it costs a few percent of each request.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        if settings.PRODUCTION:
            call_command("collectstatic", interactive=False, verbosity=0)
        empty = not User.objects.exists()
        if empty and not options["no_demo"]:
            load_demo()
        host, _, port = options["bind"].rpartition(":")
        url = f"http://{host or '127.0.0.1'}:{port}/"
        self.stdout.write(self.style.SUCCESS(f"Deskpact is starting on {url}"))
        self.stdout.write(f"  Sign in at {url}login/   (data in {settings.DATA_DIR})")
        if empty and not options["no_demo"]:
            for login in demo_logins():
                self.stdout.write(f"  {login.role:<6} {login.email}  password: {DEMO_PASSWORD}")
        self.stdout.flush()
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "deskpact.wsgi:application",
            "--bind",
            options["bind"],
            "--workers",
            str(options["workers"]),
            "--graceful-timeout",
            "5",
        ]
        if options["access_log"]:
            command += ["--access-logfile", options["access_log"]]
        raise SystemExit(subprocess.call(command))
