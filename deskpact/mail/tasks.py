"""Sending the desk's mail in the background; safe to run twice for one row."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
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


@task()
def send_outgoing_mail(*, outgoing_id: int) -> None:
    """Render and send one OutgoingMail row; a row already sent is left alone.

    The row stays locked while the mail goes out, so two workers never send it twice.
    """
    failure: Exception | None = None
    with transaction.atomic():
        outgoing = (
            OutgoingMail.objects.select_for_update(of=("self",))
            .select_related(
                "ticket__requester",
                "ticket__owner",
                "ticket__queue",
                "ticket__organization",
                "ticket_message__author",
            )
            .filter(pk=outgoing_id, sent_at__isnull=True)
            .first()
        )
        if outgoing is None or outgoing.ticket is None:
            return
        try:
            _compose(outgoing).send()
        except Exception as exc:  # kept on the row; the task backend retries
            failure = exc
        outgoing.attempts += 1
        outgoing.error = "" if failure is None else f"{type(failure).__name__}: {failure}"[:2000]
        outgoing.sent_at = timezone.now() if failure is None else None
        outgoing.save(update_fields=["attempts", "error", "sent_at"])
    if failure is not None:
        raise failure


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
