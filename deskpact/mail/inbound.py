"""Inbound mail, one pipeline for every source: store the raw message, then process it.

`receive` commits the raw bytes and nothing else, so a source may acknowledge the message
(SMTP 250, IMAP flag, exit 0) the moment it returns. `process` turns a stored message into
a ticket or a reply; a failure is kept with its error and retried later with back-off.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from deskpact.accounts.contacts import find_contact, find_or_create_contact
from deskpact.accounts.models import User
from deskpact.core.errors import DomainError
from deskpact.core.tasks import enqueue
from deskpact.mail import loops, parsing, trimming
from deskpact.mail.models import InboundMessage, MailSource, OutgoingMail
from deskpact.tickets import selectors
from deskpact.tickets import services as tickets
from deskpact.tickets.models import Queue, Ticket

Status = InboundMessage.Status
SUBJECT_KEY = re.compile(r"\[?\bDP-(\d{1,18})\b\]?", re.IGNORECASE)
# Headers only the desk itself may set; a sender's copies are removed before reading.
INTERNAL_HEADER = re.compile(rb"^X-Deskpact-[^:]*:.*(?:\r?\n[ \t].*)*\r?\n", re.IGNORECASE | re.M)
BACKOFF_MINUTES = (1, 5, 15, 60, 240, 720)


class MessageRefused(DomainError):
    code = "message_refused"
    status = 400


class MessageTooLarge(DomainError):
    code = "message_too_large"
    status = 413


def max_message_bytes() -> int:
    return int(settings.DESKPACT_MAIL_MAX_BYTES)


def _header_value(raw: bytes, name: bytes) -> str:
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    match = re.search(rb"^" + name + rb":[ \t]*(.*(?:\r?\n[ \t].*)*)", head, re.I | re.M)
    if not match:
        return ""
    # A NUL byte in a header would stop PostgreSQL from storing the message at all.
    return " ".join(match.group(1).decode("utf-8", "replace").replace("\x00", "").split())


def receive(
    raw: bytes,
    *,
    source: MailSource | None = None,
    kind: str = MailSource.Kind.IMPORT,
    ref: str = "",
    at: datetime | None = None,
    process_later: bool = True,
) -> InboundMessage:
    """Store one raw message (committed when this returns) and queue its processing."""
    if not raw or not raw.strip():
        raise MessageRefused("The message is empty.", field="message")
    if len(raw) > max_message_bytes():
        raise MessageTooLarge(
            f"The message is {len(raw):,} bytes; the desk takes at most {max_message_bytes():,}.",
            field="message",
        )
    digest = hashlib.sha256(raw).hexdigest()
    ids = parsing.MESSAGE_ID.findall(_header_value(raw, b"Message-ID"))
    message_id = ids[0][:998] if ids else ""
    with transaction.atomic():
        inbound = InboundMessage.objects.create(
            source=source,
            source_kind=source.kind if source else kind,
            source_ref=ref[:255],
            raw=raw,
            size=len(raw),
            digest=digest,
            message_id=message_id,
            dedupe_key=message_id or f"<{digest}@sha256>",
            sender=_header_value(raw, b"From")[:254],
            subject=_header_value(raw, b"Subject")[:255],
            received_at=at or timezone.now(),
        )
        if process_later:
            from deskpact.mail.tasks import process_inbound_task

            enqueue(process_inbound_task, inbound_id=inbound.pk)
    return inbound


@dataclass(frozen=True)
class Outcome:
    status: str
    outcome: str
    ticket: Ticket | None = None
    message_id: int | None = None
    error: str = ""


def claim(inbound_id: int, *, at: datetime) -> bool:
    """Take a stored message for processing; False when another worker has it or it is done."""
    stale = at - timedelta(minutes=10)  # a worker that died mid-way lets go after this
    claimable = (
        Q(status=Status.RECEIVED)
        | Q(status=Status.FAILED)
        | Q(status=Status.PROCESSING, next_attempt_at__lt=stale)
    )
    from django.db.models import F

    return bool(
        InboundMessage.objects.filter(claimable, pk=inbound_id).update(
            status=Status.PROCESSING, attempts=F("attempts") + 1, next_attempt_at=at
        )
    )


def process(inbound_id: int, *, at: datetime | None = None) -> Outcome | None:
    """Turn a stored message into a ticket or a reply (once), or record why it was not."""
    at = at or timezone.now()
    if not claim(inbound_id, at=at):
        return None
    inbound = InboundMessage.objects.select_related("source__queue").get(pk=inbound_id)
    try:
        outcome = _process(inbound, at=at)
    except Exception as exc:  # kept with its error and retried; nothing half-written
        attempts = inbound.attempts
        wait = BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1]
        InboundMessage.objects.filter(pk=inbound.pk).update(
            status=Status.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:5000],
            next_attempt_at=at + timedelta(minutes=wait),
        )
        return Outcome(Status.FAILED, "error", error=str(exc))
    return outcome


def _finish(
    inbound: InboundMessage, outcome: Outcome, *, at: datetime, key: str, flags: list[str]
) -> None:
    InboundMessage.objects.filter(pk=inbound.pk).update(
        status=outcome.status,
        outcome=outcome.outcome,
        error=outcome.error,
        dedupe_key=key,
        flags=flags,
        processed_at=at,
        next_attempt_at=None,
        ticket=outcome.ticket,
        ticket_message_id=outcome.message_id,
    )


_DESK_ADDRESSES: tuple[float, frozenset[str]] | None = None
DESK_ADDRESSES_SECONDS = 30  # a new queue address is recognised within this


def desk_addresses() -> frozenset[str]:
    """The desk's own addresses (queues, mail sources, the sender of its mail), read at most
    every DESK_ADDRESSES_SECONDS per process: every inbound message asks."""
    global _DESK_ADDRESSES
    now = time.monotonic()
    if _DESK_ADDRESSES is None or now - _DESK_ADDRESSES[0] > DESK_ADDRESSES_SECONDS:
        _DESK_ADDRESSES = (now, frozenset(_read_desk_addresses()))
    return _DESK_ADDRESSES[1]


def forget_desk_addresses() -> None:
    global _DESK_ADDRESSES
    _DESK_ADDRESSES = None


def _read_desk_addresses() -> set[str]:
    from email.utils import parseaddr

    addresses = {
        a.lower()
        for a in Queue.objects.exclude(email_address=None).values_list("email_address", flat=True)
        if a
    }
    addresses |= {a.lower() for a in MailSource.objects.values_list("address", flat=True)}
    addresses.add(parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower())
    return addresses


def _process(inbound: InboundMessage, *, at: datetime) -> Outcome:
    raw = INTERNAL_HEADER.sub(b"", bytes(inbound.raw))
    mail = parsing.parse(raw)
    flags = list(mail.problems[:20])
    key = inbound.dedupe_key
    earlier = (
        InboundMessage.objects.filter(dedupe_key=key, status=Status.PROCESSED)
        .exclude(pk=inbound.pk)
        .first()
    )
    if earlier is not None:
        if earlier.digest == inbound.digest or _same_content(earlier, mail):
            outcome = Outcome(Status.IGNORED, "duplicate", ticket=earlier.ticket)
            _finish(inbound, outcome, at=at, key=key, flags=flags)
            return outcome
        # Another message reusing a known Message-ID: kept, flagged, processed on its own.
        flags.append("message_id_reused")
        key = f"{key}#{inbound.digest}"
    own = desk_addresses()
    if loops.is_bounce(mail):
        outcome = Outcome(Status.IGNORED, "bounce")
        _record_bounce(mail)
    elif mail.from_address in own:
        outcome = Outcome(Status.IGNORED, "own_address")
    elif not mail.from_address:
        outcome = Outcome(Status.IGNORED, "no_sender", error="The message names no sender.")
    else:
        outcome = _to_ticket(inbound, mail, at=at, own=own, key=key, flags=flags)
        if outcome.status != Status.PROCESSED:
            _finish(inbound, outcome, at=at, key=key, flags=flags)
        return outcome
    _finish(inbound, outcome, at=at, key=key, flags=flags)
    return outcome


def _same_content(earlier: InboundMessage, mail: parsing.ParsedMail) -> bool:
    then = parsing.parse(bytes(earlier.raw))
    return then.from_address == mail.from_address and then.text.strip() == mail.text.strip()


def _record_bounce(mail: parsing.ParsedMail) -> None:
    for address in loops.bounced_addresses(mail):
        user = User.objects.filter(email__iexact=address).first()
        if user is not None:
            from deskpact.core import audit

            audit.record("mail.bounced", user, actor=None, after={"address": address})


def find_thread(mail: parsing.ParsedMail) -> Ticket | None:
    """The ticket a message answers: by its In-Reply-To/References, then the subject key."""
    ids = [*mail.in_reply_to, *reversed(mail.references)][:50]
    if ids:
        sent = (
            OutgoingMail.objects.filter(message_id__in=ids)
            .exclude(ticket=None)
            .values_list("ticket_id", flat=True)
            .first()
        )
        if sent:
            return Ticket.objects.filter(pk=sent).first()
        got = (
            InboundMessage.objects.filter(message_id__in=ids, status=Status.PROCESSED)
            .exclude(ticket=None)
            .values_list("ticket_id", flat=True)
            .first()
        )
        if got:
            return Ticket.objects.filter(pk=got).first()
    match = SUBJECT_KEY.search(mail.subject)
    if match:
        return Ticket.objects.filter(pk=int(match.group(1))).first()
    return None


def _attachments(mail: parsing.ParsedMail) -> tuple[list[SimpleUploadedFile], list[str]]:
    limit = settings.ATTACHMENT_MAX_BYTES
    kept, dropped = [], []
    for part in mail.parts:
        if len(part.data) > limit:
            dropped.append(f"{part.filename} ({len(part.data):,} bytes)")
            continue
        kept.append(SimpleUploadedFile(part.filename, part.data, part.content_type))
    return kept, dropped


def _to_ticket(
    inbound: InboundMessage,
    mail: parsing.ParsedMail,
    *,
    at: datetime,
    own: frozenset[str],
    key: str,
    flags: list[str],
) -> Outcome:
    from deskpact.licensing.errors import NoSeatFree

    if _new_senders_exceeded(mail.from_address, at=at):  # one lookup of the sender
        domain = mail.from_address.rsplit("@", 1)[-1]
        return Outcome(
            Status.HELD,
            "sender_domain_limited",
            error=(
                f"Held: more than {settings.DESKPACT_NEW_SENDERS_PER_DOMAIN_PER_HOUR} new "
                f"senders from {domain} in the last hour; retry it once the sender is known good."
            ),
        )
    try:
        contact = find_or_create_contact(mail.from_address, name=mail.from_name, source="email")
    except NoSeatFree as exc:
        return Outcome(Status.HELD, "no_seat", error=f"Held: {exc.message}")
    except ValidationError as exc:
        return Outcome(Status.IGNORED, "bad_sender", error="; ".join(exc.messages))
    user = contact.user
    quiet = loops.no_auto_reply_reason(mail, desk_addresses=own, loop_name=loop_name())
    files, dropped = _attachments(mail)
    thread = find_thread(mail)
    if thread is not None and not selectors.tickets_visible_to(user).filter(pk=thread.pk).exists():
        flags.append("thread_refused")  # a forged key or reference: a new ticket instead
        thread = None
    # Only a new ticket is acknowledged: only then does the hourly cap need counting.
    if thread is None and not quiet and _auto_replies_exceeded(mail.from_address, at=at):
        quiet = "automatic replies to this sender are over the hourly limit"
    if thread is not None and loops.is_auto_reply(mail):
        # An out-of-office answering our mail: kept, but it neither reopens nor appends.
        return Outcome(Status.IGNORED, "auto_reply", ticket=thread)
    queue = inbound.source.queue if inbound.source else None
    try:
        with transaction.atomic():
            if thread is not None:
                reply = tickets.post_reply(
                    thread,
                    author=user,
                    body=trimming.trim_reply(mail.text) or "(no text)",
                    channel=Ticket.Channel.EMAIL,
                    attachments=files,
                    at=at,
                )
                ticket, message_pk, what = (
                    reply.ticket,
                    (reply.message.pk if reply.message else None),
                    "reply",
                )
            else:
                ticket = tickets.open_ticket(
                    requester=user,
                    submitter=user,
                    subject=(mail.subject or "(no subject)")[:200],
                    body=mail.text or "(no text)",
                    channel=Ticket.Channel.EMAIL,
                    queue=queue,
                    attachments=files,
                    at=at,
                    acknowledge=not quiet,
                )
                message_pk, what = None, "ticket"
            if dropped:
                tickets.post_note(
                    ticket,
                    author=_system_author(),
                    body="Attachments over the size limit were dropped: " + ", ".join(dropped),
                    at=at,
                )
            outcome = Outcome(Status.PROCESSED, what, ticket=ticket, message_id=message_pk)
            _finish(inbound, outcome, at=at, key=key, flags=flags)
    except IntegrityError:
        # Another worker processed the same message first: its ticket stands, ours is undone
        # and this row says so (left "processing", it would be taken up again later).
        first = InboundMessage.objects.filter(dedupe_key=key, status=Status.PROCESSED).first()
        if first is None:  # not the at-most-once constraint: fail and retry
            raise
        outcome = Outcome(Status.IGNORED, "duplicate", ticket=first.ticket)
        _finish(inbound, outcome, at=at, key=key, flags=flags)
    return outcome


def _system_author() -> User:
    author = User.objects.filter(role=User.Role.ADMIN, is_active=True).order_by("pk").first()
    if author is None:
        raise MessageRefused("The desk has no admin to record the note as.", field="author")
    return author


def loop_name() -> str:
    return settings.DESKPACT_MAIL_DOMAIN


def _new_senders_exceeded(address: str, *, at: datetime) -> bool:
    """A flood of unknown senders from one domain: new contacts are capped per hour."""
    try:
        if find_contact(address) is not None:
            return False
    except ValidationError:
        return False  # not an address: refused as a bad sender next
    domain = address.rsplit("@", 1)[-1]
    created = User.objects.filter(
        email__endswith=f"@{domain}", role=User.Role.USER, created_at__gte=at - timedelta(hours=1)
    ).count()
    return created >= int(settings.DESKPACT_NEW_SENDERS_PER_DOMAIN_PER_HOUR)


def _auto_replies_exceeded(address: str, *, at: datetime) -> bool:
    cap = int(settings.DESKPACT_AUTO_REPLIES_PER_HOUR)
    sent = OutgoingMail.objects.filter(
        to_email=address, is_automatic=True, created_at__gte=at - timedelta(hours=1)
    ).count()
    return sent >= cap


def due_for_retry(*, at: datetime, limit: int = 100) -> list[int]:
    """Failed messages whose back-off has passed, and stored ones never picked up."""
    rows = InboundMessage.objects.filter(
        Q(status=Status.FAILED, next_attempt_at__lte=at, attempts__lt=len(BACKOFF_MINUTES) + 1)
        | Q(status=Status.RECEIVED, received_at__lte=at - timedelta(minutes=5))
    )
    return list(rows.order_by("received_at").values_list("pk", flat=True)[:limit])


@transaction.atomic
def retry(inbound: InboundMessage, *, by: User) -> None:
    """An admin sends a failed or held message through processing again."""
    if inbound.status not in (Status.FAILED, Status.HELD):
        raise MessageRefused("Only failed or held messages can be retried.", field="status")
    InboundMessage.objects.filter(pk=inbound.pk).update(
        status=Status.RECEIVED, next_attempt_at=None
    )
    from deskpact.mail.tasks import process_inbound_task

    enqueue(process_inbound_task, inbound_id=inbound.pk)


@transaction.atomic
def discard(inbound: InboundMessage, *, by: User) -> None:
    """An admin gives up on a failed or held message; it stays stored, marked ignored."""
    if inbound.status not in (Status.FAILED, Status.HELD):
        raise MessageRefused("Only failed or held messages can be discarded.", field="status")
    InboundMessage.objects.filter(pk=inbound.pk).update(
        status=Status.IGNORED, outcome="discarded", processed_at=timezone.now()
    )
