"""Reads of billing shaped for their callers, permission-checked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from deskpact.billing import periods
from deskpact.billing.models import BillingRun, CreditNote, Invoice, InvoiceLine
from deskpact.contracts.models import Contract, LedgerEntry
from deskpact.core.errors import NotFound

if TYPE_CHECKING:
    from deskpact.accounts.models import User

_CUSTOMER_SEES = (Invoice.Status.ISSUED, Invoice.Status.PAID, Invoice.Status.VOID)


class InvoiceNotFound(NotFound):
    code = "not_found"


def invoices_visible_to(user: User) -> QuerySet[Invoice]:
    """Agents and admins: every invoice. A customer: their organization's issued, paid and
    void invoices, never drafts. Anyone else: none."""
    rows = Invoice.objects.select_related("organization")
    if not user.is_authenticated or not user.is_active:
        return rows.none()
    if user.is_agent:
        return rows
    if user.organization_id is None:
        return rows.none()
    return rows.filter(organization_id=user.organization_id, status__in=_CUSTOMER_SEES)


def invoice_for(user: User, id_or_number: str | int) -> Invoice:
    """The invoice with this id or number if `user` may see it; InvoiceNotFound otherwise,
    whatever the reason."""
    rows = invoices_visible_to(user)
    text = str(id_or_number).strip()
    if text.isdigit():
        found = rows.filter(pk=int(text)).first()
    else:
        found = rows.filter(number=text.upper()).first() if text else None
    if found is None:
        raise InvoiceNotFound(f"No invoice {id_or_number}.")
    return found


def lines_of(invoice: Invoice) -> QuerySet[InvoiceLine]:
    return invoice.lines.order_by("position", "id")


def credit_notes_of(invoice: Invoice) -> QuerySet[CreditNote]:
    return invoice.credit_notes.order_by("issued_at", "id")


def credited_minor(invoice: Invoice) -> int:
    return int(invoice.credit_notes.aggregate(s=Coalesce(Sum("amount_minor"), 0))["s"])


def unbilled_entries() -> QuerySet[LedgerEntry]:
    """Ledger rows on no live invoice (whether or not a run would bill them)."""
    return LedgerEntry.objects.exclude(invoice_lines__is_live=True)


def billable_entries() -> QuerySet[LedgerEntry]:
    """Rows a run bills once their period is over: charging something, or a waiver."""
    return unbilled_entries().filter(~Q(charge_minor=0) | Q(part=LedgerEntry.Part.WAIVED))


def runs() -> QuerySet[BillingRun]:
    return BillingRun.objects.select_related("started_by")


@dataclass(frozen=True)
class BankBalance:
    """What a bank or a per-minute deposit had left when the invoice's period ended.

    `units`: minutes or incidents (`unit`); `deposit_minor`: the deposit left, per minute."""

    contract_id: int
    name: str
    kind: str
    unit: str
    units: int | None
    deposit_minor: int | None
    currency: str


def remaining_bank_balances(invoice: Invoice) -> list[BankBalance]:
    """The organization's banks and per-minute deposits as they stood at the end of the
    invoice's period in its time zone, in one query."""
    month = periods.parse_period(invoice.period_start)
    end = periods.ends_at(month, invoice.organization.time_zone)
    contracts = (
        Contract.objects.filter(
            organization_id=invoice.organization_id,
            kind__in=[Contract.Kind.BANK, Contract.Kind.PER_MINUTE],
            starts_on__lte=invoice.period_end,
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=invoice.period_start))
        .annotate(
            units_left=Coalesce(Sum("ledger__units", filter=Q(ledger__at__lt=end)), 0),
            deposit_left=Coalesce(Sum("ledger__prepaid_minor", filter=Q(ledger__at__lt=end)), 0),
        )
        .order_by("name", "id")
    )
    return [
        BankBalance(
            contract_id=c.pk,
            name=c.name,
            kind=c.kind,
            unit=c.unit or Contract.Unit.HOURS,
            units=int(c.units_left) if c.kind == Contract.Kind.BANK else None,
            deposit_minor=int(c.deposit_left) if c.kind == Contract.Kind.PER_MINUTE else None,
            currency=c.currency,
        )
        for c in contracts
    ]
