"""The license in force, its seats, and installing a key."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from deskpact.licensing.services import SeatUsage
from deskpact.licensing.standing import Standing


class LicenseOut(serializers.Serializer):
    licensee = serializers.CharField()
    state = serializers.ChoiceField(choices=["evaluation", "active", "grace", "lapsed"])
    model = serializers.ChoiceField(choices=["support", "team"])
    seat_type = serializers.ChoiceField(choices=["named", "concurrent"])
    seats = serializers.IntegerField()
    overdraft_percent = serializers.IntegerField()
    seats_in_use = serializers.IntegerField(help_text="Named seats: licensed users.")
    price_per_seat = serializers.DecimalField(max_digits=12, decimal_places=3, allow_null=True)
    currency = serializers.CharField(allow_null=True)
    monthly_fee = serializers.DecimalField(
        max_digits=14, decimal_places=3, allow_null=True, help_text="seats x price per seat"
    )
    valid_until = serializers.DateField(allow_null=True)
    ends_on = serializers.DateField(allow_null=True, help_text="valid_until plus grace days")
    license_id = serializers.CharField(allow_blank=True)
    warning = serializers.CharField(allow_blank=True)

    @staticmethod
    def of(standing: Standing, usage: SeatUsage) -> dict[str, Any]:
        terms, paid = standing.terms, not standing.is_evaluation
        return {
            "licensee": terms.licensee,
            "state": str(standing.state),
            "model": str(terms.model),
            "seat_type": str(terms.seat_type),
            "seats": terms.seats,
            "overdraft_percent": terms.overdraft_percent,
            "seats_in_use": usage.in_use,
            "price_per_seat": terms.price_per_seat if paid else None,
            "currency": terms.currency if paid else None,
            "monthly_fee": terms.monthly_fee if paid else None,
            "valid_until": terms.valid_until if paid else None,
            "ends_on": terms.ends_on if paid else None,
            "license_id": terms.license_id,
            "warning": standing.warning,
        }


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Install a key",
            value={"key": "DPL1.eyJjdXJyZW5jeSI6IkVVUiIs….Q2l3bS1x…"},
            request_only=True,
        )
    ]
)
class LicenseKeyIn(serializers.Serializer):
    key = serializers.CharField(
        max_length=10_000, help_text="A key from `deskpact license issue`; line breaks are fine."
    )


class SeatHolderOut(serializers.Serializer):
    user = serializers.IntegerField(source="user_id")
    email = serializers.EmailField(source="user.email")
    name = serializers.CharField(source="user.name")
    taken_at = serializers.DateTimeField()
    last_activity_at = serializers.DateTimeField(source="renewed_at")
    expires_at = serializers.DateTimeField()
    is_overdraft = serializers.BooleanField()


class SeatsOut(serializers.Serializer):
    seat_type = serializers.ChoiceField(choices=["named", "concurrent"])
    seats = serializers.IntegerField()
    in_use = serializers.IntegerField()
    free = serializers.IntegerField()
    holders = SeatHolderOut(many=True, help_text="Concurrent seats held now, oldest first.")


PRICE_FIELDS = ("support_named", "support_concurrent", "team_named", "team_concurrent")


class AdviceQuery(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=366, default=90)
    support_named = serializers.DecimalField(max_digits=12, decimal_places=3, min_value=0)
    support_concurrent = serializers.DecimalField(max_digits=12, decimal_places=3, min_value=0)
    team_named = serializers.DecimalField(max_digits=12, decimal_places=3, min_value=0)
    team_concurrent = serializers.DecimalField(max_digits=12, decimal_places=3, min_value=0)


class AdviceOptionOut(serializers.Serializer):
    model = serializers.CharField()
    seat_type = serializers.CharField()
    seats = serializers.IntegerField()
    price_per_seat = serializers.DecimalField(max_digits=12, decimal_places=3)
    monthly_cost = serializers.DecimalField(max_digits=16, decimal_places=3)
    allowed = serializers.BooleanField(help_text="False: the desk's use needs the Team model.")


class AdviceOut(serializers.Serializer):
    days = serializers.IntegerField()
    options = AdviceOptionOut(many=True)
    recommended = AdviceOptionOut(allow_null=True)
    current_monthly_cost = serializers.DecimalField(max_digits=16, decimal_places=3)
    monthly_saving = serializers.DecimalField(
        max_digits=16, decimal_places=3, allow_null=True, help_text="negative: costs more"
    )
    concurrency = serializers.DictField(
        help_text="Per model: peak, p95 of the daily peaks, and the daily peaks (the curve)."
    )
    facts = serializers.DictField(help_text="What decides the model, from the desk's tickets.")


class UsageQuery(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=366, default=30)


class DayUsageOut(serializers.Serializer):
    day = serializers.DateField()
    peak_staff = serializers.IntegerField(help_text="Agents and admins at once (Support).")
    peak_everyone = serializers.IntegerField(help_text="Everyone at once (Team).")
    active_staff = serializers.IntegerField()
    active_everyone = serializers.IntegerField()
    checkouts = serializers.IntegerField(help_text="Concurrent seats taken.")
    refusals = serializers.IntegerField(help_text="Concurrent seats refused.")
