"""`deskpact contracts expire [--on DATE]`: write off units left in expired bank blocks."""

from __future__ import annotations

from argparse import ArgumentParser, ArgumentTypeError
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from deskpact.contracts import services


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "Contract upkeep from a shell: expire bank blocks past their expiry date."

    def add_arguments(self, parser: ArgumentParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        expire = commands.add_parser("expire", help="write off what is left of expired blocks")
        expire.add_argument(
            "--on", type=_date, default=None, help="the day to expire as of (default: today)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        on = options["on"] or timezone.localdate()
        written = services.expire_blocks(on=on)
        noun = "block" if written == 1 else "blocks"
        self.stdout.write(f"Expired {written} {noun} as of {on.isoformat()}.")
