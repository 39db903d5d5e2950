"""`deskpact bill run --period 2026-10` and `deskpact bill issue INV_ID|--all-drafts`."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from deskpact.billing import periods, services
from deskpact.billing.models import Invoice
from deskpact.core.errors import DomainError
from deskpact.core.money import Money


class Command(BaseCommand):
    help = "Billing from a shell: run a period, issue drafts."

    def add_arguments(self, parser: ArgumentParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        run = commands.add_parser("run", help="bill a month's unbilled ledger rows into drafts")
        run.add_argument("--period", required=True, help="the month, YYYY-MM")
        issue = commands.add_parser("issue", help="issue a draft invoice, or all of a period")
        issue.add_argument("invoice_id", nargs="?", type=int, help="the draft's id")
        issue.add_argument("--all-drafts", action="store_true", help="every draft of --period")
        issue.add_argument("--period", help="the month, YYYY-MM (with --all-drafts)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "run":
                self._run(options["period"])
            else:
                self._issue(options)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from None

    def _run(self, period: str) -> None:
        run = services.run_billing(period=period)
        self.stdout.write(
            f"Billed {run.period_start:%Y-%m}: {run.lines_billed} lines, "
            f"{run.invoices_created} new drafts (run {run.pk})."
        )
        drafts = Invoice.objects.filter(
            status=Invoice.Status.DRAFT, period_start=run.period_start
        ).select_related("organization")
        for draft in drafts.order_by("organization__name", "id"):
            total = Money(draft.total_minor, draft.currency)
            self.stdout.write(f"  draft {draft.pk} {draft.organization.name}: {total}")
        for refusal in run.refusals:
            self.stderr.write(
                f"  not billed: {refusal['name']} ({refusal['code']}): {refusal['message']}"
            )

    def _issue(self, options: dict[str, Any]) -> None:
        if options["all_drafts"] == (options["invoice_id"] is not None):
            raise CommandError("Give either an invoice id or --all-drafts --period YYYY-MM.")
        if options["all_drafts"]:
            if not options["period"]:
                raise CommandError("--all-drafts needs --period YYYY-MM.")
            month = periods.parse_period(options["period"])
            drafts = list(
                Invoice.objects.filter(
                    status=Invoice.Status.DRAFT, period_start=month.first_day
                ).order_by("organization__name", "id")
            )
        else:
            found = Invoice.objects.filter(pk=options["invoice_id"]).first()
            if found is None:
                raise CommandError(f"No invoice {options['invoice_id']}.")
            drafts = [found]
        issued = 0
        for draft in drafts:
            try:
                invoice = services.issue_invoice(draft, by=None)
            except DomainError as exc:
                if not options["all_drafts"]:
                    raise
                self.stderr.write(f"  draft {draft.pk} not issued ({exc.code}): {exc.message}")
                continue
            issued += 1
            total = Money(invoice.total_minor, invoice.currency)
            self.stdout.write(f"Issued {invoice.number} (draft {invoice.pk}): {total}")
        if options["all_drafts"]:
            self.stdout.write(f"Issued {issued} of {len(drafts)} drafts.")
