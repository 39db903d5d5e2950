from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone

from deskpact.tickets import workflow

KEY_PREFIX = "DP-"


class Queue(models.Model):
    """Where tickets wait: its own address, web form switch and agents (SPEC §1)."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=50, unique=True)
    email_address = models.EmailField(unique=True, null=True, blank=True)
    web_form_enabled = models.BooleanField(
        default=True, help_text="Anyone may submit to this queue through its public web form."
    )
    agents = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="queues",
        help_text="Agents limited to some queues see only those; an agent in none sees all.",
    )
    is_default = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="one_default_queue",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    """A customer's issue, from first message to closure."""

    class Status(models.TextChoices):  # the same values as workflow.Status
        NEW = "new", "New"
        OPEN = "open", "Open"
        PENDING = "pending", "Pending (waiting on customer)"
        ON_HOLD = "on_hold", "On hold"
        RESOLVED = "resolved", "Resolved"
        CLOSED = "closed", "Closed"

    class Priority(models.TextChoices):
        LOW = "low", "Low"
        NORMAL = "normal", "Normal"
        HIGH = "high", "High"
        URGENT = "urgent", "Urgent"

    class Channel(models.TextChoices):
        WEB = "web", "Web"
        EMAIL = "email", "Email"
        PHONE = "phone", "Phone"
        API = "api", "API"

    class Cause(models.TextChoices):
        QUESTION = "question", "Question"
        INCIDENT = "incident", "Incident"
        PRODUCT_DEFECT = "product_defect", "Product defect"
        CONFIGURATION = "configuration", "Configuration"
        ENHANCEMENT = "enhancement", "Enhancement request"
        UPDATE = "update", "Update"
        OTHER = "other", "Other"

    # No single-column indexes on queue, requester, organization and owner: each leads one
    # of the composite indexes below, and every index is one more write per new ticket.
    queue = models.ForeignKey(
        Queue, on_delete=models.PROTECT, related_name="tickets", db_index=False
    )
    subject = models.CharField(max_length=200)
    body = models.TextField(max_length=100_000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    cause = models.CharField(max_length=20, choices=Cause.choices, blank=True)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="requested_tickets",
        db_index=False,
    )
    submitter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submitted_tickets"
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_tickets",
        db_index=False,
    )
    follows = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_ups",
        help_text="The closed ticket this one continues.",
    )

    class Entitlement(models.TextChoices):
        ENTITLED = "entitled", "Entitled"
        NOT_AUTHORIZED = "not_authorized", "Not authorized"
        EXHAUSTED = "exhausted", "Exhausted"
        NO_CONTRACT = "no_contract", "No contract"

    contract = models.ForeignKey(
        "contracts.Contract",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,
        help_text="The contract its work is counted against.",
    )
    entitlement = models.CharField(
        max_length=20, choices=Entitlement.choices, default=Entitlement.NO_CONTRACT
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # Each list starts with its visibility filter so a page costs the same at 1M rows.
            # Agents and admins who see every queue: newest first, straight off the index.
            models.Index(fields=["-created_at", "-id"], name="ticket_recent"),
            models.Index(fields=["organization", "-created_at", "-id"], name="ticket_org_recent"),
            models.Index(
                fields=["requester", "-created_at", "-id"], name="ticket_requester_recent"
            ),
            models.Index(fields=["owner", "status", "-created_at"], name="ticket_owner_status"),
            models.Index(fields=["status", "-created_at", "-id"], name="ticket_status_recent"),
            models.Index(fields=["queue", "status", "-created_at"], name="ticket_queue_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in workflow.Status]),
                name="ticket_status_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.subject}"

    @property
    def key(self) -> str:
        return f"{KEY_PREFIX}{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status in workflow.ACTIVE


class Message(models.Model):
    """A public reply or an internal note on a ticket."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ticket_messages"
    )
    body = models.TextField(max_length=100_000)
    is_internal = models.BooleanField(default=False)
    channel = models.CharField(max_length=10, choices=Ticket.Channel.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at", "id"], name="message_thread")]

    def __str__(self) -> str:
        kind = "note" if self.is_internal else "reply"
        return f"{kind} on {self.ticket_id} by {self.author_id}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name is random: a guessed URL or a crafted filename reaches nothing.
    import uuid

    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, default="application/octet-stream")
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename


class Rating(models.Model):
    """A customer's 1-5 verdict on one resolution of a ticket."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="ratings")
    resolved_at = models.DateTimeField(help_text="The resolution this rating is about.")
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True, max_length=5000)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "resolved_at"], name="one_rating_per_resolution"
            ),
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="rating_score_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.score}/5 for {self.ticket_id}"


class TicketEvent(models.Model):
    """One thing that happened to a ticket: created, assigned, status, priority, cause…"""

    # Indexed by event_ticket_at, which starts with it.
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=30)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at"], name="event_ticket_at")]

    def __str__(self) -> str:
        return f"{self.kind} on {self.ticket_id}"


# --- Search document ------------------------------------------------------------------
# Written only by database triggers (migration 0002_ticket_search), read only by
# deskpact.tickets.search. Nothing else should query or write it.


class _NoRows(models.Manager["TicketSearch"]):
    """Search documents are derived data: dumpdata skips them (loaddata's inserts fire the
    triggers that rebuild them), and reading them as rows would fail on SQLite."""

    def get_queryset(self) -> models.QuerySet[TicketSearch]:
        return super().get_queryset().none()


class TicketSearch(models.Model):
    """One ticket's full-text search document, kept current by database triggers.

    Django does not manage the table: 0002_ticket_search creates it for the database in use.
    On PostgreSQL it is a plain table with two GIN-indexed tsvector columns; on SQLite an
    FTS5 virtual table whose rowid is the ticket id (FTS5 cannot name its key, so the key is
    called `rowid` on both and one model joins either way). No foreign key on PostgreSQL:
    flushing test databases TRUNCATEs tickets, and a trigger empties this table then.
    """

    ticket = models.OneToOneField(
        Ticket,
        primary_key=True,
        db_column="rowid",
        db_constraint=False,
        # The triggers delete the row with its ticket; the ORM must not try (no table to
        # collect from on SQLite's columns, and nothing to do on either).
        on_delete=models.DO_NOTHING,
        related_name="search_document",
    )
    # PostgreSQL only: subject (weight A), body (B) and public replies (C), for everyone ...
    public_document = SearchVectorField(editable=False)
    # ... and internal notes (D), for agents only.
    internal_document = SearchVectorField(editable=False)
    # SQLite only: FTS5's hidden column, named after the table, that MATCH and bm25() take.
    fts = models.TextField(db_column="ticket_search", editable=False)

    objects = _NoRows()

    class Meta:
        managed = False
        db_table = "ticket_search"
        base_manager_name = "objects"

    def __str__(self) -> str:
        return f"search document of {self.ticket_id}"
