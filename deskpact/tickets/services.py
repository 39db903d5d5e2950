"""Every write to tickets: validated, in one transaction, with an event row per change.

Notifications are queued here and sent after commit (deskpact.mail.notifications).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from deskpact.accounts.contacts import find_or_create_contact
from deskpact.accounts.models import Organization, User
from deskpact.contracts import services as contracts
from deskpact.core.prepared import PreparedLookup
from deskpact.core.text import clean_text
from deskpact.licensing.policy import (
    current_license_model,
    may_own_tickets,
    may_submit_on_behalf,
)
from deskpact.mail import notifications
from deskpact.tickets import workflow
from deskpact.tickets.errors import (
    AttachmentTooLarge,
    NotAllowed,
    RatingRefused,
    TransitionRefused,
)
from deskpact.tickets.models import Attachment, Message, Queue, Rating, Ticket, TicketEvent

SUBJECT_MAX = 200
BODY_MAX = 100_000


def record_event(
    ticket: Ticket, kind: str, *, by: User | None, at: datetime, **data: object
) -> None:
    TicketEvent.objects.create(ticket=ticket, actor=by, kind=kind, data=data, at=at)


# Read on every new ticket that names no queue: compiled once.
_DEFAULT_QUEUE: PreparedLookup[Queue] = PreparedLookup(
    lambda: Queue.objects.filter(is_default=True).order_by("pk")
)


def default_queue() -> Queue:
    queue = _DEFAULT_QUEUE.first() or Queue.objects.order_by("pk").first()
    if queue is None:
        queue, _ = Queue.objects.get_or_create(
            slug="support", defaults={"name": "Support", "is_default": True}
        )
    return queue


def _check_attachments(files: Sequence[UploadedFile]) -> None:
    limit = settings.ATTACHMENT_MAX_BYTES
    for upload in files:
        if upload.size is not None and upload.size > limit:
            raise AttachmentTooLarge(
                f"{upload.name} is {upload.size:,} bytes; attachments may be at most {limit:,}.",
                field="attachments",
            )


def _store_attachments(message: Message, files: Sequence[UploadedFile]) -> None:
    for upload in files:
        name = (upload.name or "attachment").replace("\x00", "")[-255:]
        Attachment.objects.create(
            message=message,
            file=upload,
            filename=name,
            content_type=(upload.content_type or "application/octet-stream")[:100],
            size=upload.size or 0,
        )


def _check_owner(owner: User | None, queue: Queue) -> None:
    if owner is None:
        return
    if not owner.is_active or not may_own_tickets(owner.role, current_license_model()):
        raise ValidationError(
            {"owner": f"{owner.email} cannot own tickets under the current license model."}
        )
    limited_to = set(owner.queues.values_list("pk", flat=True)) if owner.is_agent else set()
    if limited_to and queue.pk not in limited_to:
        raise ValidationError({"owner": f"{owner.email} does not work the {queue.name} queue."})


def open_ticket(
    *,
    requester: User,
    submitter: User,
    subject: str,
    body: str,
    channel: str,
    queue: Queue | None = None,
    priority: str = Ticket.Priority.NORMAL,
    organization: Organization | None = None,
    owner: User | None = None,
    attachments: Sequence[UploadedFile] = (),
    follows: Ticket | None = None,
    at: datetime | None = None,
    acknowledge: bool = True,
) -> Ticket:
    """Open a ticket for `requester`; `submitter` differs when logged on their behalf.
    `acknowledge=False` sends no acknowledgement (mail that must not be answered).

    Everything that only reads or checks happens before the transaction: on SQLite the
    transaction holds the desk's one write lock, so it should hold nothing but writes.
    """
    at = at or timezone.now()
    if submitter.pk != requester.pk and not may_submit_on_behalf(
        submitter.role, current_license_model()
    ):
        raise NotAllowed("Only agents may submit a ticket on someone else's behalf.")
    if not requester.is_active:
        raise ValidationError({"requester": f"{requester.email} is deactivated."})
    if organization is not None and requester.organization_id not in (None, organization.pk):
        raise ValidationError(
            {"organization": f"{requester.email} belongs to another organization."}
        )
    if channel not in Ticket.Channel.values:
        raise ValidationError({"channel": f"Unknown channel {channel!r}."})
    if priority not in Ticket.Priority.values:
        raise ValidationError({"priority": f"Unknown priority {priority!r}."})
    queue = queue or default_queue()
    _check_owner(owner, queue)
    _check_attachments(attachments)
    organization_id = organization.pk if organization else requester.organization_id
    contract, entitlement = contracts.entitlement_for(
        organization_id, requester, channel=channel, on=timezone.localdate(at)
    )
    ticket = Ticket(
        queue=queue,
        subject=clean_text(subject, field="subject", max_length=SUBJECT_MAX),
        body=clean_text(body, field="body", max_length=BODY_MAX),
        channel=channel,
        priority=priority,
        requester=requester,
        submitter=submitter,
        organization=organization or requester.organization,
        owner=owner,
        follows=follows,
        contract=contract,
        entitlement=entitlement,
        created_at=at,
        updated_at=at,
    )
    with transaction.atomic():
        ticket.save(force_insert=True)
        record_event(ticket, "created", by=submitter, at=at, channel=channel)
        if owner is not None:
            record_event(ticket, "assigned", by=submitter, at=at, before=None, after=owner.pk)
        if attachments:
            opening = Message.objects.create(
                ticket=ticket, author=submitter, body=ticket.body, channel=channel, created_at=at
            )
            _store_attachments(opening, attachments)
        if acknowledge:
            notifications.ticket_opened(ticket)
        if owner is not None:
            notifications.ticket_assigned(ticket, by=submitter)
    return ticket


@transaction.atomic
def open_ticket_for_contact(
    email: str, *, name: str = "", source: str, submitter: User | None = None, **fields: Any
) -> Ticket:
    """Open a ticket for whoever owns `email`, creating them as a contact when unknown.

    One transaction: a refused ticket leaves no stray contact behind.
    """
    contact = find_or_create_contact(email, name=name, source=source).user
    return open_ticket(requester=contact, submitter=submitter or contact, **fields)


def _move(ticket: Ticket, target: str, *, by: User | None, at: datetime) -> None:
    """The one door for status changes: check, stamp, save, record."""
    try:
        workflow.check(ticket.status, target)
    except workflow.TransitionRefused as exc:
        raise TransitionRefused(str(exc), field="status") from None
    stamps = workflow.stamps_for(ticket.status, target)
    previous = ticket.status
    ticket.status = target
    fields = ["status", "updated_at"]
    if stamps.resolved is not None:
        ticket.resolved_at = at if stamps.resolved else None
        fields.append("resolved_at")
    if stamps.closed is not None:
        ticket.closed_at = at if stamps.closed else None
        fields.append("closed_at")
    ticket.updated_at = at
    ticket.save(update_fields=fields)
    record_event(ticket, "status", by=by, at=at, before=previous, after=target)


def _lock(ticket: Ticket) -> Ticket:
    """Re-read the ticket under a row lock so concurrent changes queue, not overwrite."""
    fresh = Ticket.objects.select_for_update().get(pk=ticket.pk)
    for field in (
        "status",
        "owner_id",
        "resolved_at",
        "closed_at",
        "first_response_at",
        "priority",
        "cause",
        "updated_at",
    ):
        setattr(ticket, field, getattr(fresh, field))
    return ticket


@transaction.atomic
def change_status(ticket: Ticket, *, to: str, by: User, at: datetime | None = None) -> Ticket:
    """Move a ticket (agents), stamping resolved/closed times and notifying on resolution."""
    at = at or timezone.now()
    if not by.is_agent:
        raise NotAllowed("Only agents change a ticket's status.")
    if to not in Ticket.Status.values:
        raise ValidationError({"status": f"Unknown status {to!r}."})
    _lock(ticket)
    if ticket.status == to:
        return ticket
    _move(ticket, to, by=by, at=at)
    if to in (Ticket.Status.RESOLVED, Ticket.Status.CLOSED):
        contracts.consume_incident(ticket, at=at)  # once per ticket, however often resolved
    if to == Ticket.Status.RESOLVED:
        notifications.ticket_resolved(ticket)
    return ticket


@transaction.atomic
def assign_ticket(
    ticket: Ticket, *, owner: User | None, by: User, at: datetime | None = None
) -> Ticket:
    """Give the ticket to `owner` (None: back to unassigned) and tell the new owner."""
    at = at or timezone.now()
    if not by.is_agent:
        raise NotAllowed("Only agents assign tickets.")
    _check_owner(owner, ticket.queue)
    _lock(ticket)
    new_id = owner.pk if owner else None
    if ticket.owner_id == new_id:
        return ticket
    before = ticket.owner_id
    ticket.owner, ticket.updated_at = owner, at
    ticket.save(update_fields=["owner", "updated_at"])
    record_event(ticket, "assigned", by=by, at=at, before=before, after=new_id)
    if owner is not None and owner.pk != by.pk:
        notifications.ticket_assigned(ticket, by=by)
    return ticket


def _set_field(ticket: Ticket, field: str, value: str, *, by: User, at: datetime) -> Ticket:
    """Change one plain property under the row lock, recording an event when it changes."""
    _lock(ticket)
    before = getattr(ticket, field)
    if before != value:
        setattr(ticket, field, value)
        ticket.updated_at = at
        ticket.save(update_fields=[field, "updated_at"])
        record_event(ticket, field, by=by, at=at, before=before, after=value)
    return ticket


@transaction.atomic
def set_priority(ticket: Ticket, *, priority: str, by: User, at: datetime | None = None) -> Ticket:
    if not by.is_agent:
        raise NotAllowed("Only agents change the priority.")
    if priority not in Ticket.Priority.values:
        raise ValidationError({"priority": f"Unknown priority {priority!r}."})
    return _set_field(ticket, "priority", priority, by=by, at=at or timezone.now())


@transaction.atomic
def set_cause(ticket: Ticket, *, cause: str, by: User, at: datetime | None = None) -> Ticket:
    """Record why the customer needed help; contracts waive charges for some causes."""
    if not by.is_agent:
        raise NotAllowed("Only agents record the cause.")
    if cause and cause not in Ticket.Cause.values:
        raise ValidationError({"cause": f"Unknown cause {cause!r}."})
    return _set_field(ticket, "cause", cause, by=by, at=at or timezone.now())


@dataclass(frozen=True)
class Reply:
    """Where a public reply landed: the message, or a new follow-up ticket of a closed one."""

    ticket: Ticket
    message: Message | None
    is_follow_up: bool = False


@transaction.atomic
def post_reply(
    ticket: Ticket,
    *,
    author: User,
    body: str,
    channel: str = Ticket.Channel.WEB,
    attachments: Sequence[UploadedFile] = (),
    at: datetime | None = None,
) -> Reply:
    """A public reply. An agent's first one stamps the first response; a customer's reopens
    a pending or resolved ticket, and on a closed ticket opens a new linked one."""
    at = at or timezone.now()
    text = clean_text(body, field="body", max_length=BODY_MAX)
    _check_attachments(attachments)
    _lock(ticket)
    if ticket.status == Ticket.Status.CLOSED:
        if author.is_agent:
            raise TransitionRefused(
                "This ticket is closed; open a new one instead.", field="status"
            )
        follow_up = open_ticket(
            requester=author,
            submitter=author,
            subject=ticket.subject,
            body=text,
            channel=channel,
            queue=ticket.queue,
            organization=ticket.organization,
            attachments=attachments,
            follows=ticket,
            at=at,
        )
        record_event(ticket, "followed_up", by=author, at=at, follow_up=follow_up.pk)
        return Reply(ticket=follow_up, message=None, is_follow_up=True)
    message = Message.objects.create(
        ticket=ticket, author=author, body=text, channel=channel, created_at=at
    )
    _store_attachments(message, attachments)
    fields = ["updated_at"]
    if author.is_agent:
        if ticket.first_response_at is None:
            ticket.first_response_at = at
            fields.append("first_response_at")
        target = workflow.status_after_agent_reply(ticket.status)
    else:
        target = workflow.status_after_customer_reply(ticket.status)
    ticket.updated_at = at
    ticket.save(update_fields=fields)
    if target:
        _move(ticket, target, by=author, at=at)
    record_event(ticket, "replied", by=author, at=at, message=message.pk)
    notifications.reply_posted(message)
    return Reply(ticket=ticket, message=message)


@transaction.atomic
def post_note(
    ticket: Ticket,
    *,
    author: User,
    body: str,
    channel: str = Ticket.Channel.WEB,
    attachments: Sequence[UploadedFile] = (),
    at: datetime | None = None,
) -> Message:
    """An internal note: agents only, never shown or sent to a customer."""
    at = at or timezone.now()
    if not author.is_agent:
        raise NotAllowed("Only agents write internal notes.")
    text = clean_text(body, field="body", max_length=BODY_MAX)
    _check_attachments(attachments)
    message = Message.objects.create(
        ticket=ticket,
        author=author,
        body=text,
        is_internal=True,
        channel=channel,
        created_at=at,
    )
    _store_attachments(message, attachments)
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=at)
    record_event(ticket, "noted", by=author, at=at, message=message.pk)
    return message


@transaction.atomic
def rate_ticket(
    ticket: Ticket, *, by: User, score: int, comment: str = "", at: datetime | None = None
) -> Rating:
    """The requester's 1-5 rating of the current resolution; once per resolution."""
    at = at or timezone.now()
    _lock(ticket)
    if by.pk != ticket.requester_id:
        raise NotAllowed("Only the requester rates a ticket.")
    if ticket.status != Ticket.Status.RESOLVED or ticket.resolved_at is None:
        raise RatingRefused("Only a resolved ticket can be rated.", field="score")
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationError({"score": "A rating is a whole number from 1 to 5."})
    text = clean_text(comment, field="comment", max_length=5000, required=False)
    try:
        with transaction.atomic():  # the unique constraint settles two ratings at once
            rating = Rating.objects.create(
                ticket=ticket,
                resolved_at=ticket.resolved_at,
                score=score,
                comment=text,
                rated_by=by,
                created_at=at,
            )
    except IntegrityError:
        raise RatingRefused("This resolution has been rated already.", field="score") from None
    record_event(ticket, "rated", by=by, at=at, score=score)
    return rating


@transaction.atomic
def bulk_assign(tickets: Sequence[Ticket], *, owner: User | None, by: User) -> int:
    """Assign many tickets at once, each through the same door as one."""
    at = timezone.now()
    for ticket in sorted(tickets, key=lambda t: t.pk):  # locks in one order: no deadlocks
        assign_ticket(ticket, owner=owner, by=by, at=at)
    return len(tickets)


@transaction.atomic
def bulk_close(tickets: Sequence[Ticket], *, by: User) -> int:
    """Close many tickets; all or none when one of them cannot be closed."""
    at = timezone.now()
    for ticket in sorted(tickets, key=lambda t: t.pk):  # locks in one order: no deadlocks
        change_status(ticket, to=Ticket.Status.CLOSED, by=by, at=at)
    return len(tickets)


_UNSET = object()


@transaction.atomic
def update_ticket(
    ticket: Ticket,
    *,
    by: User,
    status: str | None = None,
    priority: str | None = None,
    cause: str | None = None,
    owner: User | object | None = _UNSET,
    at: datetime | None = None,
) -> Ticket:
    """Apply several property changes at once (API PATCH): all of them or none."""
    at = at or timezone.now()
    if not by.is_agent:
        raise NotAllowed("Only agents change a ticket.")
    if owner is not _UNSET:
        assign_ticket(ticket, owner=owner, by=by, at=at)  # type: ignore[arg-type]
    if priority is not None:
        set_priority(ticket, priority=priority, by=by, at=at)
    if cause is not None:
        set_cause(ticket, cause=cause, by=by, at=at)
    if status is not None:
        change_status(ticket, to=status, by=by, at=at)
    return ticket
