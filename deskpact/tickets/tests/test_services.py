"""Ticket rules through the services, on a real database."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail import EmailMultiAlternatives

from deskpact.accounts.models import User
from deskpact.mail.models import OutgoingMail
from deskpact.tickets import services
from deskpact.tickets.errors import AttachmentTooLarge, NotAllowed, RatingRefused, TransitionRefused
from deskpact.tickets.models import Rating, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(customer: User, django_capture_on_commit_callbacks: Any) -> Ticket:
    with django_capture_on_commit_callbacks(execute=True):
        return services.open_ticket(
            requester=customer,
            submitter=customer,
            subject="Printer on fire",
            body="It smokes.",
            channel=Ticket.Channel.WEB,
        )


def test_opening_a_ticket_acknowledges_it_with_threading_headers(ticket: Ticket) -> None:
    assert ticket.status == "new" and ticket.organization == ticket.requester.organization
    assert ticket.key == f"DP-{ticket.pk}"
    [ack] = mail.outbox
    assert ack.to == ["alice@acme.example"]
    assert ack.subject == f"Received: [{ticket.key}] Printer on fire"
    assert ack.extra_headers["Auto-Submitted"] == "auto-replied"
    stored = OutgoingMail.objects.get(ticket=ticket)
    assert ack.extra_headers["Message-ID"] == stored.message_id and stored.sent_at is not None
    assert TicketEvent.objects.filter(ticket=ticket, kind="created").count() == 1


def test_a_customer_cannot_submit_on_behalf_of_someone_else(
    customer: User, other_customer: User
) -> None:
    with pytest.raises(NotAllowed):
        services.open_ticket(
            requester=other_customer, submitter=customer, subject="x", body="y", channel="web"
        )
    assert Ticket.objects.count() == 0


def test_an_agent_logs_a_phone_call_on_behalf_of_a_customer(agent: User, customer: User) -> None:
    ticket = services.open_ticket(
        requester=customer,
        submitter=agent,
        subject="Called about login",
        body="Notes",
        channel=Ticket.Channel.PHONE,
        owner=agent,
    )
    assert (ticket.requester, ticket.submitter, ticket.owner) == (customer, agent, agent)


def test_a_customer_cannot_own_a_ticket_under_the_support_model(
    agent: User, customer: User
) -> None:
    with pytest.raises(ValidationError) as info:
        services.open_ticket(
            requester=customer,
            submitter=agent,
            subject="s",
            body="b",
            channel="phone",
            owner=customer,
        )
    assert "owner" in info.value.message_dict


def test_agent_reply_stamps_first_response_opens_and_mails_the_requester(
    ticket: Ticket, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.post_reply(ticket, author=agent, body="Unplug it.")
    ticket.refresh_from_db()
    assert ticket.status == "open" and ticket.first_response_at is not None
    [reply] = mail.outbox
    assert reply.subject == f"Re: [{ticket.key}] Printer on fire"
    assert "Auto-Submitted" not in reply.extra_headers  # a person wrote it
    assert (
        reply.extra_headers["In-Reply-To"]
        == OutgoingMail.objects.filter(ticket=ticket, kind="acknowledgement").get().message_id
    )
    assert "Unplug it." in reply.body


def test_internal_notes_are_never_mailed(
    ticket: Ticket, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        note = services.post_note(ticket, author=agent, body="Customer is grumpy")
    assert note.is_internal and mail.outbox == []


def test_customers_cannot_write_internal_notes(ticket: Ticket, customer: User) -> None:
    with pytest.raises(NotAllowed):
        services.post_note(ticket, author=customer, body="sneaky")


def test_customer_reply_reopens_a_resolved_ticket(
    ticket: Ticket, agent: User, customer: User
) -> None:
    services.change_status(ticket, to="resolved", by=agent)
    assert ticket.resolved_at is not None
    services.post_reply(ticket, author=customer, body="Still smoking")
    ticket.refresh_from_db()
    assert ticket.status == "open" and ticket.resolved_at is None


def test_reply_to_a_closed_ticket_opens_a_linked_ticket(
    ticket: Ticket, agent: User, customer: User
) -> None:
    services.change_status(ticket, to="closed", by=agent)
    outcome = services.post_reply(ticket, author=customer, body="It is back")
    assert outcome.is_follow_up and outcome.ticket.follows == ticket
    assert outcome.ticket.body == "It is back" and outcome.ticket.status == "new"
    ticket.refresh_from_db()
    assert ticket.status == "closed"


def test_refused_transition_names_what_is_allowed(ticket: Ticket, agent: User) -> None:
    services.change_status(ticket, to="closed", by=agent)
    with pytest.raises(TransitionRefused, match="closed is final"):
        services.change_status(ticket, to="open", by=agent)


def test_rating_once_per_resolution(ticket: Ticket, agent: User, customer: User) -> None:
    with pytest.raises(RatingRefused):
        services.rate_ticket(ticket, by=customer, score=5)  # not resolved yet
    services.change_status(ticket, to="resolved", by=agent)
    services.rate_ticket(ticket, by=customer, score=4, comment="Quick")
    with pytest.raises(RatingRefused):
        services.rate_ticket(ticket, by=customer, score=5)
    services.change_status(ticket, to="open", by=agent)
    services.change_status(ticket, to="resolved", by=agent)
    services.rate_ticket(ticket, by=customer, score=2)  # a new resolution, a new rating
    assert list(Rating.objects.order_by("id").values_list("score", flat=True)) == [4, 2]


@pytest.mark.parametrize("score", [0, 6, -1])
def test_rating_outside_one_to_five_is_refused(
    ticket: Ticket, agent: User, customer: User, score: int
) -> None:
    services.change_status(ticket, to="resolved", by=agent)
    with pytest.raises(ValidationError):
        services.rate_ticket(ticket, by=customer, score=score)


@pytest.mark.parametrize(
    ("subject", "body"),
    [("", "body"), ("   ", "body"), ("x" * 201, "body"), ("ok", "nul\x00byte"), ("ok", "\ud800")],
)
def test_bad_text_is_refused_and_nothing_is_stored(customer: User, subject: str, body: str) -> None:
    with pytest.raises(ValidationError):
        services.open_ticket(
            requester=customer, submitter=customer, subject=subject, body=body, channel="web"
        )
    assert Ticket.objects.count() == 0 and OutgoingMail.objects.count() == 0


def test_attachment_over_the_limit_is_refused(customer: User, settings: Any) -> None:
    settings.ATTACHMENT_MAX_BYTES = 10
    big = SimpleUploadedFile("log.txt", b"x" * 11, content_type="text/plain")
    with pytest.raises(AttachmentTooLarge):
        services.open_ticket(
            requester=customer,
            submitter=customer,
            subject="s",
            body="b",
            channel="web",
            attachments=[big],
        )
    assert Ticket.objects.count() == 0


def test_bulk_close_closes_each_through_the_status_door(
    ticket: Ticket, agent: User, customer: User
) -> None:
    other = services.open_ticket(
        requester=customer, submitter=customer, subject="two", body="b", channel="web"
    )
    assert services.bulk_close([ticket, other], by=agent) == 2
    assert set(Ticket.objects.values_list("status", flat=True)) == {"closed"}
    assert TicketEvent.objects.filter(kind="status", data__after="closed").count() == 2


def test_bulk_assign_to_a_customer_changes_nothing(
    ticket: Ticket, agent: User, customer: User
) -> None:
    with pytest.raises(ValidationError):
        services.bulk_assign([ticket], owner=customer, by=agent)
    ticket.refresh_from_db()
    assert ticket.owner is None


def test_resolution_mail_carries_a_rating_link(
    ticket: Ticket, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(ticket, to="resolved", by=agent)
    [resolved] = mail.outbox
    assert resolved.subject == f"Resolved: [{ticket.key}] Printer on fire"
    assert f"/portal/tickets/{ticket.key}/#rate" in resolved.body
    assert resolved.extra_headers["Auto-Submitted"] == "auto-replied"
    assert isinstance(resolved, EmailMultiAlternatives)
    html, mimetype = resolved.alternatives[0]
    assert mimetype == "text/html" and "#rate" in str(html)


def test_assignment_tells_the_new_owner_but_not_oneself(
    ticket: Ticket, agent: User, admin_user: User, django_capture_on_commit_callbacks: Any
) -> None:
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.assign_ticket(ticket, owner=agent, by=agent)  # took it: no mail to oneself
        services.assign_ticket(ticket, owner=admin_user, by=agent)
    [assigned] = mail.outbox
    assert assigned.to == [admin_user.email]
    assert f"/console/tickets/{ticket.key}/" in assigned.body


def test_customer_reply_tells_the_owner(
    ticket: Ticket, agent: User, customer: User, django_capture_on_commit_callbacks: Any
) -> None:
    services.assign_ticket(ticket, owner=agent, by=agent)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.post_reply(ticket, author=customer, body="More details: it is model X200.")
    [note] = mail.outbox
    assert note.to == [agent.email] and "X200" in note.body


def test_a_new_contact_is_invited_to_choose_a_password(
    django_capture_on_commit_callbacks: Any,
) -> None:
    from deskpact.accounts.contacts import find_or_create_contact

    with django_capture_on_commit_callbacks(execute=True):
        contact = find_or_create_contact("New.Person@Acme.example", name="New", source="test")
        services.open_ticket(
            requester=contact.user,
            submitter=contact.user,
            subject="Hi",
            body="Help",
            channel="web",
        )
    assert contact.created and contact.user.email == "new.person@acme.example"
    [ack] = mail.outbox
    assert "/password-reset/" in ack.body
