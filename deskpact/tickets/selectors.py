"""Reads of tickets, always through the visibility rules of SPEC §1.

Anything a caller may not see is "not found": ids and keys leak nothing.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from deskpact.accounts.models import User
from deskpact.tickets.errors import TicketNotFound
from deskpact.tickets.models import KEY_PREFIX, Attachment, Message, Ticket


def visibility_filter(user: User) -> Q:
    """The rows `user` may see: agents their queues, customers their own (and shared org)."""
    if not user.is_active:
        return Q(pk__in=[])
    if user.is_admin:
        return Q()
    if user.is_agent:
        queue_ids = list(user.queues.values_list("pk", flat=True))
        return Q(queue_id__in=queue_ids) if queue_ids else Q()
    mine = Q(requester=user) | Q(submitter=user)
    org = user.organization
    if org is not None and org.shares_tickets:
        return mine | Q(organization=org)
    return mine


def tickets_visible_to(user: User) -> QuerySet[Ticket]:
    return (
        Ticket.objects.filter(visibility_filter(user))
        .select_related("requester", "owner", "organization", "queue")
        .defer("requester__password", "owner__password")  # hashes never ride along
    )


# What a ticket summary shows of its related rows (the API's TicketOut): reading only these
# columns keeps a page of tickets from building and converting every user's whole row.
SUMMARY_RELATED = (
    "queue__slug",
    "requester__email",
    "requester__name",
    "owner__email",
    "owner__name",
)


def ticket_summaries_visible_to(user: User) -> QuerySet[Ticket]:
    """Tickets `user` may see, with only the related columns a summary shows."""
    own = [field.name for field in Ticket._meta.concrete_fields]
    return (
        Ticket.objects.filter(visibility_filter(user))
        .select_related("requester", "owner", "queue")
        .only(*own, *SUMMARY_RELATED)
    )


def parse_key(key: str | int) -> int | None:
    """Ticket number from 'DP-1042', '1042' or 1042; None when it is not one."""
    text = str(key).strip().upper()
    if text.startswith(KEY_PREFIX):
        text = text[len(KEY_PREFIX) :]
    return int(text) if text.isdigit() and len(text) < 19 else None


def get_ticket_for(user: User, key: str | int, *, summary: bool = False) -> Ticket:
    """The ticket `key` if `user` may see it; TicketNotFound otherwise, whatever the reason.

    With `summary`, only the columns a ticket summary shows are read (for display only)."""
    number = parse_key(key)
    rows = ticket_summaries_visible_to(user) if summary else tickets_visible_to(user)
    ticket = rows.filter(pk=number).first() if number else None
    if ticket is None:
        raise TicketNotFound(f"No ticket {key}.")
    return ticket


def messages_visible_to(user: User, ticket: Ticket) -> QuerySet[Message]:
    """The conversation; internal notes only for agents."""
    rows = ticket.messages.select_related("author").prefetch_related("attachments")
    return rows if user.is_agent else rows.filter(is_internal=False)


def get_attachment_for(user: User, attachment_id: int) -> Attachment:
    """An attachment whose message `user` may see; TicketNotFound otherwise."""
    rows = Attachment.objects.select_related("message__ticket").filter(
        pk=attachment_id, message__ticket__in=Ticket.objects.filter(visibility_filter(user))
    )
    if not user.is_agent:
        rows = rows.filter(message__is_internal=False)
    attachment = rows.first()
    if attachment is None:
        raise TicketNotFound("No such attachment.")
    return attachment
