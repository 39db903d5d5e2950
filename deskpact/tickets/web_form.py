"""The public web form (no login): a stranger becomes a contact and their ticket opens,
within per-address and per-IP hourly limits counted in the database."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from deskpact.accounts.contacts import find_or_create_contact
from deskpact.accounts.models import User
from deskpact.core import audit
from deskpact.core.errors import DomainError
from deskpact.core.models import AuditEntry
from deskpact.tickets import services
from deskpact.tickets.models import Queue, Ticket

WEB_FORM_AUDIT_ACTION = "ticket.web_form_submitted"


class WebFormLimited(DomainError):
    code = "web_form_limited"
    status = 429


class WebFormRefused(DomainError):
    code = "web_form_refused"
    status = 400


def web_form_limits() -> tuple[int, int]:
    """(tickets per sender address, submissions per IP address) allowed in one hour."""
    return (
        settings.DESKPACT_WEB_FORM_PER_ADDRESS_PER_HOUR,
        settings.DESKPACT_WEB_FORM_PER_IP_PER_HOUR,
    )


def web_tickets_requested_by(user: User, *, since: datetime) -> int:
    return Ticket.objects.filter(
        requester=user, channel=Ticket.Channel.WEB, created_at__gte=since
    ).count()


def web_form_submissions_from(ip_address: str, *, since: datetime) -> int:
    # The audit row each submission writes carries its IP: the log across processes.
    return AuditEntry.objects.filter(
        action=WEB_FORM_AUDIT_ACTION, ip_address=ip_address, at__gte=since
    ).count()


@transaction.atomic
def submit_web_form(
    queue: Queue,
    *,
    email: str,
    name: str,
    subject: str,
    body: str,
    ip_address: str | None,
    at: datetime | None = None,
) -> Ticket:
    """Open a ticket in `queue` for whoever sent the public form, creating them as a contact
    when unknown; refuses past the hourly limits, leaving nothing behind."""
    at = at or timezone.now()
    since = at - timedelta(hours=1)
    per_address, per_ip = web_form_limits()
    if ip_address and web_form_submissions_from(ip_address, since=since) >= per_ip:
        raise WebFormLimited(
            "Too many requests have come from your network in the last hour. "
            "Please try again later.",
            retry_after=3600,
        )
    contact = find_or_create_contact(email, name=name, source="web_form").user
    # Lock the sender's row so two submissions from one address count one after the other
    # on PostgreSQL (SQLite's IMMEDIATE transactions serialise them already).
    User.objects.select_for_update().filter(pk=contact.pk).first()
    if not contact.is_active:
        raise WebFormRefused(
            "This address cannot open requests here. Please contact us another way.",
            field="email",
        )
    if web_tickets_requested_by(contact, since=since) >= per_address:
        raise WebFormLimited(
            f"{contact.email} has sent {per_address} requests in the last hour, the most we "
            "accept. Please wait a while, or reply to one of them by email.",
            field="email",
            retry_after=3600,
        )
    ticket = services.open_ticket(
        requester=contact,
        submitter=contact,
        subject=subject,
        body=body,
        channel=Ticket.Channel.WEB,
        queue=queue,
        at=at,
    )
    audit.record(
        WEB_FORM_AUDIT_ACTION,
        ticket,
        actor=None,
        after={"queue": queue.slug, "email": contact.email},
        at=at,
        ip_address=ip_address,
    )
    return ticket
