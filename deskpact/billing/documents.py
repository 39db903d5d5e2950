"""An invoice as a document: the figures a page, a PDF and a CSV show, and the ledger export.

Every figure is read from the invoice and its lines as stored (integer minor units) and only
formatted here, never recomputed: the page, the PDF and the CSV agree with the invoice to
the cent. The provider's details come from `settings.DESKPACT_PROVIDER`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import OuterRef, QuerySet, Subquery
from django.template.loader import render_to_string
from django.utils import timezone

from deskpact.billing.models import CreditNote, Invoice, InvoiceLine
from deskpact.billing.selectors import remaining_bank_balances
from deskpact.contracts.models import Contract, LedgerEntry
from deskpact.core.currencies import minor_units

DEFAULT_PROVIDER: dict[str, Any] = {
    "name": "Deskpact Support",
    "address": [],
    "email": "",
    "phone": "",
    "tax_id": "",
    "bank": [],
    "payment_terms": (
        "Payment by bank transfer by the due date, quoting the invoice number. "
        "Questions about this invoice: reply to the email it came with."
    ),
}

TAX_KIND = "tax"
_KIND_LABELS: dict[str, str] = dict(LedgerEntry.Kind.choices)
OTHER_GROUP = "Other charges"


# -- formatting ---------------------------------------------------------------------------


def amount_text(minor: int, currency: str) -> str:
    """Minor units as a decimal amount without the currency: 123456 EUR -> "1,234.56"."""
    digits = minor_units(currency)
    return f"{Decimal(minor).scaleb(-digits):,.{digits}f}"


def money_text(minor: int, currency: str) -> str:
    """Minor units with the currency: 123456 EUR -> "1,234.56 EUR", 5000 JPY -> "5,000 JPY"."""
    return f"{amount_text(minor, currency)} {currency}"


def plain_amount(minor: int, currency: str) -> str:
    """Minor units as a machine-readable decimal (no separators): 123456 EUR -> "1234.56"."""
    digits = minor_units(currency)
    return f"{Decimal(minor).scaleb(-digits):.{digits}f}"


def quantity_text(quantity: Decimal) -> str:
    """4 decimals as stored, shown without trailing zeros: 1.5000 -> "1.5", 2.0000 -> "2"."""
    text = f"{quantity.normalize():f}"
    return text


def unit_price_text(price: Decimal | None, currency: str) -> str:
    """A rate with at least the currency's decimals and no more than it carries."""
    if price is None:
        return ""
    digits = max(minor_units(currency), -min(0, price.normalize().as_tuple().exponent))  # type: ignore[operator]
    return f"{price:,.{digits}f}"


def percent_text(rate: Decimal) -> str:
    return f"{rate.normalize():f}%"


def units_text(unit: str, units: int) -> str:
    """A bank balance in its unit: minutes as hours and minutes, or incidents."""
    if unit == Contract.Unit.INCIDENTS:
        return f"{units} incident{'' if abs(units) == 1 else 's'}"
    sign = "-" if units < 0 else ""
    hours, rest = divmod(abs(units), 60)
    if hours and rest:
        return f"{sign}{hours} h {rest} min"
    if hours:
        return f"{sign}{hours} h"
    return f"{sign}{rest} min" if rest else "0 h"


# -- the document -------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentLine:
    """One invoice line as printed; a waived line shows 0 and the reason."""

    line: InvoiceLine
    on: date
    description: str
    quantity: str
    unit_price: str
    amount: str
    is_waived: bool
    reason: str


@dataclass(frozen=True)
class LineGroup:
    """The lines of one contract (or the lines billed under none) and their sum."""

    title: str
    lines: list[DocumentLine]
    subtotal: str


@dataclass(frozen=True)
class BankBalance:
    name: str
    remaining: str
    is_overdrawn: bool


@dataclass(frozen=True)
class CreditLine:
    note: CreditNote
    on: date
    amount: str


@dataclass(frozen=True)
class InvoiceDocument:
    """Everything an invoice shows, formatted; built with a fixed number of queries."""

    invoice: Invoice
    provider: dict[str, Any]
    customer_name: str
    title: str
    status: str
    period: str
    issued_on: date | None
    due_on: date | None
    paid_on: date | None
    groups: list[LineGroup]
    subtotal: str
    tax_rate: str
    tax: str
    total: str
    credit_notes: list[CreditLine]
    credited: str
    balance_due: str
    banks: list[BankBalance]
    balances_on: date
    payment_terms: str
    filename_stem: str
    line_count: int = field(default=0)


def provider_details() -> dict[str, Any]:
    """The provider printed on invoices: `settings.DESKPACT_PROVIDER` over the defaults."""
    configured = getattr(settings, "DESKPACT_PROVIDER", None) or {}
    details = {**DEFAULT_PROVIDER, **configured}
    for key in ("address", "bank"):
        if isinstance(details[key], str):
            details[key] = [part for part in details[key].splitlines() if part.strip()]
    return details


def filename_stem(invoice: Invoice) -> str:
    """INV-2026-000001 for an issued invoice, draft-<id> for a draft."""
    return invoice.number or f"draft-{invoice.pk}"


def _local_day(value: datetime | None, zone: ZoneInfo) -> date | None:
    return timezone.localtime(value, zone).date() if value is not None else None


def _lines_of(invoice: Invoice) -> list[InvoiceLine]:
    return list(
        InvoiceLine.objects.filter(invoice=invoice)
        .exclude(kind=TAX_KIND)
        .select_related("ledger_entry__contract")
        .order_by("position", "id")
    )


def _document_line(line: InvoiceLine, currency: str, zone: ZoneInfo) -> DocumentLine:
    is_waived = line.part == LedgerEntry.Part.WAIVED
    description, reason = line.description, ""
    if is_waived:
        # A waived row's description is the reason it was waived: name the charge it
        # would have been and give the reason beside it.
        reason = line.description
        description = _KIND_LABELS.get(line.kind, line.kind)
    return DocumentLine(
        line=line,
        on=timezone.localtime(line.at, zone).date(),
        description=description,
        quantity=quantity_text(line.quantity),
        unit_price=unit_price_text(line.unit_price, currency),
        amount=money_text(line.amount_minor, currency),
        is_waived=is_waived,
        reason=reason,
    )


def _groups(lines: list[InvoiceLine], currency: str, zone: ZoneInfo) -> list[LineGroup]:
    """Lines grouped by contract in the order the invoice lists them."""
    grouped: dict[int | None, tuple[str, list[InvoiceLine]]] = {}
    for line in lines:
        contract = line.ledger_entry.contract if line.ledger_entry is not None else None
        key = contract.pk if contract is not None else None
        title = contract.name if contract is not None else OTHER_GROUP
        grouped.setdefault(key, (title, []))[1].append(line)
    return [
        LineGroup(
            title=title,
            lines=[_document_line(line, currency, zone) for line in rows],
            subtotal=money_text(sum(line.amount_minor for line in rows), currency),
        )
        for title, rows in grouped.values()
    ]


def _banks(invoice: Invoice) -> list[BankBalance]:
    """What each bank and per-minute deposit had left when the period ended."""
    out = []
    for b in remaining_bank_balances(invoice):
        if b.units is not None:
            left = units_text(b.unit, b.units)
            out.append(BankBalance(b.name, left, is_overdrawn=b.units < 0))
        elif b.deposit_minor is not None:
            left = f"{money_text(b.deposit_minor, b.currency)} deposit"
            out.append(BankBalance(b.name, left, is_overdrawn=b.deposit_minor < 0))
    return out


def invoice_document(invoice: Invoice) -> InvoiceDocument:
    """The invoice's figures, formatted in its currency, its dates in the organization's zone."""
    org = invoice.organization
    zone = ZoneInfo(org.time_zone)
    currency = invoice.currency
    lines = _lines_of(invoice)
    credit_notes = list(CreditNote.objects.filter(invoice=invoice).order_by("issued_at", "id"))
    credited = sum(n.amount_minor for n in credit_notes)
    # Only an issued invoice is still owed; a paid one was settled, a void one cancelled.
    due = invoice.total_minor - credited if invoice.status == Invoice.Status.ISSUED else 0
    provider = provider_details()
    return InvoiceDocument(
        invoice=invoice,
        provider=provider,
        customer_name=org.name,
        title=invoice.number or "Draft",
        status=invoice.get_status_display(),
        period=f"{invoice.period_start:%Y-%m-%d} to {invoice.period_end:%Y-%m-%d}",
        issued_on=_local_day(invoice.issued_at, zone),
        due_on=invoice.due_on,
        paid_on=_local_day(invoice.paid_at, zone),
        groups=_groups(lines, currency, zone),
        subtotal=money_text(invoice.subtotal_minor, currency),
        tax_rate=percent_text(invoice.tax_rate),
        tax=money_text(invoice.tax_minor, currency),
        total=money_text(invoice.total_minor, currency),
        credit_notes=[
            CreditLine(
                note=n,
                on=timezone.localtime(n.issued_at, zone).date(),
                amount=money_text(n.amount_minor, currency),
            )
            for n in credit_notes
        ],
        credited=money_text(credited, currency),
        balance_due=money_text(due, currency),
        banks=_banks(invoice),
        balances_on=invoice.period_end,
        payment_terms=str(provider["payment_terms"]),
        filename_stem=filename_stem(invoice),
        line_count=len(lines),
    )


def invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice as an A4 PDF a finance team can send, rendered by WeasyPrint."""
    from weasyprint import HTML  # imported here: loading Pango costs time every page need not pay

    html = render_to_string("billing/invoice_pdf.html", {"doc": invoice_document(invoice)})
    pdf = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
    assert pdf is not None  # write_pdf returns bytes when given no target
    return bytes(pdf)


# -- CSV ----------------------------------------------------------------------------------


class _Echo:
    """A file-like object whose write returns the line csv.writer formatted."""

    def write(self, value: str) -> str:
        return value


INVOICE_COLUMNS = [
    "invoice",
    "contract",
    "date",
    "kind",
    "part",
    "description",
    "quantity",
    "unit_price",
    "amount",
    "currency",
]


def invoice_csv(invoice: Invoice) -> str:
    """The invoice's lines and its tax as CSV; the amount column sums to the total."""
    zone = ZoneInfo(invoice.organization.time_zone)
    currency = invoice.currency
    writer = csv.writer(_Echo())
    out = [writer.writerow(INVOICE_COLUMNS)]
    ref = invoice.number or "Draft"
    for line in _lines_of(invoice):
        entry = line.ledger_entry
        out.append(
            writer.writerow(
                [
                    ref,
                    entry.contract.name if entry is not None else "",
                    timezone.localtime(line.at, zone).date().isoformat(),
                    line.kind,
                    line.part,
                    line.description,
                    quantity_text(line.quantity),
                    "" if line.unit_price is None else f"{line.unit_price.normalize():f}",
                    plain_amount(line.amount_minor, currency),
                    currency,
                ]
            )
        )
    out.append(
        writer.writerow(
            [
                ref,
                "",
                invoice.period_end.isoformat(),
                TAX_KIND,
                "",
                f"Tax {percent_text(invoice.tax_rate)} on "
                f"{plain_amount(invoice.subtotal_minor, currency)}",
                "",
                "",
                plain_amount(invoice.tax_minor, currency),
                currency,
            ]
        )
    )
    return "".join(out)


LEDGER_COLUMNS = [
    "id",
    "at",
    "organization",
    "contract",
    "kind",
    "part",
    "units",
    "quantity",
    "rate",
    "charge",
    "prepaid",
    "currency",
    "ticket",
    "work_log",
    "corrects",
    "description",
    "invoice",
]


def ledger_rows(
    *, period: tuple[date, date] | None = None, organization_id: int | None = None
) -> Iterator[LedgerEntry]:
    """Ledger rows in id order, optionally those of one organization and of the days
    `period` covers in each organization's own time zone; fetched in chunks."""
    live = InvoiceLine.objects.filter(ledger_entry=OuterRef("pk"), is_live=True)
    rows: QuerySet[LedgerEntry] = (
        LedgerEntry.objects.select_related("organization", "contract")
        .annotate(
            billed_invoice_id=Subquery(live.values("invoice_id")[:1]),
            billed_number=Subquery(live.values("invoice__number")[:1]),
        )
        .order_by("id")
    )
    if organization_id is not None:
        rows = rows.filter(organization_id=organization_id)
    if period is None:
        yield from rows.iterator(chunk_size=2000)
        return
    first, last = period
    # A day in any time zone lies within a day and a half of the UTC day of the same date:
    # bound the query by that, then keep the rows whose local day falls in the period.
    start = datetime.combine(first, datetime.min.time(), ZoneInfo("UTC")) - timedelta(days=1)
    end = datetime.combine(last, datetime.min.time(), ZoneInfo("UTC")) + timedelta(days=2)
    zones: dict[str, ZoneInfo] = {}
    for entry in rows.filter(at__gte=start, at__lt=end).iterator(chunk_size=2000):
        tz_name = entry.organization.time_zone
        zone = zones.get(tz_name) or zones.setdefault(tz_name, ZoneInfo(tz_name))
        if first <= timezone.localtime(entry.at, zone).date() <= last:
            yield entry


def _billed_on(entry: LedgerEntry) -> str:
    """The live invoice that bills the row: its number, or the draft's id."""
    number: str | None = getattr(entry, "billed_number", None)
    invoice_id: int | None = getattr(entry, "billed_invoice_id", None)
    if number:
        return number
    return f"draft {invoice_id}" if invoice_id is not None else ""


def ledger_csv(rows: Iterable[LedgerEntry]) -> Iterator[str]:
    """The ledger as CSV lines for accounting, one per row, header first; amounts are
    decimals in each row's currency and the invoice that bills a row is named (rows from
    `ledger_rows` carry it; others show none)."""
    writer = csv.writer(_Echo())
    yield writer.writerow(LEDGER_COLUMNS)
    for e in rows:
        yield writer.writerow(
            [
                e.pk,
                e.at.astimezone(ZoneInfo("UTC")).isoformat(),
                e.organization.name,
                e.contract.name,
                e.kind,
                e.part,
                e.units,
                quantity_text(e.quantity),
                "" if e.rate is None else f"{e.rate.normalize():f}",
                plain_amount(e.charge_minor, e.currency),
                plain_amount(e.prepaid_minor, e.currency),
                e.currency,
                e.ticket_id or "",
                e.work_log_id or "",
                e.corrects_id or "",
                e.description,
                _billed_on(e),
            ]
        )
