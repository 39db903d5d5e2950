"""Full-text search over tickets, inside whatever visibility the caller's queryset has."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from deskpact.tickets.models import Ticket


def search_tickets(
    tickets: QuerySet[Ticket], q: str, *, include_internal: bool
) -> QuerySet[Ticket]:
    """Tickets of `tickets` matching `q` in subject, body or messages (notes if allowed)."""
    words = [w for w in q.split() if w][:10]
    if not words:
        return tickets
    messages = Q() if include_internal else Q(messages__is_internal=False)
    for word in words:
        tickets = tickets.filter(
            Q(subject__icontains=word)
            | Q(body__icontains=word)
            | (Q(messages__body__icontains=word) & messages)
        )
    return tickets.distinct()
