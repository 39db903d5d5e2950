"""Billing runs, invoices and their lines, credit notes, invoice numbers, idempotent requests.

Amounts are integer minor units in the invoice's currency. An invoice line bills exactly one
ledger row; a partial unique index over the lines that still hold their row (`is_live`) makes
a rated row billed on at most one live invoice. Voiding an invoice releases its rows for the
next run but keeps its lines as history. Issued invoices and their lines are protected by
database triggers (migrations 0003 and 0004) as well as by the services.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from deskpact.core.currencies import CURRENCY_CHOICES


class BillingRun(models.Model):
    """One run over a period: each organization's unbilled ledger rows became a draft."""

    period_start = models.DateField(help_text="First day of the billed month.")
    period_end = models.DateField(help_text="Last day of the billed month.")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    invoices_created = models.PositiveIntegerField(default=0)
    lines_billed = models.PositiveIntegerField(default=0)
    refusals = models.JSONField(
        default=list,
        blank=True,
        help_text="Organizations not billed in this run: [{organization_id, name, code, message}].",
    )

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"billing run {self.period_start:%Y-%m}"


class Invoice(models.Model):
    """One organization's invoice for a period: draft, then issued (immutable), then paid or
    void (with a credit note)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ISSUED = "issued", "Issued"
        PAID = "paid", "Paid"
        VOID = "void", "Void"

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="invoices"
    )
    run = models.ForeignKey(
        BillingRun, null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    number = models.CharField(max_length=20, null=True, blank=True, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    period_start = models.DateField()
    period_end = models.DateField()
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    tax_rate = models.DecimalField(max_digits=6, decimal_places=3, default=0)
    subtotal_minor = models.BigIntegerField(default=0)
    tax_minor = models.BigIntegerField(default=0)
    total_minor = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    issued_at = models.DateTimeField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period_start", "organization_id", "-id"]
        indexes = [
            models.Index(fields=["organization", "-period_start"], name="invoice_org_period"),
            models.Index(fields=["status", "-period_start"], name="invoice_status_period"),
        ]
        constraints = [
            # One open draft per organization and period: a second run finds it.
            models.UniqueConstraint(
                fields=["organization", "period_start"],
                condition=Q(status="draft"),
                name="one_draft_per_org_period",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(number__isnull=False),
                name="issued_invoice_has_number",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"draft {self.pk} for {self.organization_id}"


class InvoiceLine(models.Model):
    """One billed ledger row: its description, quantity, unit price and amount."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    ledger_entry = models.ForeignKey(
        "contracts.LedgerEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoice_lines",
        help_text="The row billed here; a row is on at most one live invoice.",
    )
    is_live = models.BooleanField(
        default=True,
        help_text="The line still bills its ledger row; false once its invoice is void.",
    )
    kind = models.CharField(max_length=20, help_text="The ledger row's kind, or 'tax'.")
    part = models.CharField(max_length=10, blank=True)
    description = models.CharField(max_length=300)
    quantity = models.DecimalField(max_digits=14, decimal_places=4, default=0)
    unit_price = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    amount_minor = models.BigIntegerField()
    at = models.DateTimeField(help_text="When the billed work or purchase happened.")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["invoice_id", "position", "id"]
        constraints = [
            # A rated row is billed at most once: among live lines, one per ledger row.
            models.UniqueConstraint(
                fields=["ledger_entry"],
                condition=Q(is_live=True, ledger_entry__isnull=False),
                name="ledger_entry_billed_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.description}: {self.amount_minor}"


class CreditNote(models.Model):
    """Money given back against an issued or paid invoice; never more than it credits."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    number = models.CharField(max_length=20, unique=True)
    amount_minor = models.BigIntegerField()
    reason = models.CharField(max_length=300)
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="credit_note_positive")
        ]

    def __str__(self) -> str:
        return self.number


class NumberSequence(models.Model):
    """The last number given per series and year; the row is locked while a number is taken,
    so numbers have no gaps even when several processes issue at once."""

    series = models.CharField(max_length=10)  # "INV" or "CN"
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["series", "year"], name="one_sequence_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.series}-{self.year}: {self.last}"


class IdempotentRequest(models.Model):
    """The first answer to a money-bearing POST with an Idempotency-Key, replayed for the
    same key and body; the same key with another body is refused."""

    key = models.CharField(max_length=255)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    body_digest = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.BinaryField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="one_request_per_key")]

    def __str__(self) -> str:
        return f"{self.key} ({self.path})"
