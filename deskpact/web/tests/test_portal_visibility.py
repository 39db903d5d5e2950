"""A customer never reaches what is not theirs: not by page, list, search, reply, rating or
attachment URL; and never an internal note (SPEC §1)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from deskpact.accounts.models import Organization, User
from deskpact.testing.factories import UserFactory
from deskpact.tickets import services
from deskpact.tickets.models import Attachment, Message, Rating, Ticket

pytestmark = pytest.mark.django_db

NOTE = "Customer is on the old plan; do not offer a refund"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def globex_ticket(other_customer: User, agent: User) -> Ticket:
    """A resolved Globex ticket with a public attachment: everything an Acme user could try."""
    ticket = services.open_ticket(
        requester=other_customer,
        submitter=other_customer,
        subject="Globex secret plans",
        body="Confidential body",
        channel="web",
        attachments=[SimpleUploadedFile("plans.pdf", b"%PDF globex")],
    )
    services.post_reply(ticket, author=agent, body="Answer to Globex")
    return services.change_status(ticket, to=Ticket.Status.RESOLVED, by=agent)


def globex_attachment(ticket: Ticket) -> Attachment:
    return Attachment.objects.get(message__ticket=ticket)


@pytest.fixture
def as_customer(client: Client, customer: User) -> Client:
    client.force_login(customer)
    return client


def test_another_organizations_ticket_page_is_not_found(
    as_customer: Client, globex_ticket: Ticket
) -> None:
    for key in (globex_ticket.key, str(globex_ticket.pk), globex_ticket.key.lower()):
        assert as_customer.get(f"/portal/tickets/{key}/").status_code == 404


@pytest.mark.parametrize("key", ["DP-999999", "DP-0", "DP-abc", "DP--1", "x" * 300, "1e3"])
def test_keys_that_name_no_ticket_are_not_found(as_customer: Client, key: str) -> None:
    assert as_customer.get(f"/portal/tickets/{key}/").status_code == 404


def test_another_organizations_attachment_is_not_found(
    as_customer: Client, globex_ticket: Ticket
) -> None:
    attachment = globex_attachment(globex_ticket)
    assert as_customer.get(f"/attachments/{attachment.pk}/").status_code == 404


def test_another_organizations_ticket_cannot_be_replied_to(
    as_customer: Client, globex_ticket: Ticket
) -> None:
    before = Message.objects.count()
    response = as_customer.post(f"/portal/tickets/{globex_ticket.key}/reply/", {"body": "Hi"})
    assert response.status_code == 404
    assert Message.objects.count() == before
    globex_ticket.refresh_from_db()
    assert globex_ticket.status == Ticket.Status.RESOLVED  # a reply would have reopened it


def test_another_organizations_ticket_cannot_be_rated(
    as_customer: Client, globex_ticket: Ticket
) -> None:
    response = as_customer.post(f"/portal/tickets/{globex_ticket.key}/rate/", {"score": "1"})
    assert response.status_code == 404
    assert Rating.objects.count() == 0


def test_another_organizations_tickets_never_appear_in_lists_or_search(
    as_customer: Client, globex_ticket: Ticket, acme: Organization
) -> None:
    acme.shares_tickets = True
    acme.save()
    for url in (
        "/portal/",
        "/portal/?scope=organization",
        "/portal/?q=Globex",
        "/portal/?q=Confidential&scope=organization",
        "/portal/?status=resolved",
    ):
        assert "Globex secret plans" not in as_customer.get(url).content.decode()


def test_a_colleagues_ticket_is_hidden_unless_the_organization_shares(
    as_customer: Client, acme: Organization
) -> None:
    colleague = UserFactory.create(email="carl@acme.example", organization=acme)
    ticket = services.open_ticket(
        requester=colleague,
        submitter=colleague,
        subject="Problem of Carl",
        body="b",
        channel="web",
        attachments=[SimpleUploadedFile("carl.txt", b"carl")],
    )
    attachment = Attachment.objects.get(message__ticket=ticket)
    assert as_customer.get(f"/portal/tickets/{ticket.key}/").status_code == 404
    assert as_customer.get(f"/attachments/{attachment.pk}/").status_code == 404
    assert (
        as_customer.post(f"/portal/tickets/{ticket.key}/reply/", {"body": "me too"}).status_code
        == 404
    )
    acme.shares_tickets = True
    acme.save()
    assert as_customer.get(f"/portal/tickets/{ticket.key}/").status_code == 200
    assert as_customer.get(f"/attachments/{attachment.pk}/").status_code == 200


def test_internal_notes_and_their_attachments_never_reach_the_customer(
    as_customer: Client, client: Client, customer: User, agent: User
) -> None:
    ticket = services.open_ticket(
        requester=customer, submitter=customer, subject="Refund?", body="b", channel="web"
    )
    services.post_reply(ticket, author=agent, body="Looking into it.")
    note = services.post_note(
        ticket,
        author=agent,
        body=NOTE,
        attachments=[SimpleUploadedFile("internal-memo.txt", b"internal only")],
    )
    memo = note.attachments.get()

    page = as_customer.get(f"/portal/tickets/{ticket.key}/").content.decode()
    assert "Looking into it." in page
    assert NOTE not in page and "do not offer a refund" not in page
    assert "internal-memo.txt" not in page and f"/attachments/{memo.pk}/" not in page
    assert as_customer.get(f"/attachments/{memo.pk}/").status_code == 404
    assert "Refund?" not in as_customer.get("/portal/?q=refund+offer").content.decode()

    client.force_login(agent)  # the same URL works for the agent: the 404 was about who
    assert client.get(f"/attachments/{memo.pk}/").status_code == 200


def test_a_deactivated_customer_sees_nothing(client: Client, customer: User) -> None:
    ticket = services.open_ticket(
        requester=customer, submitter=customer, subject="Mine", body="b", channel="web"
    )
    client.force_login(customer)
    User.objects.filter(pk=customer.pk).update(is_active=False)
    response = client.get(f"/portal/tickets/{ticket.key}/")
    assert response.status_code in (302, 404)
