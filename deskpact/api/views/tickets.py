"""/api/v1/tickets/: list, search, create, read, change; nested messages and rating."""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import filters, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import BasePagination, CursorPagination, PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from deskpact.accounts.contacts import find_or_create_contact
from deskpact.accounts.requests import signed_in
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
)
from deskpact.tickets import selectors, services
from deskpact.tickets.models import Queue, Ticket
from deskpact.tickets.search import search_tickets


class TicketCursor(CursorPagination):
    # Newest first over an index that starts with the visibility filter: flat at any size.
    ordering = ("-created_at", "-id")
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


class SearchPages(PageNumberPagination):
    """Ranked search results; deep pages of a search are not useful, so they are capped."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


class TicketFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Ticket.Status.choices)
    priority = django_filters.MultipleChoiceFilter(choices=Ticket.Priority.choices)
    channel = django_filters.MultipleChoiceFilter(choices=Ticket.Channel.choices)
    owner = django_filters.CharFilter(
        method="filter_owner", help_text="A user id, `me`, or `none` for unassigned."
    )
    queue = django_filters.CharFilter(field_name="queue__slug")
    # Plain numbers, not "must exist" choices: an unknown id and someone else's answer alike.
    organization = django_filters.NumberFilter(field_name="organization_id")
    requester = django_filters.NumberFilter(field_name="requester_id")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Ticket
        fields = ("status", "priority", "channel", "owner", "organization", "requester", "queue")

    def filter_owner(self, queryset: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        if value == "none":
            return queryset.filter(owner__isnull=True)
        if value == "me":
            return queryset.filter(owner=self.request.user)
        if value.isdigit():
            return queryset.filter(owner_id=int(value))
        raise ValidationError({"owner": "Use a user id, `me` or `none`."})


@extend_schema_view(
    list=extend_schema(
        summary="Tickets you may see",
        parameters=[
            OpenApiParameter("q", str, description="Full-text search, best match first."),
            OpenApiParameter(
                "ordering", str, enum=["created_at", "-created_at", "updated_at", "-updated_at"]
            ),
        ],
    ),
    retrieve=extend_schema(summary="One ticket by key (DP-1042) or number"),
)
class TicketViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Tickets. Customers see their own (and their organization's when it shares);
    agents see their queues. Anything else answers 404."""

    permission_classes = [PasswordCurrent]
    serializer_class = TicketOut
    queryset = Ticket.objects.none()  # for the schema; get_queryset scopes
    lookup_field = "key"
    lookup_value_regex = r"(?i:DP-)?[0-9]+"
    filterset_class = TicketFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, filters.OrderingFilter]
    ordering_fields = ["created_at", "updated_at"]  # an allowlist: nothing else reaches SQL
    ordering = ["-created_at", "-id"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @property
    def paginator(self) -> BasePagination | None:
        if not hasattr(self, "_paginator"):
            searching = (
                bool(self.request.query_params.get("q", "").strip()) if self.request else False
            )
            self._paginator = SearchPages() if searching else TicketCursor()
        return self._paginator

    def get_queryset(self) -> QuerySet[Ticket]:
        user = signed_in(self.request)
        rows = selectors.tickets_visible_to(user).select_related("submitter")
        q = self.request.query_params.get("q", "").strip()
        if q and self.action == "list":
            rows = search_tickets(rows, q[:200], include_internal=user.is_agent)
        return rows

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.request.query_params.get("q", "").strip():
            # Ranked: keep the search order, apply only the filters.
            return django_filters.rest_framework.DjangoFilterBackend().filter_queryset(
                self.request, queryset, self
            )
        return super().filter_queryset(queryset)

    def get_object(self) -> Ticket:
        return selectors.get_ticket_for(signed_in(self.request), self.kwargs["key"])

    @extend_schema(request=TicketIn, responses={201: TicketOut}, summary="Open a ticket")
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = signed_in(request)
        payload = TicketIn(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.for_role(user)
        requester = user
        if data.get("requester_email"):
            requester = find_or_create_contact(
                data["requester_email"], name=data.get("requester_name", ""), source="api"
            ).user
        queue = None
        if data.get("queue"):
            queue = Queue.objects.filter(slug=data["queue"]).first()
            if queue is None:
                raise ValidationError({"queue": f"No queue {data['queue']!r}."})
        ticket = services.open_ticket(
            requester=requester,
            submitter=user,
            subject=data["subject"],
            body=data["body"],
            channel=data.get("channel", Ticket.Channel.API),
            priority=data.get("priority", Ticket.Priority.NORMAL),
            queue=queue,
            owner=data.get("owner"),
        )
        return Response(TicketOut(ticket).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=TicketPatch,
        responses={200: TicketOut},
        summary="Change status, priority, cause or owner (agents)",
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ticket = self.get_object()
        payload = TicketPatch(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        services.update_ticket(ticket, by=signed_in(request), **payload.validated_data)
        return Response(TicketOut(selectors.get_ticket_for(signed_in(request), ticket.pk)).data)

    @extend_schema(
        methods=["GET"],
        responses={200: MessageOut(many=True)},
        summary="The conversation (internal notes for agents only)",
    )
    @extend_schema(
        methods=["POST"],
        request={"application/json": MessageIn, "multipart/form-data": MessageIn},
        responses={201: ReplyOut},
        summary="Reply, or add an internal note (agents)",
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def messages(self, request: Request, key: str) -> Response:
        user = signed_in(request)
        ticket = self.get_object()
        if request.method == "GET":
            rows = selectors.messages_visible_to(user, ticket)
            return Response(MessageOut(rows, many=True).data)
        payload = MessageIn(data=request.data)
        payload.is_valid(raise_exception=True)
        files = request.FILES.getlist("attachments") if request.FILES else []
        if payload.validated_data["is_internal"]:
            note = services.post_note(
                ticket, author=user, body=payload.validated_data["body"], attachments=files
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
    )
    @extend_schema(
        methods=["POST"],
        request=RatingIn,
        responses={201: RatingOut},
        summary="Rate the current resolution (requester, once)",
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
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
        response = FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.filename,
            content_type="application/octet-stream",
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response
