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
            # The resend sweep reads only unsent rows: a small index however much was sent.
            models.Index(
                fields=["created_at"],
                name="outgoing_unsent",
                condition=models.Q(sent_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to_email}"
