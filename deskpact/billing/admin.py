"""Billing in the Django admin: runs and credit notes read-only; invoices read-only once
issued (drafts too: they change only through billing runs and the services)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from deskpact.billing.models import BillingRun, CreditNote, Invoice, InvoiceLine
from deskpact.core.admin import ReadOnlyAdmin


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0
    can_delete = False
    fields = (
        "position",
        "kind",
        "part",
        "description",
        "quantity",
        "unit_price",
        "amount_minor",
        "at",
        "ledger_entry",
        "is_live",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = (
        "__str__",
        "organization",
        "period_start",
        "status",
        "currency",
        "total_minor",
        "issued_at",
    )
    list_filter = ("status", "currency", "period_start")
    search_fields = ("number", "organization__name")
    date_hierarchy = "period_start"
    inlines = [InvoiceLineInline]


@admin.register(CreditNote)
class CreditNoteAdmin(ReadOnlyAdmin):
    list_display = ("number", "invoice", "amount_minor", "reason", "issued_at")
    search_fields = ("number", "invoice__number")


@admin.register(BillingRun)
class BillingRunAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "started_at", "started_by", "invoices_created", "lines_billed")
