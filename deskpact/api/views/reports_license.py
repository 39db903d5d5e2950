"""/api/v1/reports/license/: seats used each day, refusals and the advisor (admins)."""

from __future__ import annotations

from dataclasses import asdict

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from deskpact.api.serializers.reports_license import LicenseReportOut, LicenseReportQuery
from deskpact.api.views.license import AdminView
from deskpact.reports.license_use import given_prices, license_report, parse_license_range


class LicenseReportView(AdminView):
    @extend_schema(
        parameters=[LicenseReportQuery],
        responses={200: LicenseReportOut},
        summary="Seats used each day, peaks, refusals and the advisor over a range",
        description="Admins only. The range is at most 366 days. With the four prices per "
        "seat and month the advisor's recommendation for the same days is included; a bad "
        "price is refused naming it (`bad_price`).",
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        period = parse_license_range(
            params.get("start"), params.get("end"), today=timezone.localdate()
        )
        report = license_report(period, prices=given_prices(params))
        body = {
            "start": period.start,
            "end": period.end,
            "model": report.model,
            "seat_type": report.seat_type,
            "seats": report.seats,
            "peak": report.peak,
            "refusals": report.total_refusals,
            "days": [{**asdict(d), "seats_used": report.seats_used(d)} for d in report.days],
            "advice": report.advice,
            "advice_note": report.advice_note,
        }
        return Response(LicenseReportOut(body).data)
