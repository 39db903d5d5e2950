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

from deskpact.core.prepared import PreparedLookup, PreparedUpdate, PreparedValues
from deskpact.mail import headers
from deskpact.mail.models import OutgoingMail
from deskpact.tickets.models import Message

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


# The four statements of every mail sent, compiled once (see core/prepared.py): with the
# ORM building them afresh each time they cost more than rendering and sending the mail.
_CLAIM = PreparedUpdate(
    lambda pk, now, until: (
        OutgoingMail.objects.filter(pk=pk, sent_at__isnull=True).filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
        ),
        {"next_attempt_at": until, "attempts": F("attempts") + 1},
    ),
    "pk",
    "now",
    "until",
    ints=("pk",),
    datetimes=("now", "until"),
)
# Only what the templates and headers use: a join fewer is a plan cheaper to make.
_ROW = PreparedLookup(
    lambda pk: (
        OutgoingMail.objects.select_related(
            "ticket__requester", "ticket__queue", "ticket__organization"
        )
        .filter(pk=pk)
        .order_by()
    ),
    "pk",
    ints=("pk",),
)
_MESSAGE = PreparedLookup(
    lambda pk: Message.objects.select_related("author").filter(pk=pk).order_by(),
    "pk",
    ints=("pk",),
)
_EARLIER = PreparedValues(
    lambda ticket, pk, before: (
        OutgoingMail.objects.filter(ticket_id=ticket, created_at__lte=before)
        .exclude(pk=pk)
        .order_by("created_at", "id")
        .values_list("message_id")
    ),
    "ticket",
    "pk",
    "before",
    ints=("ticket", "pk"),
    datetimes=("before",),
)
_SENT = PreparedUpdate(
    lambda pk, at: (
        OutgoingMail.objects.filter(pk=pk),
        {"sent_at": at, "error": "", "next_attempt_at": None},
    ),
    "pk",
    "at",
    ints=("pk",),
    datetimes=("at",),
)


@task()
def send_outgoing_mail(*, outgoing_id: int) -> None:
    """Render and send one OutgoingMail row; a row already sent or claimed is left alone.

    The claim is an `UPDATE … WHERE` on the row, so two workers never send it together and
    no database lock is held while the mail is rendered and handed to the mail server.
    """
    now = timezone.now()
    if not _CLAIM.run(pk=outgoing_id, now=now, until=now + CLAIM):
        return
    outgoing = _ROW.first(pk=outgoing_id)
    if outgoing is None or outgoing.ticket is None:
        return
    if outgoing.ticket_message_id is not None:
        outgoing.ticket_message = _MESSAGE.first(pk=outgoing.ticket_message_id)
    try:
        _compose(outgoing).send()
    except Exception as exc:  # kept on the row; retried later with back-off
        OutgoingMail.objects.filter(pk=outgoing_id).update(
            error=f"{type(exc).__name__}: {exc}"[:2000],
            next_attempt_at=timezone.now() + _retry_delay(outgoing.attempts),
        )
        raise
    _SENT.run(pk=outgoing_id, at=timezone.now())


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
    earlier = [
        row[0]
        for row in _EARLIER.rows(ticket=ticket.pk, pk=outgoing.pk, before=outgoing.created_at)
    ]
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
            outgoing.message_id,
            earlier=earlier,
            automatic=outgoing.is_automatic,
            loop=settings.DESKPACT_MAIL_DOMAIN,
        ),
    )
    mail.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return mail


@task()
def process_inbound_task(*, inbound_id: int) -> None:
    """Turn one stored inbound message into a ticket or a reply (at most once)."""
    from deskpact.mail import inbound

    inbound.process(inbound_id)


@task()
def retry_inbound_task() -> None:
    """Periodic: messages whose back-off has passed, and any never picked up."""
    from deskpact.mail import inbound

    for inbound_id in inbound.due_for_retry(at=timezone.now()):
        inbound.process(inbound_id)
