"""Support contracts, what was bought under them, work logs, calls, prices and the ledger.

Quantities in a contract's unit are whole numbers of `units`: minutes for contracts in
hours, incidents for contracts in incidents. Money is stored as integer minor units in the
organization's currency; prices and rates are Decimals that are never summed in SQL.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from deskpact.core.currencies import CURRENCY_CHOICES

CHANNELS = ("web", "email", "phone", "api")


def default_channels() -> list[str]:
    return list(CHANNELS)


def default_waiver_causes() -> list[str]:
    return ["product_defect"]


class Contract(models.Model):
    """One organization's support contract for a term (SPEC §4)."""

    class Kind(models.TextChoices):
        AGREEMENT = "agreement", "Service agreement"
        CAPPED = "capped", "Capped (annual cap with overage)"
        BANK = "bank", "Prepaid bank"
        PER_INCIDENT = "per_incident", "Per incident"
        PER_MINUTE = "per_minute", "Per minute (phone)"
        PAYG = "payg", "Pay as you go"

    class Unit(models.TextChoices):
        HOURS = "hours", "Hours"
        INCIDENTS = "incidents", "Incidents"

    class Exhaustion(models.TextChoices):
        OVERAGE = "overage", "Keep working, bill overage"
        BLOCK = "block", "Flag new tickets exhausted"

    class Contacts(models.TextChoices):
        ANY = "any", "Any contact of the organization"
        NAMED = "named", "Named contacts only"
        TRAINED = "trained", "Trained contacts only"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ENDED = "ended", "Ended"

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="contracts"
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    unit = models.CharField(max_length=10, choices=Unit.choices, blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True, help_text="Empty: open-ended.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    channels = models.JSONField(default=default_channels)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    fee_minor = models.BigIntegerField(default=0, help_text="Fee per term, in minor units.")
    # Rates left empty come from the price book in force on the day.
    hourly_rate = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    overage_rate = models.DecimalField(
        max_digits=12, decimal_places=4, null=True, blank=True, help_text="Per hour or incident."
    )
    incident_rate = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    minute_rate = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    cap_units = models.PositiveIntegerField(
        null=True, blank=True, help_text="Capped: minutes or incidents covered per term."
    )
    threshold_units = models.PositiveIntegerField(
        default=0, help_text="Warn when the balance falls to this (minutes or incidents)."
    )
    threshold_minor = models.BigIntegerField(
        default=0, help_text="Per minute: warn when the deposit falls to this amount."
    )
    exhaustion = models.CharField(
        max_length=10, choices=Exhaustion.choices, default=Exhaustion.OVERAGE
    )
    overdraft_units = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Overage: how far below zero a bank may go; empty: no limit.",
    )
    rounding_minutes = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1)], help_text="Round each log up to this."
    )
    minimum_minutes = models.PositiveSmallIntegerField(default=0, help_text="Least per log.")
    incident_window_minutes = models.PositiveSmallIntegerField(
        default=120, validators=[MinValueValidator(1)]
    )
    waiver_causes = models.JSONField(default=default_waiver_causes, blank=True)
    covered_modules = models.JSONField(default=list, blank=True)
    contacts_policy = models.CharField(max_length=10, choices=Contacts.choices, default="any")
    max_named_contacts = models.PositiveSmallIntegerField(default=2)
    authorized_contacts = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="authorized_for_contracts"
    )
    card_on_file = models.BooleanField(default=False)
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_contracts",
    )
    renews = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="renewals"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization_id", "-starts_on", "id"]
        indexes = [models.Index(fields=["organization", "status"], name="contract_org_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="contract_term_ordered",
            ),
            models.CheckConstraint(condition=Q(fee_minor__gte=0), name="contract_fee_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def in_hours(self) -> bool:
        return self.unit != Contract.Unit.INCIDENTS


class BankBlock(models.Model):
    """A prepaid block bought under a bank contract; what is left of it is in the ledger."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="blocks")
    units = models.PositiveIntegerField(help_text="Minutes or incidents bought.")
    price_minor = models.BigIntegerField(default=0)
    purchased_at = models.DateTimeField(default=timezone.now)
    expires_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["contract_id", "purchased_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(units__gt=0), name="block_units_positive"),
            models.CheckConstraint(condition=Q(price_minor__gte=0), name="block_price_positive"),
        ]

    def __str__(self) -> str:
        return f"block of {self.units} on contract {self.contract_id}"


class Training(models.Model):
    """A contact's completed training; `trained` contracts accept contacts with one in force."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trainings"
    )
    course = models.CharField(max_length=200)
    completed_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["user_id", "-completed_on"]

    def __str__(self) -> str:
        return f"{self.course} for {self.user_id}"


class Price(models.Model):
    """One price book entry: the market price of an item from a day on, in one currency."""

    class Item(models.TextChoices):
        HOUR = "hour", "Hour of support"
        OVERAGE_HOUR = "overage_hour", "Hour beyond a cap or bank"
        INCIDENT = "incident", "Incident"
        OVERAGE_INCIDENT = "overage_incident", "Incident beyond a cap or bank"
        MINUTE = "minute", "Agent-minute on a call"
        BLOCK_HOUR = "block_hour", "Prepaid hour in a bank block"
        BLOCK_INCIDENT = "block_incident", "Prepaid incident in a bank block"

    item = models.CharField(max_length=20, choices=Item.choices)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    amount = models.DecimalField(
        max_digits=12, decimal_places=4, validators=[MinValueValidator(Decimal("0"))]
    )
    effective_from = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["item", "currency", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "currency", "effective_from"], name="one_price_per_day"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.amount} {self.currency} from {self.effective_from}"


class Call(models.Model):
    """One phone call; each agent on it has their own work log."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="calls")
    started_at = models.DateTimeField()
    minutes = models.PositiveIntegerField()
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True, max_length=5000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"call on {self.ticket_id} at {self.started_at:%Y-%m-%d %H:%M}"


class WorkLog(models.Model):
    """Whole minutes one agent spent on a ticket; rated into the ledger when logged."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="work_logs")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="work_logs"
    )
    contract = models.ForeignKey(
        Contract, null=True, blank=True, on_delete=models.PROTECT, related_name="work_logs"
    )
    call = models.ForeignKey(
        Call, null=True, blank=True, on_delete=models.PROTECT, related_name="work_logs"
    )
    started_at = models.DateTimeField()
    minutes = models.PositiveIntegerField()
    channel = models.CharField(max_length=10)
    is_billable = models.BooleanField(default=True)
    note = models.TextField(blank=True, max_length=5000)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["ticket", "-started_at"], name="worklog_ticket"),
            models.Index(fields=["agent", "started_at"], name="worklog_agent"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(minutes__gt=0), name="worklog_minutes_positive"),
            models.UniqueConstraint(
                fields=["call", "agent"],
                condition=Q(call__isnull=False),
                name="one_log_per_agent_per_call",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.minutes} min on {self.ticket_id} by {self.agent_id}"


class WorkTimer(models.Model):
    """A running timer in the console: one per agent and ticket, so it survives a reload."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "agent"], name="one_timer_per_agent_ticket")
        ]

    def __str__(self) -> str:
        return f"timer on {self.ticket_id} by {self.agent_id}"


class LedgerEntry(models.Model):
    """One debit or credit against a contract; balances are sums of these rows, never stored.

    `units`: change in the contract's balance in its unit (a block bought +, work covered -).
    `charge_minor`: what the customer is charged for this row (billing invoices it).
    `prepaid_minor`: change in prepaid money (a deposit paid +, per-minute work drawn -).
    Rows are never edited or deleted: a correction is a new row that `corrects` the old one.
    """

    class Kind(models.TextChoices):
        FEE_DUE = "fee_due", "Term fee due"
        WORK_RATED = "work_rated", "Work rated"
        INCIDENT_CONSUMED = "incident_consumed", "Incident consumed"
        BLOCK_PURCHASED = "block_purchased", "Block purchased"
        DEPOSIT_PAID = "deposit_paid", "Deposit paid"
        EXPIRY = "expiry", "Unused units expired"
        OVERRIDE = "override", "Override"
        ADJUSTMENT = "adjustment", "Adjustment"

    class Part(models.TextChoices):
        COVERED = "covered", "Covered"
        OVERAGE = "overage", "Overage"
        CHARGED = "charged", "Charged"
        WAIVED = "waived", "Waived"
        TRACKED = "tracked", "Tracked, not charged"

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="ledger")
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="ledger"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    part = models.CharField(max_length=10, choices=Part.choices, blank=True)
    at = models.DateTimeField(help_text="When the work or purchase happened (billing period).")
    recorded_at = models.DateTimeField(default=timezone.now)
    units = models.IntegerField(default=0)
    charge_minor = models.BigIntegerField(default=0)
    prepaid_minor = models.BigIntegerField(default=0)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    rate = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    quantity = models.DecimalField(
        max_digits=14,
        decimal_places=4,
        default=Decimal("0"),
        help_text="Hours, incidents or minutes charged.",
    )
    work_log = models.ForeignKey(
        WorkLog, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger"
    )
    block = models.ForeignKey(
        BankBlock, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger"
    )
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    description = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]
        verbose_name_plural = "ledger entries"
        indexes = [
            models.Index(fields=["contract", "at"], name="ledger_contract_at"),
            models.Index(fields=["organization", "at"], name="ledger_org_at"),
        ]
        constraints = [
            # An incident is consumed once per ticket however often it is resolved: one row
            # per part (what a cap covered, the overage beyond it, the charge or waiver) and,
            # for a bank, one covered row per block it was drawn from.
            models.UniqueConstraint(
                fields=["ticket", "contract", "part"],
                condition=Q(kind="incident_consumed", corrects__isnull=True, block__isnull=True),
                name="one_incident_per_ticket",
            ),
            models.UniqueConstraint(
                fields=["ticket", "contract", "block"],
                condition=Q(kind="incident_consumed", corrects__isnull=True, block__isnull=False),
                name="one_incident_per_ticket_block",
            ),
            models.UniqueConstraint(
                fields=["block"], condition=Q(kind="expiry"), name="one_expiry_per_block"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.units:+d} on contract {self.contract_id}"


class BalanceWarning(models.Model):
    """A low-balance warning sent; one per crossing, re-armed by the next top-up."""

    class Measure(models.TextChoices):
        UNITS = "units", "Units"
        DEPOSIT = "deposit", "Deposit"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="warnings")
    measure = models.CharField(max_length=10, choices=Measure.choices, default=Measure.UNITS)
    armed_by = models.ForeignKey(
        LedgerEntry,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The last top-up before this warning: one warning per top-up.",
    )
    balance = models.BigIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "measure", "armed_by"],
                name="one_warning_per_crossing",
            )
        ]

    def __str__(self) -> str:
        return f"{self.measure} warning on {self.contract_id}"
