"""/api/v1/license/: the license in force (admins), and installing a key."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from deskpact.accounts.models import User
from deskpact.accounts.requests import signed_in
from deskpact.api.permissions import PasswordCurrent
from deskpact.api.serializers.license import (
    AdviceOut,
    AdviceQuery,
    DayUsageOut,
    LicenseKeyIn,
    LicenseOut,
    SeatsOut,
    UsageQuery,
)
from deskpact.licensing import advisor, leases
from deskpact.licensing.services import install_license, license_standing, seat_usage
from deskpact.licensing.usage import daily_usage, license_advice


class AdminsOnly(BasePermission):
    message = "Only admins see and change the desk's license."

    def has_permission(self, request: Request, view: object) -> bool:
        return bool(getattr(request.user, "is_admin", False))


class AdminView(APIView):
    """The license and its seats are the admins' business."""

    permission_classes = [PasswordCurrent, AdminsOnly]


class LicenseView(AdminView):
    @extend_schema(responses={200: LicenseOut}, summary="The license in force and its seats")
    def get(self, request: Request) -> Response:
        standing = license_standing()
        return Response(LicenseOut(LicenseOut.of(standing, seat_usage(standing))).data)

    @extend_schema(
        request=LicenseKeyIn,
        responses={201: LicenseOut},
        summary="Install a license key",
        description="A key that is malformed, changed, signed by an untrusted key or already "
        "ended is refused (`invalid_license_key`) and the license in force stays.",
    )
    def post(self, request: Request) -> Response:
        payload = LicenseKeyIn(data=request.data)
        payload.is_valid(raise_exception=True)
        standing = install_license(payload.validated_data["key"], by=signed_in(request))
        return Response(LicenseOut(LicenseOut.of(standing, seat_usage(standing))).data, status=201)


class SeatsView(AdminView):
    @extend_schema(responses={200: SeatsOut}, summary="Seats in use and who holds them")
    def get(self, request: Request) -> Response:
        usage = seat_usage()
        body = {
            "seat_type": str(usage.seat_type),
            "seats": usage.seats,
            "in_use": usage.in_use,
            "free": usage.free,
            "holders": leases.seat_holders(),
        }
        return Response(SeatsOut(body).data)


class SeatView(AdminView):
    @extend_schema(
        responses={204: None},
        summary="Free someone's concurrent seat",
        description="Audited. 404 when that person holds no seat.",
    )
    def delete(self, request: Request, user_id: int) -> Response:
        holder = User.objects.filter(pk=user_id).first()
        if holder is None or not leases.release_seat(holder, by=signed_in(request)):
            raise NotFound("That person holds no seat.")
        return Response(status=204)


class AdviceView(AdminView):
    @extend_schema(
        parameters=[AdviceQuery],
        responses={200: AdviceOut},
        summary="Which license would cost least, from the desk's own usage",
        description="Prices per seat and month for the four combinations, in the currency "
        "of the license in force; the window is the last `days` (default 90).",
    )
    def get(self, request: Request) -> Response:
        query = AdviceQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        days = query.validated_data["days"]
        try:
            advice, used, facts = license_advice(query.validated_data, days=days)
        except advisor.NoUsage as exc:
            raise ValidationError({"days": [str(exc)]}) from None
        return Response(AdviceOut(advice_body(advice, used, facts, days)).data)


def advice_body(advice: advisor.Advice, used: advisor.Usage, facts: Any, days: int) -> dict:
    """The advice as the API answers it (AdviceOut)."""
    return {
        "days": days,
        "options": advice.options,
        "recommended": advice.recommended,
        "current_monthly_cost": advice.current_monthly_cost,
        "monthly_saving": advice.monthly_saving,
        "concurrency": {
            str(model): {
                "peak": c.peak,
                "p95_daily_peak": c.p95,
                "daily_peaks": {day.isoformat(): n for day, n in sorted(c.daily_peaks.items())},
            }
            for model, c in used.concurrency.items()
        },
        "facts": {
            "tickets": facts.tickets,
            "customer_submitted_share": round(facts.customer_share, 4),
            "customers_receiving_updates": facts.customers_updated,
            "non_agents_own_tickets": facts.non_agents_own,
            "non_agents_submit_for_others": facts.non_agents_submit_for_others,
            "needs_team": facts.needs_team,
            "named_users": {str(m): n for m, n in used.named.items()},
        },
    }


class UsageView(AdminView):
    @extend_schema(
        parameters=[UsageQuery],
        responses={200: DayUsageOut(many=True)},
        summary="Seats used each day: peaks, people, seats taken and refused",
    )
    def get(self, request: Request) -> Response:
        query = UsageQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(DayUsageOut(daily_usage(query.validated_data["days"]), many=True).data)
