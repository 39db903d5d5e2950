"""An agent logs a ticket for a caller: an existing contact or a new one."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from deskpact.accounts.models import Organization, User
from deskpact.testing.factories import QueueFactory, UserFactory
from deskpact.tickets.models import Ticket

pytestmark = pytest.mark.django_db

NEW = "/console/tickets/new/"


@pytest.fixture
def agent_client(client: Client, agent: User) -> Client:
    QueueFactory.create(name="Billing", slug="billing")
    QueueFactory.create(name="Support", slug="support", is_default=True)
    client.force_login(agent)
    return client


def form(**overrides: str) -> dict[str, str]:
    return {
        "requester_email": "alice@acme.example",
        "requester_name": "",
        "channel": "phone",
        "queue": "support",
        "subject": "Cannot print invoices",
        "body": "Caller says the print button does nothing.",
        "priority": "high",
        "owner": "me",
        **overrides,
    }


def test_the_form_defaults_to_phone_me_and_the_default_queue(agent_client: Client) -> None:
    page = agent_client.get(NEW).content.decode()
    assert '<option value="phone" selected>Phone</option>' in page
    assert '<option value="me" selected>' in page
    assert '<option value="support" selected>Support</option>' in page


def test_a_fresh_desk_without_queues_still_takes_phone_tickets(
    client: Client, agent: User, customer: User
) -> None:
    client.force_login(agent)
    response = client.post(NEW, {k: v for k, v in form().items() if k != "queue"})
    assert response.status_code == 302
    assert Ticket.objects.get().queue.slug == "support"


def test_a_phone_ticket_for_an_existing_customer(
    agent_client: Client, agent: User, customer: User
) -> None:
    response = agent_client.post(NEW, form())
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/console/tickets/{ticket.key}/"
    assert ticket.requester == customer and ticket.submitter == agent and ticket.owner == agent
    assert (ticket.channel, ticket.priority) == ("phone", "high")
    assert ticket.organization == customer.organization
    assert User.objects.count() == 2


def test_a_new_email_becomes_a_contact_of_the_organization_owning_its_domain(
    agent_client: Client, agent: User, acme: Organization
) -> None:
    response = agent_client.post(
        NEW, form(requester_email="Carol@Acme.example", requester_name="Carol", owner="none")
    )
    assert response.status_code == 302
    carol = User.objects.get(email="carol@acme.example")
    assert carol.role == User.Role.USER and carol.name == "Carol" and carol.organization == acme
    assert not carol.has_usable_password()
    ticket = Ticket.objects.get()
    assert ticket.requester == carol and ticket.submitter == agent and ticket.owner is None


def test_a_bad_email_is_a_form_error_and_creates_nothing(agent_client: Client) -> None:
    response = agent_client.post(NEW, form(requester_email="not-an-email"))
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert not Ticket.objects.exists() and User.objects.count() == 1


def test_a_refused_ticket_leaves_no_new_contact_behind(agent_client: Client, settings: Any) -> None:
    settings.ATTACHMENT_MAX_BYTES = 3
    big = SimpleUploadedFile("big.log", b"0123456789")
    response = agent_client.post(
        NEW, {**form(requester_email="dan@new.example"), "attachments": [big]}
    )
    assert response.status_code == 200
    assert "attachments may be at most 3" in response.content.decode()
    assert not User.objects.filter(email="dan@new.example").exists()
    assert not Ticket.objects.exists()


def test_a_deactivated_requester_is_refused_on_the_email_field(agent_client: Client) -> None:
    UserFactory.create(email="gone@acme.example", is_active=False)
    response = agent_client.post(NEW, form(requester_email="gone@acme.example"))
    assert response.status_code == 200
    assert "gone@acme.example is deactivated." in response.content.decode()
    assert not Ticket.objects.exists()


def test_requester_suggestions_match_email_or_name(
    agent_client: Client, customer: User, other_customer: User
) -> None:
    response = agent_client.get("/console/requesters/?requester_email=alic")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<option value="alice@acme.example">Alice · Acme</option>' in html
    assert "bob@globex.example" not in html
    assert agent_client.get("/console/requesters/?requester_email=a").content.strip() == b""
