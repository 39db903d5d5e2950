"""/api/v1/reports/contracts/: consumption, balances, unbilled charges and revenue."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from deskpact.accounts.requests import signed_in
from deskpact.api.permissions import PasswordCurrent
from deskpact.api.serializers.reports_contracts import (
    ContractsReportOut,
    ContractsReportQuery,
    report_data,
)
from deskpact.reports.consumption import contracts_report, parse_filter


class ContractsReportView(APIView):
    permission_classes = [PasswordCurrent]

    @extend_schema(
        parameters=[ContractsReportQuery],
        responses={200: ContractsReportOut},
        summary="Contract consumption, balances, unbilled charges and revenue over a range",
        description="Agents and admins see every organization and the revenue per contract "
        "kind, month and currency; a customer sees their own organization's contracts and "
        "no revenue (`revenue` is null). Bad input is refused naming the field: `bad_range`, "
        "`unknown_organization` (also for another customer's organization), `unknown_kind`.",
    )
    def get(self, request: Request) -> Response:
        user = signed_in(request)
        today = timezone.localdate()
        params = request.query_params
        f = parse_filter(
            user,
            start=params.get("start"),
            end=params.get("end"),
            organization=params.get("organization"),
            kind=params.get("kind"),
            today=today,
        )
        return Response(report_data(contracts_report(user, f, today=today)))
