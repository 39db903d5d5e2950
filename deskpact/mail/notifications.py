"""Who hears about what happens on a ticket (SPEC §1). Rows now, mail after commit.

Each function runs inside the caller's transaction: it writes OutgoingMail rows (with
their Message-IDs) and queues the sending, which happens only once the change commits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings

from deskpact.core.tasks import enqueue
from deskpact.mail import headers
from deskpact.mail.models import OutgoingMail

if TYPE_CHECKING:
    from deskpact.accounts.models import User
    from deskpact.tickets.models import Message, Ticket

Kind = OutgoingMail.Kind


def mail_domain() -> str:
    return settings.DESKPACT_MAIL_DOMAIN


def _queue_mail(
    ticket: Ticket,
    kind: str,
    to: User | None,
    *,
    message: Message | None = None,
    automatic: bool = True,
) -> OutgoingMail | None:
    if to is None or not to.is_active or not to.email:
        return None
    from deskpact.mail.tasks import send_outgoing_mail

    outgoing = OutgoingMail.objects.create(
        ticket=ticket,
        ticket_message=message,
        kind=kind,
        to_email=to.email,
        message_id=headers.new_message_id(mail_domain()),
        is_automatic=automatic,
    )
    enqueue(send_outgoing_mail, outgoing_id=outgoing.pk)
    return outgoing


def ticket_opened(ticket: Ticket) -> None:
    """Acknowledge a new ticket to its requester."""
    _queue_mail(ticket, Kind.ACKNOWLEDGEMENT, ticket.requester)


def reply_posted(message: Message) -> None:
    """An agent's public reply goes to the requester; a customer's to the owner."""
    ticket = message.ticket
    if message.is_internal:
        return  # internal notes never leave the desk
    if message.author.is_agent:
        _queue_mail(ticket, Kind.REPLY, ticket.requester, message=message, automatic=False)
    elif ticket.owner_id and ticket.owner_id != message.author_id:
        _queue_mail(ticket, Kind.CUSTOMER_REPLY, ticket.owner, message=message)


def ticket_resolved(ticket: Ticket) -> None:
    """Tell the requester, with a link to rate the resolution."""
    _queue_mail(ticket, Kind.RESOLVED, ticket.requester)


def ticket_assigned(ticket: Ticket, *, by: User | None) -> None:
    """Tell an agent a ticket is theirs now."""
    _queue_mail(ticket, Kind.ASSIGNED, ticket.owner)
