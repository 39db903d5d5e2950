from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from deskpact.accounts.models import Organization, validate_time_zone
from deskpact.core.currencies import is_currency


class OrganizationOut(serializers.ModelSerializer):
    domains = serializers.SerializerMethodField()

    class Meta:
        model = Organization
        fields = (
            "id",
            "name",
            "domains",
            "currency",
            "time_zone",
            "tax_rate",
            "shares_tickets",
            "created_at",
        )
        read_only_fields = fields

    def get_domains(self, obj: Organization) -> list[str]:
        return [d.domain for d in obj.domains.all()]


class OrganizationIn(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    domains = serializers.ListField(
        child=serializers.CharField(max_length=253), required=False, max_length=100
    )
    currency = serializers.CharField(max_length=3, required=False)
    time_zone = serializers.CharField(max_length=64, required=False)
    tax_rate = serializers.DecimalField(
        max_digits=6,
        decimal_places=3,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        required=False,
    )
    shares_tickets = serializers.BooleanField(required=False)

    def validate_currency(self, value: str) -> str:
        code = value.strip().upper()
        if not is_currency(code):
            raise serializers.ValidationError(
                f"{value!r} is not an ISO 4217 currency code.", code="unknown_currency"
            )
        return code

    def validate_time_zone(self, value: str) -> str:
        try:
            validate_time_zone(value)
        except Exception as exc:
            raise serializers.ValidationError(
                f"{value!r} is not a known time zone.", code="invalid_time_zone"
            ) from exc
        return value
