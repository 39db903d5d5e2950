"""Where a contract stands: its balance, top-ups and ledger rows (money in minor units)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from deskpact.api.filters import MAX_ID
from deskpact.api.serializers.contracts import EnumField, ticket_key
from deskpact.contracts.models import Contract, LedgerEntry


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A bank with 17.5 hours left",
            value={
                "contract": 7,
                "unit": "hours",
                "currency": "EUR",
                "units": 1050,
                "used": 150,
                "remaining": 1050,
                "purchased": 1200,
                "overage": 0,
                "prepaid_minor": 0,
                "charged_minor": 180000,
                "run_out_on": "2026-09-14",
                "warnings": [],
            },
            response_only=True,
        )
    ]
)
class BalanceOut(serializers.Serializer):
    contract = serializers.IntegerField(source="contract.pk")
    unit = serializers.CharField(source="contract.unit", help_text="hours, incidents or empty.")
    currency = serializers.CharField(source="contract.currency")
    units = serializers.IntegerField(
        source="balance.units",
        help_text="The net of the ledger in units (a bank's balance; minutes for hours).",
    )
    used = serializers.IntegerField(source="balance.used", help_text="Covered and overage.")
    remaining = serializers.IntegerField(
        allow_null=True, help_text="Bank: its balance; capped: what is left under the cap."
    )
    purchased = serializers.IntegerField(source="balance.purchased")
    overage = serializers.IntegerField(source="balance.overage")
    prepaid_minor = serializers.IntegerField(
        source="balance.prepaid_minor", help_text="Per minute: deposit left."
    )
    charged_minor = serializers.IntegerField(
        source="balance.charged_minor", help_text="Everything charged so far (fees, blocks, work)."
    )
    run_out_on = serializers.DateField(
        allow_null=True, help_text="Bank: when it runs out at the pace of the last 90 days."
    )
    warnings = serializers.ListField(child=serializers.CharField())


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A bank block of 10 hours at the price book's price",
            value={"units": 600, "expires_on": "2026-12-31"},
            request_only=True,
        ),
        OpenApiExample(
            "A bank block at an agreed price",
            value={"units": 1200, "price_minor": 180000, "currency": "EUR"},
            request_only=True,
        ),
        OpenApiExample(
            "A deposit for per-minute calls",
            value={"amount_minor": 50000, "currency": "EUR"},
            request_only=True,
        ),
    ]
)
class TopUpIn(serializers.Serializer):
    """A bank takes a block (`units`, optional `price_minor`, `expires_on`); a per-minute
    contract a deposit (`amount_minor`). `currency`, when sent, must be the contract's."""

    units = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, required=False, help_text="Bank: minutes or incidents."
    )
    price_minor = serializers.IntegerField(
        min_value=0,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        help_text="Bank: default from the price book (block_hour or block_incident).",
    )
    expires_on = serializers.DateField(required=False, allow_null=True)
    amount_minor = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="Per minute: the deposit."
    )
    currency = serializers.CharField(min_length=3, max_length=3, required=False)

    def validate_currency(self, value: str) -> str:
        return value.upper()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        kind = self.context.get("kind")
        if kind == Contract.Kind.PER_MINUTE:
            wrong = [f for f in ("units", "price_minor", "expires_on") if f in attrs]
            if wrong:
                raise serializers.ValidationError(
                    {wrong[0]: "A per-minute contract takes deposits: send amount_minor."}
                )
            if "amount_minor" not in attrs:
                raise serializers.ValidationError(
                    {"amount_minor": "A deposit needs an amount."}, code="required"
                )
        elif kind == Contract.Kind.BANK:
            if "amount_minor" in attrs:
                raise serializers.ValidationError(
                    {"amount_minor": "A bank takes blocks: send units."}
                )
            if "units" not in attrs:
                raise serializers.ValidationError(
                    {"units": "A block needs a quantity."}, code="required"
                )
        return attrs


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A block bought",
            value={
                "kind": "block",
                "id": 31,
                "units": 600,
                "left": 240,
                "amount_minor": 90000,
                "currency": "EUR",
                "at": "2026-03-02T10:15:00Z",
                "expires_on": "2026-12-31",
            },
            response_only=True,
        )
    ]
)
class TopUpOut(serializers.Serializer):
    kind = EnumField(
        enum_name="TopUpKindEnum", choices=[("block", "Block"), ("deposit", "Deposit")]
    )
    id = serializers.IntegerField(help_text="The block's id, or the deposit's ledger row id.")
    units = serializers.IntegerField(allow_null=True, help_text="Block: units bought.")
    left = serializers.IntegerField(allow_null=True, help_text="Block: units left in it.")
    amount_minor = serializers.IntegerField(help_text="What the block cost or the deposit paid.")
    currency = serializers.CharField()
    at = serializers.DateTimeField()
    expires_on = serializers.DateField(allow_null=True)


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A bank with two blocks",
            value={
                "contract": 7,
                "currency": "EUR",
                "units_left": 840,
                "deposit_left_minor": None,
                "card_on_file": False,
                "topups": [
                    {
                        "kind": "block",
                        "id": 32,
                        "units": 600,
                        "left": 600,
                        "amount_minor": 90000,
                        "currency": "EUR",
                        "at": "2026-05-02T10:15:00Z",
                        "expires_on": None,
                    },
                    {
                        "kind": "block",
                        "id": 31,
                        "units": 600,
                        "left": 240,
                        "amount_minor": 90000,
                        "currency": "EUR",
                        "at": "2026-03-02T10:15:00Z",
                        "expires_on": "2026-12-31",
                    },
                ],
            },
            response_only=True,
        )
    ]
)
class TopUpsOut(serializers.Serializer):
    contract = serializers.IntegerField()
    currency = serializers.CharField()
    units_left = serializers.IntegerField(allow_null=True, help_text="Bank: its balance.")
    deposit_left_minor = serializers.IntegerField(
        allow_null=True, help_text="Per minute: deposit left (deposits are drawn as one pool)."
    )
    card_on_file = serializers.BooleanField()
    topups = TopUpOut(many=True, help_text="Newest first.")


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Work beyond a cap",
            value={
                "id": 901,
                "kind": "work_rated",
                "part": "overage",
                "at": "2026-11-20T14:00:00Z",
                "recorded_at": "2026-11-20T14:45:00Z",
                "units": -45,
                "charge_minor": 8250,
                "prepaid_minor": 0,
                "currency": "EUR",
                "rate": "110.0000",
                "quantity": "0.7500",
                "ticket": "DP-1042",
                "work_log": 455,
                "block": None,
                "corrects": None,
                "description": "Overage",
            },
            response_only=True,
        )
    ]
)
class LedgerEntryOut(serializers.ModelSerializer):
    kind = EnumField(
        enum_name="LedgerEntryKindEnum", choices=LedgerEntry.Kind.choices, read_only=True
    )
    ticket = serializers.SerializerMethodField()

    class Meta:
        model = LedgerEntry
        fields = (
            "id",
            "kind",
            "part",
            "at",
            "recorded_at",
            "units",
            "charge_minor",
            "prepaid_minor",
            "currency",
            "rate",
            "quantity",
            "ticket",
            "work_log",
            "block",
            "corrects",
            "description",
        )
        read_only_fields = fields

    def get_ticket(self, obj: LedgerEntry) -> str | None:
        return ticket_key(obj.ticket_id)
