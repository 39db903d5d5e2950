"""/api/v1/tickets/{key}/worklogs/, /api/v1/calls/ and /api/v1/prices/."""

from __future__ import annotations

from datetime import date
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, generics, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from deskpact.accounts.requests import signed_in
from deskpact.api.filters import FilterBackend
from deskpact.api.idempotency import idempotent
from deskpact.api.permissions import AdminWritesOthersRead, PasswordCurrent
from deskpact.api.serializers.contracts_work import (
    CallIn,
    CallOut,
    PriceIn,
    PriceOut,
    WorkLogIn,
    WorkLogOut,
)
from deskpact.api.views.tickets import KEY
from deskpact.contracts import services
from deskpact.contracts.models import Call, Price, WorkLog
from deskpact.tickets import selectors
from deskpact.tickets.models import Ticket


class AgentsOnly(BasePermission):
    message = "Only agents and admins work with calls and prices."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(getattr(request.user, "is_agent", False))


def logs_with_agents(rows: QuerySet[WorkLog]) -> QuerySet[WorkLog]:
    return rows.select_related("agent").defer("agent__password")  # hashes never ride along


WORKLOGS_SEEN = (
    "Agents only: a work log's note is internal, so customers get 404 for this endpoint "
    "(they see what work cost in their contract's balance and ledger instead). "
    "A ticket the agent may not see is 404 too."
)


class WorkLogsView(APIView):
    permission_classes = [PasswordCurrent]

    def ticket(self, request: Request, key: str) -> Ticket:
        user = signed_in(request)
        if not user.is_agent:
            raise exceptions.NotFound()
        return selectors.get_ticket_for(user, key)

    @extend_schema(
        parameters=[KEY],
        responses={200: WorkLogOut(many=True)},
        summary="Work logged on a ticket, newest first (agents)",
        description=WORKLOGS_SEEN,
    )
    def get(self, request: Request, key: str) -> Response:
        ticket = self.ticket(request, key)
        rows = logs_with_agents(WorkLog.objects.filter(ticket=ticket)).order_by(
            "-started_at", "-id"
        )
        return Response(WorkLogOut(rows, many=True).data)

    @extend_schema(
        parameters=[KEY],
        request=WorkLogIn,
        responses={201: WorkLogOut},
        summary="Log work on a ticket (agents)",
        description=WORKLOGS_SEEN
        + " The minutes are rated against the ticket's contract at once. Refusals: "
        "`deposit_required` (a per-minute contract with no deposit and no card), "
        "`overdraft_exceeded` (a bank past its overdraft limit), `price_missing` (no price "
        "in force on the day of the work), `started_at` outside the contract's term.",
    )
    @idempotent
    def post(self, request: Request, key: str) -> Response:
        ticket = self.ticket(request, key)
        payload = WorkLogIn(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        user = signed_in(request)
        agent = data.pop("agent", None) or user
        log = services.log_work(ticket, agent=agent, logged_by=user, **data)
        return Response(WorkLogOut(log).data, status=status.HTTP_201_CREATED)


class TicketKeyField(forms.CharField):
    def clean(self, value: Any) -> int | None:
        text = super().clean(value)
        if text in ("", None):
            return None
        number = selectors.parse_key(text)
        if number is None or number < 1:
            raise ValidationError("Use a ticket key (DP-1042) or number.", code="invalid")
        return number


class TicketKeyFilter(django_filters.Filter):
    field_class = TicketKeyField


class CallFilter(django_filters.FilterSet):
    ticket = TicketKeyFilter(field_name="ticket_id", help_text="A ticket key or number.")

    class Meta:
        model = Call
        fields = ("ticket",)


@extend_schema_view(
    get=extend_schema(summary="Recent phone calls, newest first (agents)"),
    post=extend_schema(
        request=CallIn,
        responses={201: CallOut},
        summary="Log a phone call with the agents on it (agents)",
        description="One work log per agent, each of `minutes` on the phone channel: 3 agents "
        "for 14 minutes make 42 agent-minutes. All or nothing: a refusal for any agent "
        "(`deposit_required`, `overdraft_exceeded`, `price_missing`) records no call.",
    ),
)
class CallsView(generics.ListCreateAPIView):
    permission_classes = [PasswordCurrent, AgentsOnly]
    serializer_class = CallOut
    queryset = Call.objects.none()  # for the schema; get_queryset scopes
    filterset_class = CallFilter
    filter_backends = [FilterBackend]

    def get_queryset(self) -> QuerySet[Call]:
        user = signed_in(self.request)
        visible = Ticket.objects.filter(selectors.visibility_filter(user))
        return (
            Call.objects.filter(ticket__in=visible)
            .prefetch_related(
                Prefetch(
                    "work_logs", queryset=logs_with_agents(WorkLog.objects.order_by("agent_id"))
                )
            )
            .order_by("-started_at", "-id")
        )

    @idempotent
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.create(request, *args, **kwargs)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = signed_in(request)
        payload = CallIn(data=request.data, context={"user": user})
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        call = services.log_call(
            data["ticket"],
            agents=data["agents"],
            minutes=data["minutes"],
            started_at=data["started_at"],
            by=user,
            note=data["note"],
        )
        return Response(
            CallOut(self.get_queryset().get(pk=call.pk)).data, status=status.HTTP_201_CREATED
        )


class PriceFilter(django_filters.FilterSet):
    item = django_filters.ChoiceFilter(choices=Price.Item.choices)
    currency = django_filters.CharFilter(method="filter_currency", help_text="ISO 4217 code.")
    on = django_filters.DateFilter(
        method="filter_on", help_text="Only the price of each item in force on this day."
    )

    class Meta:
        model = Price
        fields = ("item", "currency", "on")

    def filter_currency(self, rows: QuerySet[Price], name: str, value: str) -> QuerySet[Price]:
        return rows.filter(currency=value.strip().upper())

    def filter_on(self, rows: QuerySet[Price], name: str, value: date) -> QuerySet[Price]:
        latest = (
            Price.objects.filter(
                item=OuterRef("item"), currency=OuterRef("currency"), effective_from__lte=value
            )
            .order_by("-effective_from")
            .values("effective_from")[:1]
        )
        return rows.filter(effective_from__lte=value, effective_from=Subquery(latest))


@extend_schema_view(
    get=extend_schema(
        summary="The price book (agents and admins)",
        description="Every entry by item, currency and newest first; with `on`, the price "
        "of each item and currency in force that day (none where the book has a gap).",
    ),
    post=extend_schema(
        request=PriceIn,
        responses={201: PriceOut},
        summary="Add a price from a day on (admins)",
        description="Work done earlier keeps the price in force on its day. One price per "
        "item, currency and day (`effective_from`).",
    ),
)
class PricesView(generics.ListCreateAPIView):
    permission_classes = [PasswordCurrent, AgentsOnly, AdminWritesOthersRead]
    serializer_class = PriceOut
    queryset = Price.objects.order_by("item", "currency", "-effective_from", "id")
    filterset_class = PriceFilter
    filter_backends = [FilterBackend]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = PriceIn(data=request.data)
        payload.is_valid(raise_exception=True)
        price = services.add_price(by=signed_in(request), **payload.validated_data)
        return Response(PriceOut(price).data, status=status.HTTP_201_CREATED)
