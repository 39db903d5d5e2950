"""`deskpact license keygen | issue | install | show | advise`: the license from a shell."""

from __future__ import annotations

import os
import sys
from argparse import ArgumentParser, ArgumentTypeError
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from deskpact.core.errors import DomainError
from deskpact.licensing import advisor, keys
from deskpact.licensing.policy import LicenseModel
from deskpact.licensing.services import install_license, license_standing, seat_usage
from deskpact.licensing.standing import Standing
from deskpact.licensing.usage import license_advice

PRIVATE_NAME = "license-private.pem"


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ArgumentTypeError(f"{text!r} is not an amount (like 49.00)") from None


class Command(BaseCommand):
    help = "Make signing keys, issue, install and show the desk's license."

    def add_arguments(self, parser: ArgumentParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        keygen = commands.add_parser("keygen", help="write a new signing key pair")
        keygen.add_argument("--out", type=Path, default=Path("."), help="folder for the key")
        issue = commands.add_parser("issue", help="sign a license with a private key")
        issue.add_argument("--private-key", type=Path, required=True)
        issue.add_argument("--licensee", required=True)
        issue.add_argument("--model", choices=[m.value for m in LicenseModel], required=True)
        issue.add_argument("--seat-type", choices=[t.value for t in keys.SeatType], required=True)
        issue.add_argument("--seats", type=int, required=True)
        issue.add_argument("--price", type=_decimal, required=True, help="per seat and month")
        issue.add_argument("--currency", required=True)
        issue.add_argument("--valid-until", type=_date, required=True)
        issue.add_argument("--grace-days", type=int, default=14)
        issue.add_argument("--overdraft-percent", type=int, default=0)
        install = commands.add_parser("install", help="put a license key in force")
        install.add_argument("key", help="the key, or - to read it from standard input")
        commands.add_parser("show", help="the license in force and its seats")
        advise = commands.add_parser("advise", help="which license would cost least")
        advise.add_argument("--days", type=int, default=90, help="the usage window (90)")
        advise.add_argument(
            "--prices",
            required=True,
            help="per seat and month, e.g. support_named=500,support_concurrent=1750,"
            "team_named=300,team_concurrent=900",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "keygen":
                self._keygen(options["out"])
            elif action == "issue":
                self._issue(options)
            elif action == "install":
                key = sys.stdin.read() if options["key"] == "-" else options["key"]
                self._show(install_license(key, by=None), "Installed.")
            elif action == "advise":
                self._advise(options["days"], options["prices"])
            else:
                self._show(license_standing(), "")
        except (keys.InvalidKey, DomainError, advisor.BadPrices, ValueError) as exc:
            raise CommandError(getattr(exc, "message", str(exc))) from None

    def _keygen(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / PRIVATE_NAME
        if path.exists():
            raise CommandError(f"{path} exists; move it away first (it may sign live keys).")
        pem, public = keys.new_key_pair()
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
        self.stdout.write(f"Private key: {path} (keep it secret; it signs licenses)")
        self.stdout.write(f"Public key id {keys.key_id(public)}; let desks trust it with:")
        self.stdout.write(f"  DESKPACT_LICENSE_PUBLIC_KEYS={public}")

    def _issue(self, options: dict[str, Any]) -> None:
        try:
            pem = options["private_key"].read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read the private key: {exc}") from None
        terms = keys.LicenseTerms(
            licensee=options["licensee"],
            model=LicenseModel(options["model"]),
            seat_type=keys.SeatType(options["seat_type"]),
            seats=options["seats"],
            price_per_seat=options["price"],
            currency=options["currency"].upper(),
            valid_until=options["valid_until"],
            grace_days=options["grace_days"],
            overdraft_percent=options["overdraft_percent"],
        )
        self.stdout.write(keys.sign(terms, keys.load_private_key(pem)))

    def _advise(self, days: int, raw: str) -> None:
        prices = dict(part.split("=", 1) for part in raw.split(",") if "=" in part)
        advice, used, facts = license_advice(prices, days=days)
        self.stdout.write(f"Usage of the last {days} days:")
        for model, c in used.concurrency.items():
            self.stdout.write(
                f"  {model.value:<8} named {used.named[model]:>4}   at once: peak {c.peak}, "
                f"95% of days {c.p95}"
            )
        self.stdout.write(
            f"  tickets {facts.tickets}, {facts.customer_share:.0%} submitted by customers by "
            f"email or web form; {facts.customers_updated} customers received updates"
        )
        if facts.needs_team:
            self.stdout.write(
                f"  non-agents own {facts.non_agents_own} and logged "
                f"{facts.non_agents_submit_for_others} tickets for others: Team model needed"
            )
        self.stdout.write("Options (per month):")
        for option in advice.options:
            mark = "*" if option == advice.recommended else " "
            note = "" if option.allowed else "  (needs Team)"
            self.stdout.write(
                f" {mark} {option.model.value:<8} {option.seat_type.value:<11}"
                f"{option.seats:>5} x {option.price_per_seat} = {option.monthly_cost}{note}"
            )
        if advice.recommended is not None and advice.monthly_saving is not None:
            best = advice.recommended
            verb = "saves" if advice.monthly_saving >= 0 else "costs"
            self.stdout.write(
                f"Recommended: {best.model.value} {best.seat_type.value}, {best.seats} seats; "
                f"{verb} {abs(advice.monthly_saving)} a month against the license in force "
                f"({advice.current_monthly_cost})."
            )

    def _show(self, standing: Standing, heading: str) -> None:
        terms, usage = standing.terms, seat_usage(standing)
        if heading:
            self.stdout.write(heading)
        self.stdout.write(f"License:   {terms.licensee} ({standing.state})")
        self.stdout.write(f"Model:     {terms.model.label}")
        overdraft = f", overdraft {terms.overdraft_percent}%" if terms.overdraft_percent else ""
        self.stdout.write(f"Seats:     {terms.seats} {terms.seat_type}{overdraft}")
        held = "licensed users" if terms.seat_type == keys.SeatType.NAMED else "held now"
        self.stdout.write(f"In use:    {usage.in_use} {held}, {usage.free} free")
        if not standing.is_evaluation:
            self.stdout.write(f"Price:     {terms.price_per_seat} {terms.currency} per seat/month")
            self.stdout.write(
                f"Monthly:   {terms.seats} x {terms.price_per_seat} = "
                f"{terms.monthly_fee} {terms.currency}"
            )
            self.stdout.write(
                f"Valid:     until {terms.valid_until.isoformat()}, grace to "
                f"{terms.ends_on.isoformat()}"
            )
        if standing.warning:
            self.stdout.write(self.style.WARNING(f"Warning:   {standing.warning}"))
