from __future__ import annotations

from django.db import models
from django.utils import timezone


class OutgoingMail(models.Model):
    """One email the desk sends; its Message-ID is kept so replies thread onto the ticket."""

    class Kind(models.TextChoices):
        ACKNOWLEDGEMENT = "acknowledgement", "Acknowledgement"
        REPLY = "reply", "Public reply"
        RESOLVED = "resolved", "Resolution"
        ASSIGNED = "assigned", "Assignment"
        CUSTOMER_REPLY = "customer_reply", "Customer replied"
        WELCOME = "welcome", "Welcome"

    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="outgoing_mail",
        db_index=False,  # outgoing_ticket starts with it
    )
    ticket_message = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    to_email = models.EmailField()
    message_id = models.CharField(max_length=255, unique=True)
    is_automatic = models.BooleanField(
        default=True, help_text="Sent with Auto-Submitted: auto-replied."
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Claimed by a sender until then, or, after a failure, retried then.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="outgoing_ticket"),
            # The hourly cap on automatic replies counts one sender's recent mail.
            models.Index(fields=["to_email", "created_at"], name="outgoing_recipient"),
            # The resend sweep reads only unsent rows: a small index however much was sent.
            models.Index(
                fields=["created_at"],
                name="outgoing_unsent",
                condition=models.Q(sent_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to_email}"


class MailSource(models.Model):
    """Where inbound mail comes from: an IMAP mailbox, the listener, the API or a pipe.

    Each maps to a queue and a desk address; the API and pipe sources authenticate with a
    secret of their own (only its hash is kept).
    """

    class Kind(models.TextChoices):
        IMAP = "imap", "IMAP mailbox"
        SMTP = "smtp", "SMTP/LMTP listener"
        API = "api", "HTTP endpoint"
        PIPE = "pipe", "MTA pipe"
        IMPORT = "import", "File import"

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    queue = models.ForeignKey("tickets.Queue", on_delete=models.PROTECT, related_name="+")
    address = models.EmailField(help_text="The desk address mail to this source is sent to.")
    secret_hash = models.CharField(max_length=128, blank=True)
    imap_host = models.CharField(max_length=255, blank=True)
    imap_port = models.PositiveIntegerField(default=993)
    imap_tls = models.BooleanField(default=True)
    imap_user = models.CharField(max_length=255, blank=True)
    imap_password = models.CharField(max_length=255, blank=True)
    imap_folder = models.CharField(max_length=255, default="INBOX")
    imap_done_folder = models.CharField(
        max_length=255, blank=True, help_text="Move stored messages here; empty: flag them seen."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class InboundMessage(models.Model):
    """One raw message as received, stored before anything else is done with it."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSING = "processing", "Processing"
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored"
        HELD = "held", "Held for an admin"
        FAILED = "failed", "Failed"

    source = models.ForeignKey(
        MailSource, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    source_kind = models.CharField(max_length=10, choices=MailSource.Kind.choices)
    source_ref = models.CharField(max_length=255, blank=True, help_text="e.g. an IMAP UID.")
    raw = models.BinaryField()
    size = models.PositiveBigIntegerField()
    digest = models.CharField(max_length=64, help_text="SHA-256 of the raw message.")
    message_id = models.CharField(max_length=998, blank=True)
    # The key that makes a message at most one ticket or reply: its Message-ID, or for a
    # message without one (or reusing one with other content) a key of its own.
    dedupe_key = models.CharField(max_length=1100)
    sender = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RECEIVED)
    outcome = models.CharField(max_length=30, blank=True)
    flags = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ticket_message = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["message_id"], name="inbound_message_id"),
            models.Index(fields=["status", "next_attempt_at"], name="inbound_status"),
            models.Index(fields=["source", "source_ref"], name="inbound_source_ref"),
        ]
        constraints = [
            # The same message processed twice makes one ticket or reply, also when two
            # workers race: the second one's insert of the outcome fails here.
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=models.Q(status="processed"),
                name="inbound_processed_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_id or self.digest[:12]} ({self.status})"
