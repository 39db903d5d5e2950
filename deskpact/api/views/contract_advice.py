"""/api/v1/contracts/advice/ and /api/v1/entitlements/check/."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from deskpact.accounts.models import Organization, User
from deskpact.accounts.requests import signed_in
from deskpact.api.permissions import PasswordCurrent
from deskpact.api.serializers.contract_advice import (
    ContractAdviceOut,
    ContractAdviceQuery,
    EntitlementCheckOut,
    EntitlementCheckQuery,
)
from deskpact.contracts.replay import advise_for
from deskpact.contracts.updates import check_updates


class AgentsOnly(BasePermission):
    message = "Only agents and admins see contract advice."

    def has_permission(self, request: Request, view: object) -> bool:
        return bool(getattr(request.user, "is_agent", False))


def organization_for(user: User, organization_id: int) -> Organization:
    """The organization asked about: any for agents; a customer only their own, others 404."""
    if not user.is_agent:
        if organization_id != user.organization_id:
            raise NotFound("No such organization.")
        return Organization.objects.get(pk=organization_id)
    found = Organization.objects.filter(pk=organization_id).first()
    if found is None:
        raise ValidationError({"organization": [f"No organization with id {organization_id}."]})
    return found


class ContractAdviceView(APIView):
    permission_classes = [PasswordCurrent, AgentsOnly]

    @extend_schema(
        parameters=[ContractAdviceQuery],
        responses={200: ContractAdviceOut},
        summary="What an organization's last 12 months would have cost under each contract kind",
        description="Replays the organization's work logs, calls and resolved tickets of the "
        "last 12 months with the price book in force today, in its currency. One option per "
        "kind (banks once in hours and once in incidents) with its cost, what it assumed, "
        "and the price book items missing to price it; `cheapest` is the least cost among "
        "the priced ones. Agents and admins.",
    )
    def get(self, request: Request) -> Response:
        query = ContractAdviceQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        organization = organization_for(signed_in(request), query.validated_data["organization"])
        result = advise_for(organization, today=timezone.localdate(), options=query.options())
        return Response(ContractAdviceOut(ContractAdviceOut.of(result)).data)


class EntitlementCheckView(APIView):
    permission_classes = [PasswordCurrent]

    @extend_schema(
        parameters=[EntitlementCheckQuery],
        responses={200: EntitlementCheckOut},
        summary="Whether an organization's service agreement covers updates for a module",
        description="Covered when an agreement of the organization lists the module (case "
        "does not matter) and is in force on `on`: within its term, both ends included, and "
        "active or ended no earlier than that day. Otherwise `covered` is false and `code` "
        "and `reason` say why. Agents and admins ask about any organization; a customer only "
        "about their own (others: 404).",
    )
    def get(self, request: Request) -> Response:
        query = EntitlementCheckQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        organization = organization_for(signed_in(request), data["organization"])
        on = data.get("on") or timezone.localdate()
        coverage = check_updates(organization, module=data["module"], on=on)
        body = EntitlementCheckOut.of(organization.pk, data["module"].strip(), on, coverage)
        return Response(EntitlementCheckOut(body).data)
