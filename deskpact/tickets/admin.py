"""Admin setup of queues; tickets are worked in the console, the admin only inspects them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from deskpact.tickets.models import Queue, Ticket, TicketEvent


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "email_address", "web_form_enabled", "is_default")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("agents",)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "agents":
            from deskpact.accounts.models import User

            kwargs["queryset"] = User.objects.filter(role__in=["agent", "admin"], is_active=True)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    can_delete = False
    fields = ("at", "actor", "kind", "data")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-only: every change to a ticket goes through the console or the API."""

    list_display = ("key", "subject", "status", "priority", "organization", "owner", "created_at")
    list_filter = ("status", "priority", "channel", "queue")
    search_fields = ("subject", "requester__email")
    list_select_related = ("organization", "owner")
    inlines = (TicketEventInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Ticket]:
        return super().get_queryset(request).select_related("requester", "submitter")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
