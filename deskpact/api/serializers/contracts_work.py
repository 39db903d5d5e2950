"""Work logs, phone calls and the price book."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from deskpact.accounts.models import User
from deskpact.api.serializers.contracts import id_ref, ticket_key
from deskpact.api.serializers.tickets import PersonRef
from deskpact.contracts.models import Call, Price, WorkLog
from deskpact.contracts.services import MAX_LOG_MINUTES
from deskpact.tickets import selectors
from deskpact.tickets.errors import TicketNotFound
from deskpact.tickets.models import Ticket

_PERSON = {
    "id": 2,
    "email": "sam@desk.example",
    "name": "Sam Agent",
}
_LOG = {
    "id": 455,
    "ticket": "DP-1042",
    "agent": _PERSON,
    "contract": 7,
    "call": None,
    "started_at": "2026-03-02T09:00:00Z",
    "minutes": 45,
    "channel": "email",
    "is_billable": True,
    "note": "Reproduced the export failure; sent a workaround.",
    "logged_by": 2,
    "created_at": "2026-03-02T09:46:00Z",
}


@extend_schema_field({"type": "string", "example": "DP-1042"})
class TicketRefField(serializers.Field):
    """A ticket by key (`DP-1042`) or number that the caller may see."""

    def to_internal_value(self, data: Any) -> Ticket:
        text = str(data).strip() if isinstance(data, (str, int)) else ""
        if not text or len(text) > 30:
            raise serializers.ValidationError(
                "Use a ticket key (DP-1042) or number.", code="invalid"
            )
        try:
            return selectors.get_ticket_for(self.context["user"], text)
        except TicketNotFound:
            raise serializers.ValidationError(f"No ticket {text}.", code="does_not_exist") from None


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Forty-five minutes of email work",
            value={
                "minutes": 45,
                "started_at": "2026-03-02T09:00:00Z",
                "channel": "email",
                "note": "Reproduced the export failure; sent a workaround.",
            },
            request_only=True,
        ),
        OpenApiExample(
            "Research for a colleague, not billable",
            value={"minutes": 20, "agent": 5, "is_billable": False, "note": "Read the logs."},
            request_only=True,
        ),
    ]
)
class WorkLogIn(serializers.Serializer):
    minutes = serializers.IntegerField(
        min_value=1, max_value=MAX_LOG_MINUTES, help_text="Whole minutes."
    )
    started_at = serializers.DateTimeField(
        required=False, help_text="Default: `minutes` before now."
    )
    channel = serializers.ChoiceField(
        choices=Ticket.Channel.choices, required=False, help_text="Default: the ticket's channel."
    )
    is_billable = serializers.BooleanField(default=True)
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    agent = id_ref(
        User.objects.filter(is_active=True),
        required=False,
        help_text="Who did the work (an agent); default: you.",
    )


@extend_schema_serializer(
    examples=[OpenApiExample("Email work on a bank", value=_LOG, response_only=True)]
)
class WorkLogOut(serializers.ModelSerializer):
    ticket = serializers.SerializerMethodField()
    agent = PersonRef(read_only=True)

    class Meta:
        model = WorkLog
        fields = (
            "id",
            "ticket",
            "agent",
            "contract",
            "call",
            "started_at",
            "minutes",
            "channel",
            "is_billable",
            "note",
            "logged_by",
            "created_at",
        )
        read_only_fields = fields
        extra_kwargs = {"contract": {"help_text": "The contract it was rated against."}}

    def get_ticket(self, obj: WorkLog) -> str:
        return f"{ticket_key(obj.ticket_id)}"


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Three agents on a 14-minute call",
            value={
                "ticket": "DP-1042",
                "agents": [2, 5, 9],
                "minutes": 14,
                "started_at": "2026-03-02T15:30:00Z",
                "note": "Walked the customer through the restore.",
            },
            request_only=True,
        )
    ]
)
class CallIn(serializers.Serializer):
    ticket = TicketRefField(help_text="The ticket's key (`DP-1042`) or number.")
    agents = serializers.ListField(
        child=id_ref(User.objects.filter(is_active=True)),
        min_length=1,
        max_length=50,
        help_text="Ids of the agents on the call; each gets a work log of `minutes`.",
    )
    minutes = serializers.IntegerField(min_value=1, max_value=MAX_LOG_MINUTES)
    started_at = serializers.DateTimeField()
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")

    def validate_agents(self, agents: list[User]) -> list[User]:
        others = [a.email for a in agents if not a.is_agent]
        if others:
            raise serializers.ValidationError(
                f"Not agents: {', '.join(others)}.", code="not_an_agent"
            )
        return agents


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Three agents on a 14-minute call: 42 agent-minutes",
            value={
                "id": 88,
                "ticket": "DP-1042",
                "started_at": "2026-03-02T15:30:00Z",
                "minutes": 14,
                "agent_minutes": 42,
                "note": "Walked the customer through the restore.",
                "logged_by": 2,
                "created_at": "2026-03-02T15:45:00Z",
                "logs": [
                    {**_LOG, "call": 88, "minutes": 14, "channel": "phone", "note": ""},
                ],
            },
            response_only=True,
        )
    ]
)
class CallOut(serializers.ModelSerializer):
    ticket = serializers.SerializerMethodField()
    agent_minutes = serializers.SerializerMethodField(help_text="minutes x agents on the call")
    logs = WorkLogOut(source="work_logs", many=True, read_only=True)

    class Meta:
        model = Call
        fields = (
            "id",
            "ticket",
            "started_at",
            "minutes",
            "agent_minutes",
            "note",
            "logged_by",
            "created_at",
            "logs",
        )
        read_only_fields = fields

    def get_ticket(self, obj: Call) -> str:
        return f"{ticket_key(obj.ticket_id)}"

    def get_agent_minutes(self, obj: Call) -> int:
        return sum(log.minutes for log in obj.work_logs.all())


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "The hourly price from July",
            value={
                "item": "hour",
                "currency": "EUR",
                "amount": "95.0000",
                "effective_from": "2026-07-01",
            },
            request_only=True,
        )
    ]
)
class PriceIn(serializers.Serializer):
    item = serializers.ChoiceField(choices=Price.Item.choices)
    currency = serializers.CharField(min_length=3, max_length=3)
    amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=4,
        min_value=Decimal("0"),
        help_text="Per hour, incident or minute, in the currency's main unit.",
    )
    effective_from = serializers.DateField()

    def validate_currency(self, value: str) -> str:
        return value.upper()


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "The hourly price from July",
            value={
                "id": 14,
                "item": "hour",
                "currency": "EUR",
                "amount": "95.0000",
                "effective_from": "2026-07-01",
                "created_at": "2026-06-12T08:00:00Z",
            },
            response_only=True,
        )
    ]
)
class PriceOut(serializers.ModelSerializer):
    class Meta:
        model = Price
        fields = ("id", "item", "currency", "amount", "effective_from", "created_at")
        read_only_fields = fields
