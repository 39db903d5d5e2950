"""Inbound mail: stored first, then one ticket or reply per message, threaded safely."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from django.core import mail as outbox

from deskpact.accounts.models import User
from deskpact.core.models import AuditEntry
from deskpact.mail import inbound
from deskpact.mail.models import InboundMessage, OutgoingMail
from deskpact.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db
Status = InboundMessage.Status


def raw_mail(
    *,
    sender: str = "Alice <alice@acme.example>",
    subject: str = "Printer on fire",
    body: str = "It smokes.",
    message_id: str | None = "<m1@acme.example>",
    **headers: str,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "support@deskpact.localhost"
    msg["Subject"] = subject
    if message_id:
        msg["Message-ID"] = message_id
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes()


def deliver(raw: bytes) -> InboundMessage:
    stored = inbound.receive(raw, kind="pipe", process_later=False)
    inbound.process(stored.pk)
    stored.refresh_from_db()
    return stored


def ticket_of(stored: InboundMessage) -> Ticket:
    assert stored.ticket is not None, stored.outcome
    return stored.ticket


def test_a_new_message_is_stored_raw_and_becomes_a_ticket(customer: User) -> None:
    raw = raw_mail()
    stored = deliver(raw)
    assert bytes(stored.raw) == raw and stored.size == len(raw)
    assert (stored.status, stored.outcome) == (Status.PROCESSED, "ticket")
    ticket = stored.ticket
    assert ticket is not None
    assert (ticket.subject, ticket.body, ticket.channel) == (
        "Printer on fire",
        "It smokes.",
        "email",
    )
    assert ticket.requester == customer
    assert OutgoingMail.objects.filter(ticket=ticket, kind="acknowledgement").count() == 1


def test_the_same_message_twice_makes_one_ticket(customer: User) -> None:
    first = deliver(raw_mail())
    second = deliver(raw_mail())
    assert Ticket.objects.count() == 1
    assert (second.status, second.outcome, second.ticket_id) == (
        Status.IGNORED,
        "duplicate",
        first.ticket_id,
    )


def test_another_message_reusing_a_message_id_is_kept_and_flagged(customer: User) -> None:
    deliver(raw_mail())
    other = deliver(raw_mail(body="Something else entirely.", subject="VPN"))
    assert other.status == Status.PROCESSED and "message_id_reused" in other.flags
    assert Ticket.objects.count() == 2


def test_a_reply_threads_by_in_reply_to_onto_the_ticket(customer: User) -> None:
    ticket = ticket_of(deliver(raw_mail()))
    sent = OutgoingMail.objects.get(ticket=ticket)
    reply = deliver(
        raw_mail(
            subject="Re: your request",
            body="Still smoking.\n\nOn Mon, 2 Nov 2026, Deskpact wrote:\n> we have received",
            message_id="<m2@acme.example>",
            In_Reply_To=sent.message_id,
        )
    )
    assert (reply.outcome, reply.ticket_id) == ("reply", ticket.pk)
    message = Message.objects.get(pk=reply.ticket_message_id or 0)
    assert message.body == "Still smoking."  # quoted history trimmed


def test_a_reply_threads_by_the_subject_key_alone(customer: User) -> None:
    ticket = ticket_of(deliver(raw_mail()))
    reply = deliver(raw_mail(subject=f"Re: [{ticket.key}] Printer", message_id="<m3@acme.example>"))
    assert (reply.outcome, reply.ticket_id) == ("reply", ticket.pk)


def test_a_forged_key_for_another_organizations_ticket_opens_a_new_ticket(
    customer: User, other_customer: User
) -> None:
    theirs = ticket_of(
        deliver(raw_mail(sender="bob@globex.example", message_id="<b1@globex.example>"))
    )
    forged = deliver(raw_mail(subject=f"Re: [{theirs.key}]", message_id="<m4@acme.example>"))
    assert forged.outcome == "ticket" and forged.ticket_id != theirs.pk
    assert "thread_refused" in forged.flags
    assert not Message.objects.filter(ticket=theirs).exists()


def test_an_unknown_sender_becomes_a_contact_of_the_domains_organization(acme: object) -> None:
    stored = deliver(raw_mail(sender="Carol <Carol@ACME.example>"))
    carol = User.objects.get(email="carol@acme.example")
    assert carol.organization == acme and not carol.has_usable_password()
    assert stored.ticket is not None and stored.ticket.requester == carol


def test_auto_submitted_mail_gets_no_acknowledgement(customer: User) -> None:
    stored = deliver(raw_mail(Auto_Submitted="auto-generated"))
    assert stored.outcome == "ticket"
    assert not OutgoingMail.objects.filter(ticket=stored.ticket).exists()


@pytest.mark.parametrize("precedence", ["bulk", "junk", "list"])
def test_bulk_mail_gets_no_acknowledgement(customer: User, precedence: str) -> None:
    stored = deliver(raw_mail(Precedence=precedence))
    assert not OutgoingMail.objects.filter(ticket=stored.ticket).exists()


def test_an_out_of_office_answer_neither_reopens_nor_appends(customer: User) -> None:
    ticket = ticket_of(deliver(raw_mail()))
    away = deliver(
        raw_mail(
            subject=f"Automatic reply: [{ticket.key}]",
            message_id="<ooo@acme.example>",
            Auto_Submitted="auto-replied",
        )
    )
    assert (away.status, away.outcome) == (Status.IGNORED, "auto_reply")
    assert not Message.objects.filter(ticket=ticket).exists()


def test_mail_from_the_desks_own_address_is_ignored(customer: User) -> None:
    stored = deliver(raw_mail(sender="Deskpact <support@deskpact.localhost>"))
    assert (stored.status, stored.outcome) == (Status.IGNORED, "own_address")
    assert not Ticket.objects.exists()


def test_a_bounce_is_recorded_against_the_user_not_made_a_ticket(customer: User) -> None:
    stored = deliver(
        raw_mail(
            sender="MAILER-DAEMON@mx.acme.example",
            subject="Undelivered Mail Returned to Sender",
            X_Failed_Recipients="alice@acme.example",
        )
    )
    assert (stored.status, stored.outcome) == (Status.IGNORED, "bounce")
    assert not Ticket.objects.exists()
    assert AuditEntry.objects.filter(action="mail.bounced", object_id=str(customer.pk)).exists()


def test_headers_the_desk_uses_internally_are_stripped(customer: User) -> None:
    raw = raw_mail(X_Deskpact_Ticket="DP-1")
    assert b"X-Deskpact-Ticket" in raw
    cleaned = inbound.INTERNAL_HEADER.sub(b"", raw)
    assert b"X-Deskpact" not in cleaned and b"Subject: Printer on fire" in cleaned


def test_an_empty_message_is_refused_and_nothing_stored() -> None:
    with pytest.raises(inbound.MessageRefused) as refused:
        inbound.receive(b"", kind="pipe")
    assert refused.value.field == "message"
    assert not InboundMessage.objects.exists()


def test_an_oversize_message_is_refused(settings: object) -> None:
    settings.DESKPACT_MAIL_MAX_BYTES = 1000  # type: ignore[attr-defined]
    with pytest.raises(inbound.MessageTooLarge):
        inbound.receive(raw_mail(body="x" * 2000), kind="pipe")
    assert not InboundMessage.objects.exists()


def test_an_oversize_attachment_is_dropped_with_a_note(
    customer: User, admin_user: User, settings: object
) -> None:
    settings.ATTACHMENT_MAX_BYTES = 100  # type: ignore[attr-defined]
    msg = EmailMessage()
    msg["From"], msg["Subject"], msg["Message-ID"] = "alice@acme.example", "Logs", "<a@x>"
    msg.set_content("Logs attached.")
    msg.add_attachment(
        b"a" * 500, maintype="application", subtype="octet-stream", filename="big.log"
    )
    msg.add_attachment(b"small", maintype="text", subtype="plain", filename="small.txt")
    stored = deliver(msg.as_bytes())
    assert stored.status == Status.PROCESSED
    note = Message.objects.get(ticket=stored.ticket, is_internal=True)
    assert "big.log (500 bytes)" in note.body
    names = [a.filename for m in ticket_of(stored).messages.all() for a in m.attachments.all()]
    assert names == ["small.txt"]


def test_a_message_that_fails_is_kept_with_its_error_and_retried(customer: User) -> None:
    stored = inbound.receive(raw_mail(), kind="pipe", process_later=False)
    customer.is_active = False  # the requester is deactivated: opening the ticket fails
    customer.save()
    inbound.process(stored.pk)
    stored.refresh_from_db()
    assert stored.status == Status.FAILED and "deactivated" in stored.error
    assert stored.attempts == 1 and stored.next_attempt_at is not None
    assert not Ticket.objects.exists()
    customer.is_active = True
    customer.save()
    InboundMessage.objects.filter(pk=stored.pk).update(next_attempt_at=stored.received_at)
    inbound.process(stored.pk)
    stored.refresh_from_db()
    assert (stored.status, stored.attempts) == (Status.PROCESSED, 2)


def test_outgoing_mail_names_the_desk_in_x_loop(customer: User) -> None:
    from deskpact.mail.tasks import send_outgoing_mail

    ticket = ticket_of(deliver(raw_mail()))
    sent = OutgoingMail.objects.get(ticket=ticket)
    send_outgoing_mail.call(outgoing_id=sent.pk)
    assert outbox.outbox[-1].extra_headers["X-Loop"] == "deskpact.localhost"


def test_a_flood_of_new_senders_from_one_domain_is_held_not_dropped(
    acme: object, settings: object
) -> None:
    settings.DESKPACT_NEW_SENDERS_PER_DOMAIN_PER_HOUR = 2  # type: ignore[attr-defined]
    outcomes = [
        deliver(raw_mail(sender=f"bot{n}@acme.example", message_id=f"<f{n}@acme.example>"))
        for n in range(3)
    ]
    assert [m.outcome for m in outcomes] == ["ticket", "ticket", "sender_domain_limited"]
    held = outcomes[-1]
    assert held.status == Status.HELD and "acme.example" in held.error
    assert not User.objects.filter(email="bot2@acme.example").exists()
    assert bytes(held.raw).startswith(b"From: bot2@acme.example")


def test_known_senders_are_never_held_by_the_new_sender_limit(
    customer: User, settings: object
) -> None:
    settings.DESKPACT_NEW_SENDERS_PER_DOMAIN_PER_HOUR = 0  # type: ignore[attr-defined]
    assert deliver(raw_mail()).outcome == "ticket"
