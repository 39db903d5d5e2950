"""Sending the desk's mail in the background; safe to run twice for one row."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks import task

from deskpact.mail import headers
from deskpact.mail.models import OutgoingMail

_SUBJECT_PREFIX: dict[str, str] = {
    OutgoingMail.Kind.ACKNOWLEDGEMENT: "Received:",
    OutgoingMail.Kind.REPLY: "Re:",
    OutgoingMail.Kind.CUSTOMER_REPLY: "Re:",
    OutgoingMail.Kind.RESOLVED: "Resolved:",
    OutgoingMail.Kind.ASSIGNED: "Assigned to you:",
}


# How long a claim keeps other senders off a row: a sender that died mid-way is retried then.
CLAIM = timedelta(minutes=5)
MAX_ATTEMPTS = 8
# Rows queued this long ago and still unsent lost their task (a process stopped): resend.
ORPHANED_AFTER = timedelta(minutes=2)


def _retry_delay(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** max(0, attempts - 1), 360))


@task()
def send_outgoing_mail(*, outgoing_id: int) -> None:
    """Render and send one OutgoingMail row; a row already sent or claimed is left alone.

    The claim is an `UPDATE … WHERE` on the row, so two workers never send it together and
    no database lock is held while the mail is rendered and handed to the mail server.
    """
    now = timezone.now()
    claimed = (
        OutgoingMail.objects.filter(pk=outgoing_id, sent_at__isnull=True)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(next_attempt_at=now + CLAIM, attempts=F("attempts") + 1)
    )
    if not claimed:
        return
    outgoing = (
        OutgoingMail.objects.select_related(
            "ticket__requester",
            "ticket__owner",
            "ticket__queue",
            "ticket__organization",
            "ticket_message__author",
        )
        .filter(pk=outgoing_id)
        .first()
    )
    if outgoing is None or outgoing.ticket is None:
        return
    try:
        _compose(outgoing).send()
    except Exception as exc:  # kept on the row; retried later with back-off
        OutgoingMail.objects.filter(pk=outgoing_id).update(
            error=f"{type(exc).__name__}: {exc}"[:2000],
            next_attempt_at=timezone.now() + _retry_delay(outgoing.attempts),
        )
        raise
    OutgoingMail.objects.filter(pk=outgoing_id).update(
        sent_at=timezone.now(), error="", next_attempt_at=None
    )


@task()
def resend_pending_mail() -> int:
    """Queue every unsent row that is due: failed ones after their back-off, orphaned ones
    (queued by a process that stopped before sending). Returns how many were queued."""
    now = timezone.now()
    due = OutgoingMail.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS).filter(
        Q(next_attempt_at__lte=now)
        | Q(next_attempt_at__isnull=True, created_at__lte=now - ORPHANED_AFTER)
    )
    ids = list(due.order_by("created_at", "id").values_list("pk", flat=True)[:500])
    for outgoing_id in ids:
        send_outgoing_mail.enqueue(outgoing_id=outgoing_id)
    return len(ids)


def _compose(outgoing: OutgoingMail) -> EmailMultiAlternatives:
    ticket = outgoing.ticket
    assert ticket is not None
    earlier = list(
        OutgoingMail.objects.filter(ticket=ticket, created_at__lte=outgoing.created_at)
        .exclude(pk=outgoing.pk)
        .order_by("created_at", "id")
        .values_list("message_id", flat=True)
    )
    to_agent = outgoing.kind in (OutgoingMail.Kind.ASSIGNED, OutgoingMail.Kind.CUSTOMER_REPLY)
    area = "console" if to_agent else "portal"
    context: dict[str, object] = {
        "ticket": ticket,
        "message": outgoing.ticket_message,
        "kind": outgoing.kind,
        "site_url": settings.SITE_URL,
        "ticket_url": f"{settings.SITE_URL}/{area}/tickets/{ticket.key}/",
    }
    requester = ticket.requester
    if outgoing.kind == OutgoingMail.Kind.ACKNOWLEDGEMENT and not requester.has_usable_password():
        # A contact the desk created for this ticket: invite them to choose a password.
        uid = urlsafe_base64_encode(force_bytes(requester.pk))
        token = default_token_generator.make_token(requester)
        path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
        context["set_password_url"] = f"{settings.SITE_URL}{path}"
    template = f"mail/{outgoing.kind}"
    mail = EmailMultiAlternatives(
        subject=headers.ticket_subject(
            ticket.key, ticket.subject, prefix=_SUBJECT_PREFIX.get(outgoing.kind, "")
        ),
        body=render_to_string(f"{template}.txt", context),
        to=[outgoing.to_email],
        reply_to=[ticket.queue.email_address] if ticket.queue.email_address else None,
        headers=headers.thread_headers(
            outgoing.message_id, earlier=earlier, automatic=outgoing.is_automatic
        ),
    )
    mail.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return mail
