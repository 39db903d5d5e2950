"""Billing refusals, each with a stable code the API and the pages show."""

from __future__ import annotations

from deskpact.core.errors import Conflict, DomainError


class BillingRefused(DomainError):
    """A billing action the invoice's state does not allow (paying a void invoice, …)."""

    code = "billing_refused"
    status = 409


class InvoiceImmutable(Conflict):
    """An issued, paid or void invoice (or its lines) cannot change."""

    code = "invoice_immutable"


class BadPeriod(DomainError):
    """A period that is malformed, out of range, in the future or not yet ended."""

    code = "bad_period"

    def __init__(self, message: str, *, field: str | None = "period", **details: object) -> None:
        super().__init__(message, field=field, **details)


class EmptyInvoice(BillingRefused):
    """An invoice with no lines cannot be issued."""

    code = "empty_invoice"


class CurrencyMismatch(BillingRefused):
    """An organization's ledger rows are in another currency than the organization."""

    code = "currency_mismatch"
