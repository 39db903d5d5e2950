from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from deskpact.core.admin import ReadOnlyAdmin
from deskpact.licensing.models import InstalledLicense, SeatEvent, SeatReservation


@admin.register(InstalledLicense)
class InstalledLicenseAdmin(ReadOnlyAdmin):
    list_display = ("installed_at", "licensee", "model", "seat_type", "seats", "valid_until")
    exclude = ("key",)


@admin.register(SeatEvent)
class SeatEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "kind", "user", "in_use", "seats", "by")
    list_filter = ("kind",)
    date_hierarchy = "at"


@admin.register(SeatReservation)
class SeatReservationAdmin(admin.ModelAdmin):
    """Concurrent seats kept for named users: nobody else takes them while they are free."""

    list_display = ("user", "created_at")
    autocomplete_fields = ("user",)
    exclude = ("created_at",)

    def save_model(
        self, request: HttpRequest, obj: SeatReservation, form: object, change: bool
    ) -> None:
        if not change:
            obj.created_at = timezone.now()
        super().save_model(request, obj, form, change)
