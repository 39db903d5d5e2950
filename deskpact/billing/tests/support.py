"""Helpers for the billing tests: an organization's invoice for a month and its lines."""

from __future__ import annotations

from datetime import date

from deskpact.accounts.models import Organization
from deskpact.billing.models import Invoice, InvoiceLine


def invoice_of(organization: Organization, month: str, status: str = "draft") -> Invoice:
    first = date.fromisoformat(f"{month}-01")
    return Invoice.objects.get(organization=organization, period_start=first, status=status)


def lines(invoice: Invoice) -> list[tuple[str, str, int]]:
    """(kind, part, amount_minor) of each line, in order."""
    return list(
        InvoiceLine.objects.filter(invoice=invoice)
        .order_by("position")
        .values_list("kind", "part", "amount_minor")
    )


def money(invoice: Invoice) -> tuple[int, int, int]:
    invoice.refresh_from_db()
    return invoice.subtotal_minor, invoice.tax_minor, invoice.total_minor


def state() -> list[tuple]:
    """Every invoice and line as it stands, to compare before and after."""
    return [
        *Invoice.objects.order_by("id").values_list(
            "id", "status", "number", "subtotal_minor", "tax_minor", "total_minor", "tax_rate"
        ),
        *InvoiceLine.objects.order_by("id").values_list(
            "id", "invoice_id", "ledger_entry_id", "amount_minor", "position", "is_live"
        ),
    ]
