"""Invoices, their lines and credit notes, and billing runs (money in minor units)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from deskpact.api.filters import MAX_ID
from deskpact.api.serializers.contracts import EnumField, ticket_key
from deskpact.billing import selectors
from deskpact.billing.models import BillingRun, CreditNote, Invoice, InvoiceLine

SUMMARY_EXAMPLE: dict[str, Any] = {
    "id": 41,
    "number": "INV-2026-000123",
    "status": "issued",
    "organization": 3,
    "organization_name": "Acme",
    "period": "2026-10",
    "period_start": "2026-10-01",
    "period_end": "2026-10-31",
    "currency": "EUR",
    "tax_rate": "19.000",
    "subtotal_minor": 31050,
    "tax_minor": 5900,
    "total_minor": 36950,
    "credited_minor": 0,
    "balance_due_minor": 36950,
    "run": 12,
    "created_at": "2026-11-01T06:00:00Z",
    "issued_at": "2026-11-02T09:30:00Z",
    "due_on": "2026-12-02",
    "paid_at": None,
    "voided_at": None,
}
LINE_EXAMPLES: list[dict[str, Any]] = [
    {
        "id": 901,
        "position": 1,
        "kind": "work_rated",
        "part": "charged",
        "description": "Export stops halfway: 2.5 h",
        "quantity": "2.5000",
        "unit_price": "96.0000",
        "amount_minor": 24000,
        "at": "2026-10-14T13:00:00Z",
        "ledger_entry": 5521,
        "ticket": "DP-1042",
    },
    {
        "id": 902,
        "position": 2,
        "kind": "incident_consumed",
        "part": "waived",
        "description": "Waived: product_defect",
        "quantity": "1.0000",
        "unit_price": "70.5000",
        "amount_minor": 0,
        "at": "2026-10-20T08:10:00Z",
        "ledger_entry": 5602,
        "ticket": "DP-1077",
    },
    {
        "id": 903,
        "position": 3,
        "kind": "fee_due",
        "part": "charged",
        "description": "Term fee due",
        "quantity": "1.0000",
        "unit_price": "70.5000",
        "amount_minor": 7050,
        "at": "2026-10-01T00:00:00Z",
        "ledger_entry": 5400,
        "ticket": None,
    },
]
CREDIT_NOTE_EXAMPLE: dict[str, Any] = {
    "id": 5,
    "number": "CN-2026-000007",
    "invoice": 41,
    "amount_minor": 2400,
    "currency": "EUR",
    "reason": "Half an hour logged twice",
    "issued_at": "2026-11-05T10:00:00Z",
    "issued_by": 1,
}


def invoice_status() -> EnumField:
    return EnumField(enum_name="InvoiceStatusEnum", choices=Invoice.Status.choices, read_only=True)


@extend_schema_serializer(
    examples=[OpenApiExample("An issued invoice", value=SUMMARY_EXAMPLE, response_only=True)]
)
class InvoiceSummaryOut(serializers.ModelSerializer):
    """An invoice without its lines: what a list shows."""

    status = invoice_status()
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    period = serializers.SerializerMethodField(help_text="The billed month, YYYY-MM.")
    credited_minor = serializers.IntegerField(
        read_only=True, help_text="The sum of the credit notes against this invoice."
    )
    balance_due_minor = serializers.SerializerMethodField(
        help_text="What is still owed: the total less credits while issued; 0 once paid, "
        "void or while a draft."
    )

    class Meta:
        model = Invoice
        fields: tuple[str, ...] = (
            "id",
            "number",
            "status",
            "organization",
            "organization_name",
            "period",
            "period_start",
            "period_end",
            "currency",
            "tax_rate",
            "subtotal_minor",
            "tax_minor",
            "total_minor",
            "credited_minor",
            "balance_due_minor",
            "run",
            "created_at",
            "issued_at",
            "due_on",
            "paid_at",
            "voided_at",
        )
        read_only_fields = fields

    def get_period(self, invoice: Invoice) -> str:
        return f"{invoice.period_start:%Y-%m}"

    def get_balance_due_minor(self, invoice: Invoice) -> int:
        if invoice.status != Invoice.Status.ISSUED:
            return 0
        return max(0, invoice.total_minor - int(getattr(invoice, "credited_minor", 0) or 0))


class InvoiceLineOut(serializers.ModelSerializer):
    """One billed ledger row; a waived row shows 0 with the reason as its description."""

    ticket = serializers.SerializerMethodField(help_text="The ticket's key, if any.")

    class Meta:
        model = InvoiceLine
        fields = (
            "id",
            "position",
            "kind",
            "part",
            "description",
            "quantity",
            "unit_price",
            "amount_minor",
            "at",
            "ledger_entry",
            "ticket",
        )
        read_only_fields = fields

    def get_ticket(self, line: InvoiceLine) -> str | None:
        entry = line.ledger_entry
        return ticket_key(entry.ticket_id) if entry is not None else None


@extend_schema_serializer(
    examples=[
        OpenApiExample("A credit note", value=CREDIT_NOTE_EXAMPLE, response_only=True),
    ]
)
class CreditNoteOut(serializers.ModelSerializer):
    currency = serializers.CharField(source="invoice.currency", read_only=True)

    class Meta:
        model = CreditNote
        fields = (
            "id",
            "number",
            "invoice",
            "amount_minor",
            "currency",
            "reason",
            "issued_at",
            "issued_by",
        )
        read_only_fields = fields


class InvoiceBankBalanceOut(serializers.Serializer):
    """A bank or per-minute deposit of the organization as it stood when the period ended."""

    contract = serializers.IntegerField(source="contract_id")
    name = serializers.CharField()
    kind = serializers.CharField()
    unit = serializers.CharField()
    units = serializers.IntegerField(
        allow_null=True, help_text="Bank: minutes or incidents left (negative: overdrawn)."
    )
    deposit_minor = serializers.IntegerField(allow_null=True, help_text="Per minute: left.")
    currency = serializers.CharField()


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "An issued invoice with its lines",
            value={
                **SUMMARY_EXAMPLE,
                "lines": LINE_EXAMPLES,
                "credit_notes": [],
                "bank_balances": [],
            },
            response_only=True,
        )
    ]
)
class InvoiceOut(InvoiceSummaryOut):
    """An invoice with its lines (in order) and credit notes (oldest first)."""

    lines = InvoiceLineOut(many=True, read_only=True, source="shown_lines")
    credit_notes = CreditNoteOut(many=True, read_only=True, source="credit_notes_in_order")
    bank_balances = serializers.SerializerMethodField(
        help_text="The organization's banks and deposits at the end of the period."
    )

    class Meta(InvoiceSummaryOut.Meta):
        fields = (*InvoiceSummaryOut.Meta.fields, "lines", "credit_notes", "bank_balances")
        read_only_fields = fields

    @extend_schema_field(InvoiceBankBalanceOut(many=True))
    def get_bank_balances(self, invoice: Invoice) -> list[dict[str, Any]]:
        balances = selectors.remaining_bank_balances(invoice)
        return list(InvoiceBankBalanceOut(balances, many=True).data)


def reason_field() -> serializers.CharField:
    return serializers.CharField(max_length=300, help_text="Why; printed on the credit note.")


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Sent to the wrong customer", value={"reason": "Sent to the wrong customer"}
        ),
    ]
)
class InvoiceVoidIn(serializers.Serializer):
    reason = reason_field()


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Credit half an hour logged twice",
            value={"amount_minor": 2400, "reason": "Half an hour logged twice"},
            request_only=True,
        ),
    ]
)
class CreditNoteIn(serializers.Serializer):
    amount_minor = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        help_text="In minor units of the invoice's currency; at most what is left uncredited.",
    )
    reason = reason_field()


@extend_schema_serializer(
    examples=[
        OpenApiExample("Bill October 2026", value={"period": "2026-10"}, request_only=True),
    ]
)
class BillingRunIn(serializers.Serializer):
    period = serializers.CharField(
        max_length=100,
        help_text="The month to bill, YYYY-MM, once it has ended. A malformed, future or "
        "running month is refused (`bad_period`).",
    )


class RefusalOut(serializers.Serializer):
    organization_id = serializers.IntegerField()
    name = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "October billed",
            value={
                "id": 12,
                "period": "2026-10",
                "period_start": "2026-10-01",
                "period_end": "2026-10-31",
                "started_at": "2026-11-01T06:00:00Z",
                "finished_at": "2026-11-01T06:00:02Z",
                "started_by": 1,
                "invoices_created": 1,
                "lines_billed": 3,
                "refusals": [],
                "invoices": [{**SUMMARY_EXAMPLE, "status": "draft", "number": None}],
            },
            response_only=True,
        )
    ]
)
class BillingRunOut(serializers.ModelSerializer):
    """A run and the drafts it created (a draft it only added late lines to keeps its first
    run)."""

    period = serializers.SerializerMethodField(help_text="The billed month, YYYY-MM.")
    refusals = RefusalOut(
        many=True,
        read_only=True,
        help_text="Organizations not billed in this run, and why (`currency_mismatch`, "
        "`bad_period` for a month still running in their time zone).",
    )
    invoices = InvoiceSummaryOut(many=True, read_only=True)

    class Meta:
        model = BillingRun
        fields = (
            "id",
            "period",
            "period_start",
            "period_end",
            "started_at",
            "finished_at",
            "started_by",
            "invoices_created",
            "lines_billed",
            "refusals",
            "invoices",
        )
        read_only_fields = fields

    def get_period(self, run: BillingRun) -> str:
        return f"{run.period_start:%Y-%m}"
