from __future__ import annotations

from datetime import datetime
from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from deskpact.accounts.models import Organization, User
from deskpact.api.filters import MAX_ID
from deskpact.contracts.models import Contract
from deskpact.tickets.models import Attachment, Message, Rating, Ticket


class PersonRef(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ("id", "email", "name")
        read_only_fields = fields


class TicketOut(serializers.ModelSerializer):
    key = serializers.CharField(read_only=True)
    queue: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    requester = PersonRef(read_only=True)
    submitter_id = serializers.IntegerField(read_only=True)
    owner = PersonRef(read_only=True, allow_null=True)
    follows = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = (
            "key",
            "id",
            "subject",
            "body",
            "status",
            "priority",
            "channel",
            "cause",
            "queue",
            "requester",
            "submitter_id",
            "organization",
            "contract",
            "entitlement",
            "owner",
            "follows",
            "created_at",
            "updated_at",
            "first_response_at",
            "resolved_at",
            "closed_at",
        )
        read_only_fields = fields

    def get_follows(self, obj: Ticket) -> str | None:
        return f"DP-{obj.follows_id}" if obj.follows_id else None

    def to_representation(self, instance: Ticket) -> dict[str, Any]:
        # Written out by hand: building DRF's field objects for every ticket was most of the
        # cost of a list page. The declared fields still describe it in the OpenAPI schema, and
        # test_ticket_out_matches_its_declared_fields keeps the two the same.
        t = instance
        return {
            "key": t.key,
            "id": t.pk,
            "subject": t.subject,
            "body": t.body,
            "status": t.status,
            "priority": t.priority,
            "channel": t.channel,
            "cause": t.cause,
            "queue": t.queue.slug if t.queue_id else None,
            "requester": _person(t.requester),
            "submitter_id": t.submitter_id,
            "organization": t.organization_id,
            "contract": t.contract_id,
            "entitlement": t.entitlement,
            "owner": _person(t.owner) if t.owner is not None else None,
            "follows": self.get_follows(t),
            "created_at": _when(t.created_at),
            "updated_at": _when(t.updated_at),
            "first_response_at": _when(t.first_response_at),
            "resolved_at": _when(t.resolved_at),
            "closed_at": _when(t.closed_at),
        }


def _person(user: User) -> dict[str, Any]:
    return {"id": user.pk, "email": user.email, "name": user.name}


_DATETIME = serializers.DateTimeField()


def _when(value: datetime | None) -> str | None:
    """The same text DRF's DateTimeField gives (ISO 8601 in the current time zone)."""
    return None if value is None else _DATETIME.to_representation(value)


class CustomerTicketIn(serializers.Serializer):
    """What a customer may send. Other fields are not read at all, not even checked, so
    that an unknown owner or organization id tells them nothing."""

    subject = serializers.CharField(max_length=200, trim_whitespace=True)
    body = serializers.CharField(max_length=100_000)
    priority = serializers.ChoiceField(choices=Ticket.Priority.choices, required=False)
    queue = serializers.SlugField(required=False, help_text="Queue slug; default queue if absent.")


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A customer reports a problem",
            value={
                "subject": "Export to CSV fails",
                "body": "It stops at 80%.",
                "priority": "normal",
            },
            request_only=True,
        ),
        OpenApiExample(
            "An agent logs a phone call for a customer",
            value={
                "subject": "Cannot sign in",
                "body": "Called at 10:05.",
                "requester_email": "alice@acme.example",
                "channel": "phone",
                "owner": 2,
                "priority": "high",
            },
            request_only=True,
        ),
    ]
)
class TicketIn(CustomerTicketIn):
    """Customers may send subject, body, priority and queue; the other fields are for agents
    and are ignored when a customer sends them."""

    requester_email = serializers.EmailField(
        required=False,
        max_length=254,
        help_text="Agents: the customer this ticket is for (created if unknown).",
    )
    requester_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    channel = serializers.ChoiceField(
        choices=Ticket.Channel.choices,
        required=False,
        help_text="Agents only (e.g. phone); customers' tickets are `api`.",
    )
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text="Agents only: who works the ticket.",
    )
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(),
        required=False,
        help_text=(
            "Agents only: the customer's organization when their email domain does not say;"
            " by default the requester's."
        ),
    )


def ticket_in_for(user: User) -> type[CustomerTicketIn]:
    """The input a caller may send: agents the whole TicketIn, customers only their part."""
    return TicketIn if user.is_agent else CustomerTicketIn


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Take a ticket and start on it",
            value={"owner": 2, "status": "open", "priority": "high"},
            request_only=True,
        ),
        OpenApiExample(
            "Resolve with the cause recorded",
            value={"status": "resolved", "cause": "configuration"},
            request_only=True,
        ),
        OpenApiExample("Back to unassigned", value={"owner": None}, request_only=True),
        OpenApiExample(
            "Count its work against another contract", value={"contract": 7}, request_only=True
        ),
    ]
)
class TicketPatch(serializers.Serializer):
    """Every field is optional; the changes are applied all together or not at all."""

    status = serializers.ChoiceField(choices=Ticket.Status.choices, required=False)
    priority = serializers.ChoiceField(choices=Ticket.Priority.choices, required=False)
    cause = serializers.ChoiceField(choices=Ticket.Cause.choices, required=False, allow_blank=True)
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    contract = serializers.PrimaryKeyRelatedField(
        queryset=Contract.objects.all(),
        pk_field=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        allow_null=True,
        help_text="Another active contract of the ticket's organization (audited); null: none.",
    )


class AttachmentOut(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ("id", "filename", "content_type", "size", "download_url")
        read_only_fields = fields

    def get_download_url(self, obj: Attachment) -> str:
        return f"/api/v1/attachments/{obj.pk}/"


class MessageOut(serializers.ModelSerializer):
    author = PersonRef(read_only=True)
    attachments = AttachmentOut(many=True, read_only=True)

    class Meta:
        model = Message
        fields = ("id", "author", "body", "is_internal", "channel", "created_at", "attachments")
        read_only_fields = fields


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A public reply",
            value={"body": "Could you send the export log?"},
            request_only=True,
        ),
        OpenApiExample(
            "An internal note (agents)",
            value={"body": "Same bug as DP-1017; waiting for the fix.", "is_internal": True},
            request_only=True,
        ),
    ]
)
class MessageIn(serializers.Serializer):
    body = serializers.CharField(max_length=100_000)
    is_internal = serializers.BooleanField(
        default=False, help_text="An internal note (agents only); never shown to customers."
    )
    attachments = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        max_length=20,
        help_text="Files, sent as multipart/form-data.",
    )


class ReplyOut(serializers.Serializer):
    ticket = serializers.CharField(help_text="Key of the ticket the reply landed on.")
    follow_up = serializers.BooleanField(
        help_text="True when the ticket was closed and the reply opened a new linked ticket."
    )
    message = MessageOut(allow_null=True)


class RatingOut(serializers.ModelSerializer):
    class Meta:
        model = Rating
        fields = ("score", "comment", "resolved_at", "created_at")
        read_only_fields = fields


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A happy customer",
            value={"score": 5, "comment": "Fixed within the hour, thank you."},
            request_only=True,
        )
    ]
)
class RatingIn(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=5000, required=False, allow_blank=True)
