"""The contracts report as the API answers it: the serializers document it (OpenAPI),
`report_data` builds it."""

from __future__ import annotations

from datetime import date
from typing import Any

from rest_framework import serializers

from deskpact.contracts.models import Contract
from deskpact.reports.consumption import ContractsReport


class ContractsReportQuery(serializers.Serializer):
    """Documents the query; the report's own parser checks it, naming the field."""

    start = serializers.DateField(required=False, help_text="First day (default: 30 days ago).")
    end = serializers.DateField(required=False, help_text="Last day, included (default: today).")
    organization = serializers.IntegerField(
        required=False, help_text="Customers: only their own organization."
    )
    kind = serializers.ChoiceField(choices=Contract.Kind.choices, required=False)


class ReportContractOut(serializers.Serializer):
    contract = serializers.IntegerField(source="contract_id")
    organization = serializers.IntegerField(source="organization_id")
    organization_name = serializers.CharField(source="organization")
    name = serializers.CharField()
    kind = serializers.CharField()
    unit = serializers.CharField(help_text="minutes (contracts in hours) or incidents")
    currency = serializers.CharField()
    used = serializers.IntegerField(help_text="Units used in the range.")
    remaining = serializers.IntegerField(
        allow_null=True, help_text="Left today (banks and caps); null: no balance to run out."
    )
    run_out_on = serializers.DateField(
        allow_null=True, help_text="When a bank runs out at the pace of the last 90 days."
    )
    unbilled_minor = serializers.IntegerField(help_text="Charges in the range on no invoice.")
    unbilled = serializers.CharField(help_text="unbilled_minor as a decimal in the currency.")


class ReportUseOut(serializers.Serializer):
    period_start = serializers.DateField()
    contract = serializers.IntegerField(source="contract_id")
    unit = serializers.CharField(help_text="minutes (contracts in hours) or incidents")
    used = serializers.IntegerField(source="units")


class ReportRevenueOut(serializers.Serializer):
    month = serializers.DateField(help_text="The month's first day.")
    kind = serializers.CharField()
    currency = serializers.CharField()
    charge_minor = serializers.IntegerField()
    charged = serializers.CharField(source="amount")


class ContractsReportOut(serializers.Serializer):
    start = serializers.DateField(source="filter.range.start")
    end = serializers.DateField(source="filter.range.end")
    period = serializers.ChoiceField(choices=["day", "week"])
    contracts = ReportContractOut(many=True)
    consumption = ReportUseOut(many=True, source="use")
    revenue = ReportRevenueOut(
        many=True, allow_null=True, help_text="Agents and admins only; null for customers."
    )


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def report_data(report: ContractsReport) -> dict[str, Any]:
    """The report as ContractsReportOut documents it, built as plain dicts: thousands of
    rows through serializer fields cost most of a request."""
    return {
        "start": report.filter.range.start.isoformat(),
        "end": report.filter.range.end.isoformat(),
        "period": report.period,
        "contracts": [
            {
                "contract": c.contract_id,
                "organization": c.organization_id,
                "organization_name": c.organization,
                "name": c.name,
                "kind": c.kind,
                "unit": c.unit,
                "currency": c.currency,
                "used": c.used,
                "remaining": c.remaining,
                "run_out_on": _day(c.run_out_on),
                "unbilled_minor": c.unbilled_minor,
                "unbilled": c.unbilled,
            }
            for c in report.contracts
        ],
        "consumption": [
            {
                "period_start": u.period_start.isoformat(),
                "contract": u.contract_id,
                "unit": u.unit,
                "used": u.units,
            }
            for u in report.use
        ],
        "revenue": None
        if report.revenue is None
        else [
            {
                "month": r.month.isoformat(),
                "kind": r.kind,
                "currency": r.currency,
                "charge_minor": r.charge_minor,
                "charged": r.amount,
            }
            for r in report.revenue
        ],
    }
