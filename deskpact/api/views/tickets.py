"""/api/v1/tickets/: list, search, create, read, change; nested messages and rating."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import (
    ValidationError,
)
from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, filters, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import (
    BasePagination,
    Cursor,
    CursorPagination,
    PageNumberPagination,
)
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from deskpact.accounts.contacts import find_contact, find_or_create_contact
from deskpact.accounts.requests import signed_in
from deskpact.api.filters import MAX_ID, FilterBackend, IdFilter
from deskpact.api.permissions import PasswordCurrent
from deskpact.api.serializers.tickets import (
    MessageIn,
    MessageOut,
    RatingIn,
    RatingOut,
    ReplyOut,
    TicketIn,
    TicketOut,
    TicketPatch,
    ticket_in_for,
)
from deskpact.contracts.services import change_ticket_contract
from deskpact.tickets import selectors, services
from deskpact.tickets.errors import NotAllowed
from deskpact.tickets.models import Queue, Ticket
from deskpact.tickets.search import search_tickets

# The largest id a database row can have: larger ones are refused before any SQL, where
# SQLite would overflow (a foreign-key lookup is not range-checked as a primary key is).
ORDERING_FIELDS = ("created_at", "updated_at")
KEY = OpenApiParameter(
    "key",
    str,
    OpenApiParameter.PATH,
    description="The ticket's key (`DP-1042`) or number.",
    pattern=r"^(?:[Dd][Pp]-)?[0-9]+$",
)


def _searching(request: Request | None) -> bool:
    return bool(request is not None and request.query_params.get("q", "").strip())


class TicketCursor(CursorPagination):
    # Newest first over an index that starts with the visibility filter: flat at any size.
    ordering = ("-created_at", "-id")
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100

    def decode_cursor(self, request: Request) -> Cursor | None:
        # DRF answers a bad cursor with 404; it is a bad parameter, and a crafted position
        # must not reach SQL as anything but a datetime (every allowed ordering is one).
        refused = exceptions.ValidationError(
            {"cursor": ["Not a cursor of this list; follow the `next` link you were given."]}
        )
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            raise refused from None
        if cursor is not None and cursor.position is not None:
            try:
                parsed = parse_datetime(str(cursor.position))
            except ValueError:
                parsed = None
            if parsed is None:
                raise refused
        return cursor


class SearchPages(PageNumberPagination):
    """Ranked search results; deep pages of a search are not useful, so they are capped."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_queryset(
        self, queryset: QuerySet[Any] | Sequence[Any], request: Request, view: Any = None
    ) -> list[Any] | None:
        try:
            return super().paginate_queryset(queryset, request, view)
        except exceptions.NotFound as exc:  # DRF's answer to page=abc or page=999
            raise exceptions.ValidationError({"page": [str(exc.detail)]}) from None


class TicketPages(BasePagination):
    """Cursor pages, newest first; with `q`, ranked search results by page number."""

    def __init__(self) -> None:
        self.cursor = TicketCursor()
        self.pages = SearchPages()
        self.active: BasePagination = self.cursor

    def paginate_queryset(
        self, queryset: QuerySet[Any] | Sequence[Any], request: Request, view: Any = None
    ) -> list[Any] | None:
        self.active = self.pages if _searching(request) else self.cursor
        return self.active.paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data: Any) -> Response:
        return self.active.get_paginated_response(data)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        described = self.cursor.get_paginated_response_schema(schema)
        described["properties"]["count"] = {
            "type": "integer",
            "description": "With `q` only: how many tickets match.",
        }
        return described

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            *self.cursor.get_schema_operation_parameters(view),
            {
                "name": self.pages.page_query_param,
                "required": False,
                "in": "query",
                "description": "With `q` only: the page of ranked results (`next` links to it).",
                "schema": {"type": "integer", "minimum": 1},
            },
        ]


class OwnerField(forms.CharField):
    def clean(self, value: Any) -> str | int | None:
        text = super().clean(value)
        if text in ("", None):
            return None
        if text in ("me", "none"):
            return str(text)
        # isdigit() alone takes "²" and "٣": only ASCII digits are an id.
        if text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID:
            return int(text)
        raise ValidationError("Use a user id, `me` or `none`.", code="invalid")


class OwnerFilter(django_filters.Filter):
    field_class = OwnerField


class TicketFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Ticket.Status.choices)
    priority = django_filters.MultipleChoiceFilter(choices=Ticket.Priority.choices)
    channel = django_filters.MultipleChoiceFilter(choices=Ticket.Channel.choices)
    owner = OwnerFilter(
        method="filter_owner", help_text="A user id, `me`, or `none` for unassigned."
    )
    queue = django_filters.CharFilter(field_name="queue__slug", help_text="A queue's slug.")
    organization = IdFilter(field_name="organization_id", help_text="An organization id.")
    requester = IdFilter(field_name="requester_id", help_text="The requester's user id.")
    created_after = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", help_text="ISO 8601; inclusive."
    )
    created_before = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", help_text="ISO 8601; exclusive."
    )

    class Meta:
        model = Ticket
        fields = ("status", "priority", "channel", "owner", "organization", "requester", "queue")

    def filter_owner(
        self, queryset: QuerySet[Ticket], name: str, value: str | int
    ) -> QuerySet[Ticket]:
        if value == "none":
            return queryset.filter(owner__isnull=True)
        if value == "me":
            return queryset.filter(owner=self.request.user)
        return queryset.filter(owner_id=int(value))


class StrictOrdering(filters.OrderingFilter):
    """An allowlist that refuses, rather than silently drops, any other field, and breaks
    ties by id so that cursor pages neither repeat nor skip tickets created together."""

    def get_ordering(self, request: Request, queryset: QuerySet[Any], view: Any) -> Any:
        text = request.query_params.get(self.ordering_param)
        if not text:
            return self.get_default_ordering(view)
        names = getattr(view, "ordering_fields", ())
        allowed = {f"{sign}{name}" for name in names for sign in ("", "-")}
        fields = [part.strip() for part in text.split(",") if part.strip()]
        refused = [field for field in fields if field not in allowed]
        if refused or not fields:
            raise exceptions.ValidationError(
                {"ordering": [f"Order by one of: {', '.join(sorted(allowed))}."]}
            )
        tie = "-id" if fields[0].startswith("-") else "id"
        return [*dict.fromkeys(fields), tie]


@extend_schema_view(
    list=extend_schema(
        summary="Tickets you may see",
        description=(
            "Newest first, in cursor pages: follow `next`. With `q`, the best matches first"
            " in numbered pages, unless `ordering` is given."
        ),
        parameters=[
            OpenApiParameter(
                "q", str, description="Full-text search over subject, body and messages."
            ),
            OpenApiParameter(
                "ordering",
                str,
                enum=["created_at", "-created_at", "updated_at", "-updated_at"],
                description="Any other value is refused.",
            ),
        ],
    ),
    retrieve=extend_schema(summary="One ticket by key (DP-1042) or number", parameters=[KEY]),
)
class TicketViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Tickets. Customers see their own (and their organization's when it shares);
    agents see their queues. Anything else answers 404."""

    permission_classes = [PasswordCurrent]
    serializer_class = TicketOut
    queryset = Ticket.objects.none()  # for the schema; get_queryset scopes
    lookup_field = "key"
    # No inline flags: the schema publishes this as an ECMAScript pattern.
    lookup_value_regex = r"(?:[Dd][Pp]-)?[0-9]+"
    filterset_class = TicketFilter
    filter_backends = [FilterBackend, StrictOrdering]
    ordering_fields = list(ORDERING_FIELDS)  # an allowlist: nothing else reaches SQL
    ordering = ["-created_at", "-id"]
    pagination_class = TicketPages
    parser_classes = [JSONParser]

    def get_queryset(self) -> QuerySet[Ticket]:
        user = signed_in(self.request)
        # Only what TicketOut shows: no password hashes, not even in memory.
        rows = selectors.ticket_summaries_visible_to(user)
        if self.action == "list" and _searching(self.request):
            q = self.request.query_params["q"]
            rows = search_tickets(rows, q, include_internal=user.is_agent)
        return rows

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if _searching(self.request) and not self.request.query_params.get("ordering"):
            # Ranked: keep the search order, apply only the filters.
            return FilterBackend().filter_queryset(self.request, queryset, self)
        return super().filter_queryset(queryset)

    def get_object(self) -> Ticket:
        user = signed_in(self.request)
        return selectors.get_ticket_for(user, self.kwargs["key"], summary=self.action == "retrieve")

    @extend_schema(request=TicketIn, responses={201: TicketOut}, summary="Open a ticket")
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = signed_in(request)
        # A customer's agent-only fields are not read at all: not applied, and not checked
        # either, so that an unknown owner or organization id tells them nothing.
        payload = ticket_in_for(user)(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        queue = None
        if data.get("queue"):
            queue = Queue.objects.filter(slug=data["queue"]).first()
            if queue is None:
                raise ValidationError({"queue": f"No queue {data['queue']!r}."})
        fields: dict[str, Any] = {
            "submitter": user,
            "subject": data["subject"],
            "body": data["body"],
            "channel": data.get("channel", Ticket.Channel.API),
            "priority": data.get("priority", Ticket.Priority.NORMAL),
            "queue": queue,
            "organization": data.get("organization"),
            "owner": data.get("owner"),
        }
        known = find_contact(data["requester_email"]) if data.get("requester_email") else user
        if known is not None:
            if not known.is_active:
                raise ValidationError({"requester_email": f"{known.email} is deactivated."})
            ticket = services.open_ticket(requester=known, **fields)
            return Response(TicketOut(ticket).data, status=status.HTTP_201_CREATED)
        # A new contact and the ticket are one change: a refused ticket leaves no contact.
        with transaction.atomic():
            requester = find_or_create_contact(
                data["requester_email"], name=data.get("requester_name", ""), source="api"
            ).user
            if not requester.is_active:
                raise ValidationError({"requester_email": f"{requester.email} is deactivated."})
            ticket = services.open_ticket(requester=requester, **fields)
        return Response(TicketOut(ticket).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=TicketPatch,
        responses={200: TicketOut},
        summary="Change status, priority, cause, owner or contract (agents); all or nothing",
        parameters=[KEY],
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = signed_in(request)
        ticket = self.get_object()
        if not user.is_agent:
            # Before reading the payload: a customer learns nothing from its ids either.
            raise NotAllowed("Only agents change a ticket.")
        payload = TicketPatch(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        changes = dict(payload.validated_data)
        with transaction.atomic():
            if "contract" in changes:
                # First, so that a resolution in the same change counts under the new one.
                change_ticket_contract(ticket, contract=changes.pop("contract"), by=user)
            services.update_ticket(ticket, by=user, **changes)
        return Response(TicketOut(selectors.get_ticket_for(user, ticket.pk)).data)

    @extend_schema(
        methods=["GET"],
        responses={200: MessageOut(many=True)},
        summary="The conversation (internal notes for agents only)",
        parameters=[KEY],
    )
    @extend_schema(
        methods=["POST"],
        request={"application/json": MessageIn, "multipart/form-data": MessageIn},
        responses={201: ReplyOut},
        summary="Reply, or add an internal note (agents)",
        parameters=[KEY],
        description=(
            "Attachments go as multipart/form-data, one `attachments` part per file."
            " A customer's reply to a closed ticket opens a new ticket that follows it."
        ),
    )
    @action(
        detail=True,
        methods=["get", "post"],
        pagination_class=None,
        filter_backends=[],
        parser_classes=[JSONParser, MultiPartParser],
    )
    def messages(self, request: Request, key: str) -> Response:
        user = signed_in(request)
        ticket = self.get_object()
        if request.method == "GET":
            rows = selectors.messages_visible_to(user, ticket)
            return Response(MessageOut(rows, many=True).data)
        payload = MessageIn(data=request.data)
        payload.is_valid(raise_exception=True)
        files: Sequence[Any] = request.FILES.getlist("attachments") if request.FILES else []
        if payload.validated_data["is_internal"]:
            note = services.post_note(
                ticket,
                author=user,
                body=payload.validated_data["body"],
                channel=Ticket.Channel.API,
                attachments=files,
            )
            body = {"ticket": ticket.key, "follow_up": False, "message": MessageOut(note).data}
            return Response(body, status=status.HTTP_201_CREATED)
        reply = services.post_reply(
            ticket,
            author=user,
            body=payload.validated_data["body"],
            channel=Ticket.Channel.API,
            attachments=files,
        )
        body = {
            "ticket": reply.ticket.key,
            "follow_up": reply.is_follow_up,
            "message": MessageOut(reply.message).data if reply.message else None,
        }
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        responses={200: RatingOut(many=True)},
        summary="Ratings of this ticket's resolutions",
        parameters=[KEY],
    )
    @extend_schema(
        methods=["POST"],
        request=RatingIn,
        responses={201: RatingOut},
        summary="Rate the current resolution (requester, once)",
        parameters=[KEY],
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def rating(self, request: Request, key: str) -> Response:
        user = signed_in(request)
        ticket = self.get_object()
        if request.method == "GET":
            return Response(RatingOut(ticket.ratings.all(), many=True).data)
        payload = RatingIn(data=request.data)
        payload.is_valid(raise_exception=True)
        rating = services.rate_ticket(ticket, by=user, **payload.validated_data)
        return Response(RatingOut(rating).data, status=status.HTTP_201_CREATED)


class AttachmentDownloadView(APIView):
    """Download an attachment you may see; always as a file, never rendered inline."""

    permission_classes = [PasswordCurrent]

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
        summary="Download an attachment",
    )
    def get(self, request: Request, attachment_id: int) -> FileResponse:
        attachment = selectors.get_attachment_for(signed_in(request), attachment_id)
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError:
            # A row whose file is gone (lost volume, partial restore) is no fault of the
            # caller; only someone who may see the message gets this far, so it leaks nothing.
            raise exceptions.NotFound("The file of this attachment is missing.") from None
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=attachment.filename,
            content_type="application/octet-stream",
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response
