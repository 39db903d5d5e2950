from django.contrib import admin
from django.http import HttpRequest

from deskpact.core.models import AuditEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    """History the desk writes and nobody edits: listed and shown, never added or changed."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The audit log is read-only everywhere, the admin included."""

    list_display = ("at", "actor_label", "action", "object_type", "object_label")
    list_filter = ("action", "object_type")
    search_fields = ("actor_label", "object_label", "object_id")
    date_hierarchy = "at"
