"""What the customer portal and the public web form need beyond tickets.selectors/services.

Reads for the portal (its ticket list, the rating of the current resolution, follow-ups),
and `submit_web_form`, the one write of the public form: a stranger becomes a contact and
their ticket opens, within per-address and per-IP hourly limits. The write belongs in
tickets.services; it lives here until the lead moves it (see the portal report).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from deskpact.accounts.contacts import find_or_create_contact
from deskpact.accounts.models import User
from deskpact.core import audit
from deskpact.core.errors import DomainError
from deskpact.core.models import AuditEntry
from deskpact.tickets import services, workflow
from deskpact.tickets.models import Queue, Rating, Ticket
from deskpact.tickets.search import search_tickets
from deskpact.tickets.selectors import tickets_visible_to

# What a customer filters by, in their words: "open" is everything still being worked.
STATUS_FILTERS: dict[str, frozenset[str]] = {
    "open": frozenset(s.value for s in workflow.ACTIVE),
    "waiting": frozenset({Ticket.Status.PENDING.value}),
    "resolved": frozenset({Ticket.Status.RESOLVED.value}),
    "closed": frozenset({Ticket.Status.CLOSED.value}),
}

WEB_FORM_AUDIT_ACTION = "ticket.web_form_submitted"


def shares_with_organization(user: User) -> bool:
    """Whether `user` may look at their organization's tickets, not only their own."""
    org = user.organization
    return org is not None and org.shares_tickets


def portal_tickets(
    user: User, *, scope: str = "mine", status: str = "", q: str = ""
) -> QuerySet[Ticket]:
    """The customer's own tickets, or with scope "organization" their organization's when it
    shares them; open ones first, then the most recently changed (or, when searching, the
    best match first)."""
    rows = tickets_visible_to(user)  # the visibility rules first: filters only narrow them
    if scope == "organization" and shares_with_organization(user):
        rows = rows.filter(organization=user.organization)
    else:
        rows = rows.filter(Q(requester=user) | Q(submitter=user))
    if status in STATUS_FILTERS:
        rows = rows.filter(status__in=STATUS_FILTERS[status])
    if q.strip():  # best match first, as the search ranks it
        return search_tickets(rows, q, include_internal=False)
    open_first = Case(
        When(status__in=STATUS_FILTERS["open"], then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return rows.annotate(open_rank=open_first).order_by("open_rank", "-updated_at", "-id")


def rating_of_current_resolution(ticket: Ticket) -> Rating | None:
    """The rating given to the ticket's present resolution; None when unresolved or unrated."""
    if ticket.status != Ticket.Status.RESOLVED or ticket.resolved_at is None:
        return None
    return Rating.objects.filter(ticket=ticket, resolved_at=ticket.resolved_at).first()


def follow_ups_visible_to(user: User, ticket: Ticket) -> QuerySet[Ticket]:
    """Tickets that continue `ticket` after it was closed, as far as `user` may see them."""
    return tickets_visible_to(user).filter(follows=ticket).order_by("created_at", "id")


# --- The public web form -------------------------------------------------------------


class WebFormLimited(DomainError):
    code = "web_form_limited"
    status = 429


class WebFormRefused(DomainError):
    code = "web_form_refused"
    status = 400


def web_form_limits() -> tuple[int, int]:
    """(tickets per sender address, submissions per IP address) allowed in one hour."""
    return (
        getattr(settings, "DESKPACT_WEB_FORM_PER_ADDRESS_PER_HOUR", 5),
        getattr(settings, "DESKPACT_WEB_FORM_PER_IP_PER_HOUR", 20),
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
