from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from deskpact.accounts.models import Organization, User
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
class TicketIn(serializers.Serializer):
    """Customers may send subject, body, priority and queue; the other fields are for agents
    and are not read at all when a customer sends them (pass the caller as context `user`)."""

    subject = serializers.CharField(max_length=200, trim_whitespace=True)
    body = serializers.CharField(max_length=100_000)
    priority = serializers.ChoiceField(choices=Ticket.Priority.choices, required=False)
    queue = serializers.SlugField(required=False, help_text="Queue slug; default queue if absent.")
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

    AGENT_ONLY = ("requester_email", "requester_name", "channel", "owner", "organization")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = self.context.get("user")
        if user is not None and not user.is_agent:
            for name in self.AGENT_ONLY:
                self.fields.pop(name)


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
