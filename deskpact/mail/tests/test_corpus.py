"""The inbound corpus: real-shaped messages (tests/corpus/*.eml), each with its outcome.

Every file goes through the one pipeline (`inbound.receive` then `inbound.process`) on a
desk where Alice (acme.example) and Bob (globex.example) are known customers. Threading
cases first deliver plain_text.eml; `DP-424242` in a file stands for the ticket it opened
and `<ack@deskpact.localhost>` for the desk's acknowledgement of it.
"""

from __future__ import annotations

import email
import email.policy
import os
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from django.core import mail as outbox

from deskpact.accounts.models import Organization, User
from deskpact.core.models import AuditEntry
from deskpact.licensing import services as licensing
from deskpact.licensing.policy import LicenseModel
from deskpact.mail import inbound, parsing
from deskpact.mail.models import InboundMessage, OutgoingMail
from deskpact.mail.tasks import send_outgoing_mail
from deskpact.testing.licenses import IssueKey
from deskpact.tickets.models import Attachment, Message, Ticket

pytestmark = pytest.mark.django_db
Status = InboundMessage.Status
CORPUS = Path(__file__).resolve().parent / "corpus"
ORIGINAL = "plain_text.eml"
ALICE = "alice@acme.example"


@dataclass(frozen=True)
class Expect:
    """What one corpus message must become."""

    status: str
    outcome: str
    after: tuple[str, ...] = ()  # delivered first (the ticket a reply belongs to)
    subject: str = ""  # the ticket's subject, exactly
    text: tuple[str, ...] = ()  # in the new ticket's body, or the reply's
    exact_text: str = ""  # the whole body, e.g. of a trimmed reply
    not_text: tuple[str, ...] = ()
    attachments: tuple[tuple[str, str], ...] = ()  # (filename, content type), sorted
    flags: tuple[str, ...] = ()  # each a substring of one stored flag
    acknowledged: bool | None = None
    requester: str = ALICE


TICKET = (Status.PROCESSED, "ticket")
REPLY = (Status.PROCESSED, "reply")

CASES: dict[str, Expect] = {
    # plain and structured
    "plain_text.eml": Expect(
        *TICKET, subject="VPN drops every hour", text=("drops every hour on the hour",)
    ),
    "plain_crlf_folded.eml": Expect(
        *TICKET,
        subject="The printer on the third floor prints only blank pages",
        text=("every page comes out blank",),
        acknowledged=True,
    ),
    "multipart_alternative.eml": Expect(
        *TICKET,
        text=("The shared calendar says access denied since this morning.",),
        not_text=("<b>", "<div"),
    ),
    "html_only_script.eml": Expect(
        *TICKET,
        text=("Our invoice total is wrong: it says 1.200 instead of 120.", "Invoice 7"),
        not_text=("alert", "steal", "document.location", "track.example", "<", "color:red"),
    ),
    "iso2022jp.eml": Expect(
        *TICKET,
        subject="請求書の金額について",
        text=("お世話になっております。", "先月の請求書の金額が違います。"),
        requester="taro@acme.example",
    ),
    "windows1252_undeclared.eml": Expect(
        *TICKET, text=("charged 49 € twice \u2013 please refund the “second” charge",)
    ),
    "latin1_declared_cp1252_bytes.eml": Expect(
        *TICKET, text=("The “basic” plan costs 9 € a month, says the caf\u00e9\u2019s page.",)
    ),
    "base64_body.eml": Expect(*TICKET, text=("obwohl ich das Passwort geändert habe",)),
    "quoted_printable.eml": Expect(
        *TICKET,
        subject="Résumé illisible",
        text=("Le résumé du ticket précédent est illisible; " * 3 + "merci.",),
    ),
    # identifiers
    "missing_message_id.eml": Expect(*TICKET, text=("the scanner sends only this text",)),
    "missing_date.eml": Expect(*TICKET, subject="No date on this one"),
    "duplicate_message_id_a.eml": Expect(*TICKET, subject="Badge reader at the door"),
    "duplicate_message_id_b.eml": Expect(
        *TICKET,
        after=("duplicate_message_id_a.eml",),
        subject="Coffee machine",
        flags=("message_id_reused",),
    ),
    # threading and trimming
    "reply_in_reply_to.eml": Expect(
        *REPLY, after=(ORIGINAL,), exact_text="It dropped again at noon."
    ),
    "reply_references_only.eml": Expect(
        *REPLY, after=(ORIGINAL,), exact_text="Another drop at 12:30, now with the client log."
    ),
    "reply_subject_key.eml": Expect(
        *REPLY, after=(ORIGINAL,), exact_text="Our network team says the firewall is fine."
    ),
    "reply_forged_reference.eml": Expect(
        *TICKET,
        after=(ORIGINAL,),
        flags=("thread_refused",),
        text=("Let me in on Acme's ticket",),
        requester="bob@globex.example",
    ),
    "reply_gmail_wrapped_attribution.eml": Expect(
        *REPLY, after=(ORIGINAL,), exact_text="Thanks, the new client fixed it."
    ),
    "reply_outlook_original_message.eml": Expect(
        *REPLY,
        after=(ORIGINAL,),
        exact_text="Hi Sam,\n\nthe VPN is stable since the update. Please close the ticket.\n\n"
        "Alice",
    ),
    "reply_signature.eml": Expect(
        *REPLY,
        after=(ORIGINAL,),
        exact_text="One more thing: it also happens on the guest network.",
    ),
    # forwarded and nested
    "forwarded_inline.eml": Expect(
        *TICKET,
        subject="Fwd: Your order 4711 could not be shipped",
        text=(
            "Can you look into this?",
            "---------- Forwarded message ---------",
            "From: Shop <orders@shop.example>",
            "Order 4711 could not be shipped: the address is incomplete.",
        ),
    ),
    "forwarded_as_attachment.eml": Expect(
        *TICKET,
        text=("We paid this one last week",),
        not_text=("Reminder: invoice",),
        attachments=(("Payment reminder 2026-118.eml", "message/rfc822"),),
    ),
    "nested_rfc822.eml": Expect(
        *TICKET,
        exact_text="The bank forwarded the shop's reminder; both attached.",
        attachments=(("part-1.eml", "message/rfc822"),),
    ),
    "calendar_invite.eml": Expect(
        *TICKET,
        text=("Migration review, Thursday 5 November",),
        not_text=("BEGIN:VCALENDAR",),
        attachments=(("invite.ics", "application/ics"), ("part-1.ics", "text/calendar")),
    ),
    # automatic mail, loops, bounces
    "out_of_office_auto_submitted.eml": Expect(Status.IGNORED, "auto_reply", after=(ORIGINAL,)),
    "out_of_office_x_autoreply.eml": Expect(Status.IGNORED, "auto_reply", after=(ORIGINAL,)),
    "auto_generated_new.eml": Expect(
        *TICKET, subject="[ALERT] Disk /var at 95%", acknowledged=False
    ),
    "auto_submitted_no.eml": Expect(*TICKET, acknowledged=True),
    "dsn_bounce.eml": Expect(Status.IGNORED, "bounce", after=(ORIGINAL,)),
    "dsn_from_ordinary_address.eml": Expect(Status.IGNORED, "bounce"),
    "mailer_daemon_plain.eml": Expect(Status.IGNORED, "bounce"),
    "own_address.eml": Expect(Status.IGNORED, "own_address", after=(ORIGINAL,)),
    "precedence_bulk.eml": Expect(*TICKET, acknowledged=False),
    "precedence_list_list_id.eml": Expect(*TICKET, acknowledged=False),
    "list_id_only.eml": Expect(*TICKET, acknowledged=False),
    "x_loop_desk.eml": Expect(*TICKET, acknowledged=False),
    # broken and hostile
    "broken_boundary_unclosed.eml": Expect(
        *TICKET,
        exact_text="The export job stopped half way; log attached.",
        attachments=(("export.log", "text/plain"),),
        flags=("CloseBoundaryNotFoundDefect",),
    ),
    "broken_boundary_mismatch.eml": Expect(
        *TICKET,
        exact_text="The label printer prints every label twice.",
        flags=("StartBoundaryNotFoundDefect",),
    ),
    "broken_no_boundary_parameter.eml": Expect(
        *TICKET,
        text=("The scanner on floor two jams on every page.",),
        flags=("NoBoundaryInMultipartDefect",),
    ),
    "broken_base64.eml": Expect(*TICKET, text=("The wifi password on the card is wrong.",)),
    "unknown_charset.eml": Expect(
        *TICKET,
        subject="Strange label",
        text=("a charset nobody knows: naïve café.",),
        flags=("declared charset 'x-user-defined-2026' could not decode",),
    ),
    "nul_byte.eml": Expect(
        *TICKET, subject="Binary junk in the subject", text=("status ok\nand then nothing.",)
    ),
    "header_injection_subject.eml": Expect(*TICKET, subject="Hello Bcc: victim@evil.example"),
    "empty.eml": Expect("refused", "message_refused"),
    "raw_utf8_headers.eml": Expect(
        *TICKET,
        subject="Lösenordet fungerar inte",
        text=("Mitt lösenord fungerar inte längre.",),
        requester="asa@acme.example",
    ),
    "encoded_name_with_comma.eml": Expect(
        *TICKET, subject="Café machine broken", requester="hans@acme.example"
    ),
    # attachments
    "attachment_pdf_rfc2231_name.eml": Expect(
        *TICKET,
        text=("the VAT line is missing",),
        attachments=(("Rechnung März.pdf", "application/pdf"),),
    ),
    "html_inline_image.eml": Expect(
        *TICKET,
        exact_text="This dialog appears at start-up:",
        attachments=(("dialog.png", "image/png"),),
    ),
    "attachment_only.eml": Expect(
        *TICKET, exact_text="(no text)", attachments=(("scan0001.jpg", "image/jpeg"),)
    ),
    "no_subject_empty_body.eml": Expect(*TICKET, subject="(no subject)", exact_text="(no text)"),
    # senders the desk does not know yet
    "unknown_sender_known_domain.eml": Expect(*TICKET, requester="carol@acme.example"),
    "unknown_sender_unknown_domain.eml": Expect(*TICKET, requester="dana@freemail.example"),
    "unknown_sender_team_no_seat.eml": Expect(*TICKET, requester="erin@acme.example"),
}


@pytest.fixture
def desk(customer: User, other_customer: User, admin_user: User) -> dict[str, User]:
    return {"customer": customer, "other": other_customer, "admin": admin_user}


class Delivery:
    """Delivers corpus files, putting in the real key and acknowledgement of the original."""

    def __init__(self) -> None:
        self.key = "DP-424242"
        self.ack = "<ack@deskpact.localhost>"

    def raw(self, name: str) -> bytes:
        data = (CORPUS / name).read_bytes()
        return data.replace(b"DP-424242", self.key.encode()).replace(
            b"<ack@deskpact.localhost>", self.ack.encode()
        )

    def __call__(self, name: str) -> InboundMessage:
        stored = inbound.receive(self.raw(name), kind="pipe", ref=name, process_later=False)
        inbound.process(stored.pk)
        stored.refresh_from_db()
        if name == ORIGINAL and stored.ticket is not None:
            self.key = stored.ticket.key
            ack = OutgoingMail.objects.get(ticket=stored.ticket, kind="acknowledgement")
            self.ack = ack.message_id
        return stored


@pytest.fixture
def deliver(desk: dict[str, User]) -> Delivery:
    return Delivery()


def attachments_of(ticket: Ticket) -> list[tuple[str, str]]:
    rows = Attachment.objects.filter(message__ticket=ticket, message__is_internal=False)
    return sorted(rows.values_list("filename", "content_type"))


def test_the_corpus_has_an_expected_outcome_for_every_message() -> None:
    files = {p.name for p in CORPUS.glob("*.eml")}
    assert files == set(CASES)
    assert len(files) >= 40


@pytest.mark.parametrize("name", sorted(CASES))
def test_corpus_message(name: str, deliver: Delivery) -> None:
    expect = CASES[name]
    earlier = [deliver(first) for first in expect.after]
    assert all(e.status == Status.PROCESSED for e in earlier), [e.error for e in earlier]
    if expect.status == "refused":
        with pytest.raises(inbound.MessageRefused) as refused:
            inbound.receive(deliver.raw(name), kind="pipe")
        assert refused.value.code == expect.outcome and refused.value.field == "message"
        assert InboundMessage.objects.count() == len(earlier)
        return
    tickets, messages = Ticket.objects.count(), Message.objects.count()
    stored = deliver(name)
    assert (stored.status, stored.outcome) == (expect.status, expect.outcome), stored.error
    assert bytes(stored.raw) == deliver.raw(name)  # the raw message is kept as it came
    for flag in expect.flags:
        assert any(flag in f for f in stored.flags), stored.flags
    if expect.outcome == "reply":
        assert stored.ticket_id == earlier[0].ticket_id
        reply = Message.objects.get(pk=stored.ticket_message_id or 0)
        assert reply.author.email == expect.requester
        body = reply.body
    elif expect.outcome == "ticket":
        ticket = stored.ticket
        assert ticket is not None and Ticket.objects.count() == tickets + 1
        assert ticket.channel == Ticket.Channel.EMAIL
        assert ticket.requester.email == expect.requester
        assert all(ticket.pk != e.ticket_id for e in earlier)
        if expect.subject:
            assert ticket.subject == expect.subject
        body = ticket.body
        assert attachments_of(ticket) == sorted(expect.attachments)
        if expect.acknowledged is not None:
            acked = OutgoingMail.objects.filter(ticket=ticket, kind="acknowledgement").exists()
            assert acked is expect.acknowledged
    else:  # kept, but neither a ticket nor a reply
        assert (Ticket.objects.count(), Message.objects.count()) == (tickets, messages)
        body = ""
    for text in expect.text:
        assert text in body.replace("\r\n", "\n"), body
    for text in expect.not_text:
        assert text not in body, body
    if expect.exact_text:
        assert body.replace("\r\n", "\n") == expect.exact_text


def test_the_same_message_delivered_twice_makes_one_ticket(deliver: Delivery) -> None:
    first, second = deliver(ORIGINAL), deliver(ORIGINAL)
    assert (second.status, second.outcome, second.ticket_id) == (
        Status.IGNORED,
        "duplicate",
        first.ticket_id,
    )
    assert Ticket.objects.count() == 1


def test_a_message_without_message_id_delivered_twice_makes_one_ticket(
    deliver: Delivery,
) -> None:
    first, second = deliver("missing_message_id.eml"), deliver("missing_message_id.eml")
    assert first.message_id == "" and first.dedupe_key == f"<{first.digest}@sha256>"
    assert (second.outcome, second.ticket_id) == ("duplicate", first.ticket_id)
    assert Ticket.objects.count() == 1


def test_html_is_sanitised_scripts_handlers_and_trackers_removed() -> None:
    mail = parsing.parse((CORPUS / "html_only_script.eml").read_bytes())
    assert "Our invoice total is wrong" in mail.html
    for gone in ("<script", "onclick", "onload", "onmouseover", "track.example", "<img", "style"):
        assert gone not in mail.html
    assert 'href="https://acme.example/invoices/7"' in mail.html


def test_a_forwarded_attachment_keeps_the_whole_forwarded_message(deliver: Delivery) -> None:
    stored = deliver("forwarded_as_attachment.eml")
    attachment = Attachment.objects.get(message__ticket=stored.ticket)
    with attachment.file.open("rb") as handle:
        forwarded = email.message_from_bytes(handle.read(), policy=email.policy.default)
    assert forwarded["Subject"] == "Payment reminder 2026-118"
    assert isinstance(forwarded, EmailMessage)
    names = [part.get_filename() for part in forwarded.iter_attachments()]
    assert names == ["reminder-118.pdf"]


def test_an_auto_created_sender_joins_the_organization_owning_the_domain(
    deliver: Delivery, acme: Organization
) -> None:
    stored = deliver("unknown_sender_known_domain.eml")
    carol = User.objects.get(email="carol@acme.example")
    assert (carol.name, carol.role, carol.organization) == ("Carol Newcomer", "user", acme)
    assert not carol.has_usable_password()
    assert stored.ticket is not None and stored.ticket.organization == acme
    assert AuditEntry.objects.filter(action="user.auto_created", object_id=str(carol.pk)).exists()
    deliver("unknown_sender_unknown_domain.eml")  # no organization owns freemail.example
    assert User.objects.get(email="dana@freemail.example").organization is None


def test_an_encoded_sender_name_with_a_comma_is_one_sender(deliver: Delivery) -> None:
    deliver("encoded_name_with_comma.eml")
    assert User.objects.get(email="hans@acme.example").name == "Müller, Hans"


@pytest.mark.parametrize(
    ("name", "address"),
    [("dsn_bounce.eml", ALICE), ("mailer_daemon_plain.eml", ALICE)],
)
def test_a_bounce_is_recorded_against_the_user(
    name: str, address: str, deliver: Delivery, customer: User
) -> None:
    stored = deliver(name)
    assert (stored.status, stored.outcome) == (Status.IGNORED, "bounce")
    entry = AuditEntry.objects.get(action="mail.bounced", object_id=str(customer.pk))
    assert entry.after == {"address": address}


def test_an_out_of_office_answer_leaves_the_ticket_alone(deliver: Delivery) -> None:
    original = deliver(ORIGINAL)
    ticket = original.ticket
    assert ticket is not None
    for name in ("out_of_office_auto_submitted.eml", "out_of_office_x_autoreply.eml"):
        away = deliver(name)
        assert (away.outcome, away.ticket_id) == ("auto_reply", ticket.pk)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.NEW and not ticket.messages.exists()
    assert OutgoingMail.objects.filter(to_email=ALICE).count() == 1  # the one acknowledgement


def test_a_subject_with_a_header_injection_never_reaches_an_outgoing_header(
    deliver: Delivery,
) -> None:
    stored = deliver("header_injection_subject.eml")
    ack = OutgoingMail.objects.get(ticket=stored.ticket, kind="acknowledgement")
    outbox.outbox.clear()
    send_outgoing_mail.call(outgoing_id=ack.pk)
    assert len(outbox.outbox) == 1
    sent = outbox.outbox[0]
    assert sent.recipients() == [ALICE] and sent.bcc == [] and sent.cc == []
    wire = sent.message().as_bytes()
    head = wire.split(b"\n\n", 1)[0]
    lines = head.replace(b"\r\n", b"\n").split(b"\n")
    assert not [line for line in lines if line.lower().startswith(b"bcc")]
    parsed = email.message_from_bytes(wire, policy=email.policy.default)
    assert parsed["Bcc"] is None
    assert parsed["To"] == ALICE
    assert parsed["Subject"] == f"Received: [{stored.ticket.key}] Hello Bcc: victim@evil.example"  # type: ignore[union-attr]
    assert "\n" not in parsed["Subject"] and "\r" not in parsed["Subject"]


def test_an_attachment_over_the_limit_is_dropped_with_a_note_and_the_ticket_made(
    deliver: Delivery, settings: Any
) -> None:
    settings.ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024  # the default: 20 MB
    msg = EmailMessage()
    msg["From"] = "Alice Example <alice@acme.example>"
    msg["To"] = "support@deskpact.localhost"
    msg["Subject"] = "Database dump"
    msg["Message-ID"] = "<dump-30mb@acme.example>"
    msg.set_content("The dump is attached, with the log.")
    big = os.urandom(30 * 1024 * 1024)
    msg.add_attachment(big, maintype="application", subtype="gzip", filename="dump.sql.gz")
    msg.add_attachment(b"12:00 dump started\n", maintype="text", subtype="plain", filename="a.log")
    raw = msg.as_bytes()
    assert len(raw) > 30 * 1024 * 1024
    stored = inbound.receive(raw, kind="pipe", process_later=False)
    del raw, big, msg
    inbound.process(stored.pk)
    stored.refresh_from_db()
    assert (stored.status, stored.outcome) == (Status.PROCESSED, "ticket"), stored.error
    ticket = stored.ticket
    assert ticket is not None and ticket.body == "The dump is attached, with the log."
    note = Message.objects.get(ticket=ticket, is_internal=True)
    assert "dump.sql.gz (31,457,280 bytes)" in note.body
    assert attachments_of(ticket) == [("a.log", "text/plain")]


def test_a_new_sender_with_no_team_seat_free_is_held_never_dropped(
    deliver: Delivery,
    issue_key: IssueKey,
    admin_user: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    licensed = User.objects.filter(is_active=True).count()
    licensing.install_license(issue_key(model=LicenseModel.TEAM, seats=licensed), by=None)
    stored = deliver("unknown_sender_team_no_seat.eml")
    assert (stored.status, stored.outcome) == (Status.HELD, "no_seat")
    assert "seat" in stored.error and "Team license" in stored.error
    assert stored.ticket is None and bytes(stored.raw) == deliver.raw(stored.source_ref)
    assert not User.objects.filter(email="erin@acme.example").exists()
    assert not Ticket.objects.exists()
    # An admin frees a seat and sends the message through again: now it is a ticket.
    licensing.install_license(issue_key(model=LicenseModel.TEAM, seats=licensed + 1), by=None)
    with django_capture_on_commit_callbacks(execute=True):
        inbound.retry(stored, by=admin_user)
    stored.refresh_from_db()
    assert (stored.status, stored.outcome) == (Status.PROCESSED, "ticket"), stored.error
    assert stored.ticket is not None and stored.ticket.requester.email == "erin@acme.example"
