"""The license report as the API answers it."""

from __future__ import annotations

from rest_framework import serializers


class LicenseReportQuery(serializers.Serializer):
    """Documents the query; the report's own parser checks it, naming the field."""

    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    support_named = serializers.DecimalField(max_digits=12, decimal_places=3, required=False)
    support_concurrent = serializers.DecimalField(max_digits=12, decimal_places=3, required=False)
    team_named = serializers.DecimalField(max_digits=12, decimal_places=3, required=False)
    team_concurrent = serializers.DecimalField(max_digits=12, decimal_places=3, required=False)


class LicenseReportDayOut(serializers.Serializer):
    day = serializers.DateField()
    seats_used = serializers.IntegerField()
    peak_staff = serializers.IntegerField()
    peak_everyone = serializers.IntegerField()
    active_staff = serializers.IntegerField()
    active_everyone = serializers.IntegerField()
    checkouts = serializers.IntegerField()
    refusals = serializers.IntegerField()


class LicenseReportOptionOut(serializers.Serializer):
    model = serializers.CharField()
    seat_type = serializers.CharField()
    seats = serializers.IntegerField()
    price_per_seat = serializers.DecimalField(max_digits=12, decimal_places=3)
    monthly_cost = serializers.DecimalField(max_digits=14, decimal_places=3)
    allowed = serializers.BooleanField()


class LicenseReportAdviceOut(serializers.Serializer):
    options = LicenseReportOptionOut(many=True)
    recommended = LicenseReportOptionOut(allow_null=True)
    current_monthly_cost = serializers.DecimalField(max_digits=14, decimal_places=3)
    monthly_saving = serializers.DecimalField(max_digits=14, decimal_places=3, allow_null=True)


class LicenseReportOut(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    model = serializers.CharField()
    seat_type = serializers.CharField()
    seats = serializers.IntegerField()
    peak = serializers.IntegerField()
    refusals = serializers.IntegerField()
    days = LicenseReportDayOut(many=True)
    advice = LicenseReportAdviceOut(allow_null=True)
    advice_note = serializers.CharField(allow_blank=True)
