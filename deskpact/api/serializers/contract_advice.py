"""The contract advisor and the entitlement check for updates."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from deskpact.contracts import advisor
from deskpact.contracts.replay import Replay
from deskpact.contracts.updates import Coverage


class ContractAdviceQuery(serializers.Serializer):
    organization = serializers.IntegerField(min_value=1, help_text="The organization's id.")
    block_hours = serializers.IntegerField(
        min_value=1, max_value=1000, default=10, help_text="Bank of hours: hours in a block."
    )
    block_incidents = serializers.IntegerField(
        min_value=1, max_value=1000, default=10, help_text="Bank of incidents: a block's size."
    )
    cap_hours = serializers.IntegerField(
        min_value=1, max_value=100_000, default=100, help_text="Capped: hours covered a term."
    )
    fee_minor = serializers.IntegerField(
        min_value=0,
        required=False,
        help_text="Capped: the term fee in minor units. The price book holds no fees; "
        "without it 0 is assumed and the answer says so.",
    )
    agreement_fee_minor = serializers.IntegerField(
        min_value=0,
        required=False,
        help_text="Service agreement: the term fee in minor units; without it the agreement "
        "is not priced.",
    )

    def options(self) -> advisor.Options:
        data = self.validated_data
        return advisor.Options(
            block_hours=data["block_hours"],
            block_incidents=data["block_incidents"],
            cap_hours=data["cap_hours"],
            capped_fee_minor=data.get("fee_minor"),
            agreement_fee_minor=data.get("agreement_fee_minor"),
        )


class ContractAdviceOptionOut(serializers.Serializer):
    key = serializers.ChoiceField(
        choices=[
            "agreement",
            "capped",
            "bank_hours",
            "bank_incidents",
            "per_incident",
            "payg",
            "per_minute",
        ]
    )
    kind = serializers.CharField(help_text="The contract kind (Contract.kind).")
    unit = serializers.CharField()
    name = serializers.CharField()
    priced = serializers.BooleanField()
    cost_minor = serializers.IntegerField(
        allow_null=True, help_text="In the organization's currency; null when not priced."
    )
    cost = serializers.CharField(allow_null=True, help_text='As money, e.g. "1234.50 EUR".')
    assumes = serializers.ListField(child=serializers.CharField())
    missing = serializers.ListField(
        child=serializers.CharField(),
        help_text="Price book items (or `fee`) needed to price this kind and not given.",
    )
    fee_assumed = serializers.BooleanField(help_text="The cost rests on a term fee of 0.")
    details = serializers.DictField(child=serializers.IntegerField())
    is_cheapest = serializers.BooleanField()


class ContractAdviceWorkOut(serializers.Serializer):
    billable_minutes = serializers.IntegerField()
    unbillable_minutes = serializers.IntegerField()
    phone_minutes = serializers.IntegerField(help_text="Agent-minutes on the phone.")
    logs = serializers.IntegerField()
    calls = serializers.IntegerField()
    resolved_tickets = serializers.IntegerField()


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A year of work",
            response_only=True,
            value={
                "organization": 12,
                "currency": "EUR",
                "starts_on": "2025-06-16",
                "ends_on": "2026-06-15",
                "work": {
                    "billable_minutes": 1500,
                    "unbillable_minutes": 30,
                    "phone_minutes": 0,
                    "logs": 4,
                    "calls": 0,
                    "resolved_tickets": 4,
                },
                "prices": {"hour": "90.0000", "incident": "150.0000", "block_hour": "80.0000"},
                "options": [
                    {
                        "key": "bank_hours",
                        "kind": "bank",
                        "unit": "hours",
                        "name": "Bank of hours, blocks of 10 h",
                        "priced": True,
                        "cost_minor": 240000,
                        "cost": "2400.00 EUR",
                        "assumes": [
                            "25 h used: 3 blocks of 10 h.",
                            "Each block 800.00 EUR (80.00 EUR an hour); 5 h left unused.",
                        ],
                        "missing": [],
                        "fee_assumed": False,
                        "details": {"used_minutes": 1500, "blocks": 3, "block_minutes": 600},
                        "is_cheapest": False,
                    },
                    {
                        "key": "payg",
                        "kind": "payg",
                        "unit": "hours",
                        "name": "Pay as you go, hourly",
                        "priced": True,
                        "cost_minor": 225000,
                        "cost": "2250.00 EUR",
                        "assumes": [
                            "25 h in 4 billable logs.",
                            "At 90.00 EUR an hour, each log rounded up to the minute.",
                        ],
                        "missing": [],
                        "fee_assumed": False,
                        "details": {"billable_minutes": 1500, "logs": 4},
                        "is_cheapest": True,
                    },
                    {
                        "key": "bank_incidents",
                        "kind": "bank",
                        "unit": "incidents",
                        "name": "Bank of incidents, blocks of 10",
                        "priced": False,
                        "cost_minor": None,
                        "cost": None,
                        "assumes": [
                            "4 resolved tickets make 16 incidents (one per started 120-minute "
                            "window of work): 2 blocks of 10 incidents.",
                            "A bank debits every incident; waivers apply to per-incident and "
                            "per-minute charges.",
                            "Not priced: the price book has no block_incident price in EUR.",
                        ],
                        "missing": ["block_incident"],
                        "fee_assumed": False,
                        "details": {"incidents": 16, "blocks": 2, "block_incidents": 10},
                        "is_cheapest": False,
                    },
                ],
                "cheapest": "payg",
            },
        )
    ]
)
class ContractAdviceOut(serializers.Serializer):
    organization = serializers.IntegerField()
    currency = serializers.CharField()
    starts_on = serializers.DateField(help_text="The replayed window: the last 12 months.")
    ends_on = serializers.DateField()
    work = ContractAdviceWorkOut()
    prices = serializers.DictField(
        child=serializers.DecimalField(max_digits=12, decimal_places=4),
        help_text="The price book in force today, per item, in the organization's currency.",
    )
    options = ContractAdviceOptionOut(many=True)
    cheapest = serializers.CharField(allow_null=True, help_text="The key of the cheapest option.")

    @staticmethod
    def of(result: Replay) -> dict[str, Any]:
        advice, history = result.advice, result.history
        best = advice.cheapest.key if advice.cheapest else None
        return {
            "organization": result.organization.pk,
            "currency": advice.currency,
            "starts_on": result.starts_on,
            "ends_on": result.ends_on,
            "work": {
                "billable_minutes": history.billable_minutes,
                "unbillable_minutes": history.unbillable_minutes,
                "phone_minutes": history.phone_minutes,
                "logs": len(history.work),
                "calls": history.calls,
                "resolved_tickets": len(history.resolved),
            },
            "prices": result.prices,
            "options": [
                {
                    "key": o.key,
                    "kind": o.kind,
                    "unit": o.unit,
                    "name": o.label,
                    "priced": o.priced,
                    "cost_minor": o.cost.minor if o.cost else None,
                    "cost": str(o.cost) if o.cost else None,
                    "assumes": list(o.assumes),
                    "missing": list(o.missing),
                    "fee_assumed": o.fee_assumed,
                    "details": dict(o.details),
                    "is_cheapest": o.key == best,
                }
                for o in advice.options
            ],
            "cheapest": best,
        }


class EntitlementCheckQuery(serializers.Serializer):
    organization = serializers.IntegerField(min_value=1, help_text="The organization's id.")
    module = serializers.CharField(max_length=200, help_text="Case does not matter.")
    on = serializers.DateField(
        required=False, input_formats=["%Y-%m-%d"], help_text="YYYY-MM-DD; default today."
    )


class EntitlementCheckContractOut(serializers.Serializer):
    id = serializers.IntegerField(source="contract_id")
    name = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(allow_null=True, help_text="null: open-ended.")
    status = serializers.CharField()
    covered_modules = serializers.ListField(child=serializers.CharField())


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Covered",
            response_only=True,
            value={
                "organization": 12,
                "module": "Billing",
                "on": "2026-04-01",
                "covered": True,
                "code": "covered",
                "reason": "Acme agreement (2026-01-01 to 2026-12-31) covers updates for Billing.",
                "contract": {
                    "id": 31,
                    "name": "Acme agreement",
                    "starts_on": "2026-01-01",
                    "ends_on": "2026-12-31",
                    "status": "active",
                    "covered_modules": ["Billing", "Inventory"],
                },
            },
        ),
        OpenApiExample(
            "Not covered",
            response_only=True,
            value={
                "organization": 12,
                "module": "Payroll",
                "on": "2026-04-01",
                "covered": False,
                "code": "module_not_covered",
                "reason": "Acme agreement (2026-01-01 to 2026-12-31) does not cover Payroll; "
                "it covers Billing, Inventory.",
                "contract": {
                    "id": 31,
                    "name": "Acme agreement",
                    "starts_on": "2026-01-01",
                    "ends_on": "2026-12-31",
                    "status": "active",
                    "covered_modules": ["Billing", "Inventory"],
                },
            },
        ),
    ]
)
class EntitlementCheckOut(serializers.Serializer):
    organization = serializers.IntegerField()
    module = serializers.CharField()
    on = serializers.DateField()
    covered = serializers.BooleanField()
    code = serializers.ChoiceField(
        choices=["covered", "no_agreement", "outside_term", "module_not_covered"]
    )
    reason = serializers.CharField()
    contract = EntitlementCheckContractOut(
        allow_null=True,
        help_text="The agreement that covers it, or the one the answer is about.",
    )

    @staticmethod
    def of(organization_id: int, module: str, on: Any, coverage: Coverage) -> dict[str, Any]:
        return {
            "organization": organization_id,
            "module": module,
            "on": on,
            "covered": coverage.covered,
            "code": coverage.code,
            "reason": coverage.reason,
            "contract": coverage.agreement,
        }
