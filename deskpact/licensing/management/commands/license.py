"""`deskpact license keygen | issue | install | show`: the desk's license from a shell."""

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
from deskpact.licensing import keys
from deskpact.licensing.policy import LicenseModel
from deskpact.licensing.services import install_license, license_standing, seat_usage
from deskpact.licensing.standing import Standing

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
            else:
                self._show(license_standing(), "")
        except (keys.InvalidKey, DomainError) as exc:
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
