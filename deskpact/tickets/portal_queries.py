"""Reads the customer portal needs: its ticket list, the rating of the current
resolution, follow-ups. Every one starts from selectors.tickets_visible_to."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from deskpact.accounts.models import User
from deskpact.tickets import workflow
from deskpact.tickets.models import Rating, Ticket
from deskpact.tickets.search import search_tickets
from deskpact.tickets.selectors import tickets_visible_to

# What a customer filters by, in their words: "open" is everything still being worked.
STATUS_FILTERS: dict[str, frozenset[str]] = {
    "open": frozenset(s.value for s in workflow.ACTIVE),
    "waiting": frozenset({Ticket.Status.PENDING.value}),
    "resolved": frozenset({Ticket.Status.RESOLVED.value}),
    "closed": frozenset({Ticket.Status.CLOSED.value}),
}


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
