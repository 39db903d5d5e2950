"""The console ticket page and its actions through HTTP: htmx partials, PRG, errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from deskpact.accounts.models import User
from deskpact.testing.factories import QueueFactory, TicketFactory, UserFactory
from deskpact.tickets import services
from deskpact.tickets.models import Message, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def ticket(customer: User) -> Ticket:
    return services.open_ticket(
        requester=customer,
        submitter=customer,
        subject="Printer on fire",
        body="It smokes when printing.",
        channel=Ticket.Channel.WEB,
    )


@pytest.fixture
def agent_client(client: Client, agent: User) -> Client:
    client.force_login(agent)
    return client


def url(ticket: Ticket, action: str = "") -> str:
    return f"/console/tickets/{ticket.key}/{action + '/' if action else ''}"


def names(response: Any) -> list[str]:
    return [t.name for t in response.templates]


# The page ------------------------------------------------------------------------------


def test_the_ticket_page_shows_the_whole_story(
    agent_client: Client, agent: User, customer: User
) -> None:
    first = TicketFactory.create(requester=customer, status="closed", subject="Old one")
    ticket = services.open_ticket(
        requester=customer,
        submitter=agent,
        subject="Called about VPN",
        body="Caller cannot connect.",
        channel=Ticket.Channel.PHONE,
        follows=first,
        attachments=[SimpleUploadedFile("vpn.log", b"timeout", content_type="text/plain")],
    )
    services.post_reply(ticket, author=agent, body="Please restart the client.")
    services.post_note(ticket, author=agent, body="Known issue with build 12.")
    follow_up = TicketFactory.create(requester=customer, follows=ticket, subject="Again VPN")
    page = agent_client.get(url(ticket)).content.decode()
    assert "Called about VPN" in page and "Caller cannot connect." in page
    assert "Alice" in page and "Acme" in page
    assert 'data-testid="submitter">Sam Agent<' in page
    assert "Phone" in page
    assert 'class="message from-agent note"' in page and "Internal note" in page
    assert "Known issue with build 12." in page and "Please restart the client." in page
    attachment = Message.objects.get(ticket=ticket, body="Caller cannot connect.").attachments.get()
    assert f'href="/attachments/{attachment.pk}/"' in page and "vpn.log" in page
    assert page.count('data-testid="opening"') == 0  # the opening message carries the files
    assert f'href="/console/tickets/{first.key}/"' in page
    assert f'href="/console/tickets/{follow_up.key}/"' in page
    assert "Status New → Open" in page and "Added an internal note" in page
    assert "First response" in page


def test_the_ticket_page_costs_the_same_queries_for_2_and_20_messages(
    agent_client: Client, agent: User, customer: User, ticket: Ticket
) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert agent_client.get(url(ticket)).status_code == 200
        return len(queries)

    def add_pair() -> None:
        reply = Message.objects.create(ticket=ticket, author=customer, body="more", channel="web")
        reply.attachments.create(file="x", filename="x.txt", size=1)
        Message.objects.create(
            ticket=ticket, author=agent, body="noted", is_internal=True, channel="web"
        )

    add_pair()
    few = count()
    for _ in range(9):
        add_pair()
    assert Message.objects.filter(ticket=ticket).count() == 20
    assert count() == few


# Reply and note --------------------------------------------------------------------------


def test_an_htmx_reply_returns_the_changed_panels_not_a_page(
    agent_client: Client, ticket: Ticket
) -> None:
    response = agent_client.post(url(ticket, "reply"), {"body": "We are on it."}, headers=HTMX)
    assert response.status_code == 200
    assert "console/tickets/_thread.html" in names(response)
    assert "console/tickets/detail.html" not in names(response)
    html = response.content.decode()
    assert "<html" not in html and 'id="thread" class="thread"' in html
    assert 'hx-swap-oob="true"' in html and "We are on it." in html
    message = Message.objects.get(ticket=ticket, body="We are on it.")
    assert not message.is_internal
    ticket.refresh_from_db()
    assert ticket.status == "open" and ticket.first_response_at is not None


def test_a_plain_reply_redirects_back_to_the_ticket(agent_client: Client, ticket: Ticket) -> None:
    response = agent_client.post(url(ticket, "reply"), {"body": "We are on it."})
    assert response.status_code == 302
    assert response["Location"] == f"/console/tickets/{ticket.key}/#thread"
    assert "Reply sent" in agent_client.get(response["Location"]).content.decode()


def test_a_reply_carries_its_attachments(agent_client: Client, ticket: Ticket) -> None:
    files = [
        SimpleUploadedFile("a.txt", b"first", content_type="text/plain"),
        SimpleUploadedFile("b.png", b"\x89PNG", content_type="image/png"),
    ]
    response = agent_client.post(
        url(ticket, "reply"), {"body": "See attached.", "attachments": files}, headers=HTMX
    )
    assert response.status_code == 200
    message = Message.objects.get(ticket=ticket, body="See attached.")
    assert sorted(a.filename for a in message.attachments.all()) == ["a.txt", "b.png"]
    for attachment in message.attachments.all():
        assert f"/attachments/{attachment.pk}/" in response.content.decode()


def test_an_empty_reply_comes_back_with_an_error_and_status_200(
    agent_client: Client, ticket: Ticket
) -> None:
    for headers in (HTMX, {}):
        response = agent_client.post(url(ticket, "reply"), {"body": "   "}, headers=headers)
        assert response.status_code == 200
        assert 'class="error" role="alert"' in response.content.decode()
    assert not Message.objects.filter(ticket=ticket).exists()


def test_a_reply_to_a_closed_ticket_shows_the_refusal(
    agent_client: Client, agent: User, ticket: Ticket
) -> None:
    services.change_status(ticket, to="closed", by=agent)
    response = agent_client.post(url(ticket, "reply"), {"body": "Hello?"}, headers=HTMX)
    assert response.status_code == 200
    assert "This ticket is closed; open a new one instead." in response.content.decode()
    assert not Message.objects.filter(ticket=ticket).exists()


def test_a_note_is_internal_and_leaves_the_status_alone(
    agent_client: Client, ticket: Ticket
) -> None:
    response = agent_client.post(url(ticket, "note"), {"body": "Call them back."}, headers=HTMX)
    assert response.status_code == 200
    assert "console/tickets/_note_form.html" in names(response)
    note = Message.objects.get(ticket=ticket)
    assert note.is_internal and note.body == "Call them back."
    ticket.refresh_from_db()
    assert ticket.status == "new" and ticket.first_response_at is None
    assert 'class="message from-agent note"' in response.content.decode()


# Properties --------------------------------------------------------------------------------


def test_assign_to_me_to_a_colleague_and_back_to_nobody(
    agent_client: Client, agent: User, ticket: Ticket
) -> None:
    colleague = UserFactory.create(role=User.Role.AGENT, name="Cole League")
    response = agent_client.post(url(ticket, "assign"), {"owner": "me"}, headers=HTMX)
    assert response.status_code == 200
    assert names(response)[:2] == [
        "console/tickets/_update.html",
        "console/tickets/_properties.html",
    ]
    ticket.refresh_from_db()
    assert ticket.owner == agent
    agent_client.post(url(ticket, "assign"), {"owner": str(colleague.pk)}, headers=HTMX)
    ticket.refresh_from_db()
    assert ticket.owner == colleague
    response = agent_client.post(url(ticket, "assign"), {"owner": "none"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.owner is None
    assert TicketEvent.objects.filter(ticket=ticket, kind="assigned").count() == 3


def test_a_customer_cannot_be_made_owner(
    agent_client: Client, customer: User, ticket: Ticket
) -> None:
    response = agent_client.post(url(ticket, "assign"), {"owner": str(customer.pk)}, headers=HTMX)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.owner is None


def test_an_agent_limited_to_another_queue_is_not_offered_as_owner(
    agent_client: Client, ticket: Ticket
) -> None:
    elsewhere = UserFactory.create(role=User.Role.AGENT, name="Elsewhere Agent")
    QueueFactory.create(slug="billing", name="Billing").agents.add(elsewhere)
    assert "Elsewhere Agent" not in agent_client.get(url(ticket)).content.decode()
    agent_client.post(url(ticket, "assign"), {"owner": str(elsewhere.pk)})
    ticket.refresh_from_db()
    assert ticket.owner is None


def test_a_status_change_is_recorded(agent_client: Client, ticket: Ticket) -> None:
    response = agent_client.post(url(ticket, "status"), {"status": "resolved"}, headers=HTMX)
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == "resolved" and ticket.resolved_at is not None
    assert 'data-testid="ticket-status">Resolved<' in response.content.decode()


def test_a_refused_transition_shows_why_and_changes_nothing(
    agent_client: Client, agent: User, ticket: Ticket
) -> None:
    services.change_status(ticket, to="closed", by=agent)
    for headers in (HTMX, {}):
        response = agent_client.post(url(ticket, "status"), {"status": "open"}, headers=headers)
        assert response.status_code == 200
        assert "A ticket cannot go from closed to open" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == "closed"


def test_priority_and_cause_are_set(agent_client: Client, ticket: Ticket) -> None:
    agent_client.post(url(ticket, "priority"), {"priority": "urgent"}, headers=HTMX)
    response = agent_client.post(url(ticket, "cause"), {"cause": "product_defect"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.cause) == ("urgent", "product_defect")
    page = agent_client.get(url(ticket)).content.decode()
    assert "Priority Normal → Urgent" in page and "Cause not set → Product defect" in page


def test_an_unknown_priority_is_a_form_error(agent_client: Client, ticket: Ticket) -> None:
    response = agent_client.post(url(ticket, "priority"), {"priority": "whenever"}, headers=HTMX)
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()


# Bulk ----------------------------------------------------------------------------------------


def test_bulk_assign_gives_every_selected_ticket_to_the_agent(
    agent_client: Client, customer: User
) -> None:
    colleague = UserFactory.create(role=User.Role.AGENT, name="Cole League")
    chosen = TicketFactory.create_batch(3, requester=customer)
    other = TicketFactory.create(requester=customer)
    response = agent_client.post(
        "/console/tickets/bulk/",
        {
            "action": "assign",
            "owner": str(colleague.pk),
            "ticket": [t.pk for t in chosen],
            "next": "/console/queues/unassigned/?priority=normal",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/console/queues/unassigned/?priority=normal"
    assert {t.owner_id for t in Ticket.objects.filter(pk__in=[t.pk for t in chosen])} == {
        colleague.pk
    }
    other.refresh_from_db()
    assert other.owner is None
    assert (
        "Assigned 3 ticket(s) to Cole League."
        in agent_client.get(response["Location"]).content.decode()
    )


def test_bulk_close_closes_every_selected_ticket(agent_client: Client, customer: User) -> None:
    chosen = [
        TicketFactory.create(requester=customer, status=s) for s in ("new", "pending", "resolved")
    ]
    response = agent_client.post(
        "/console/tickets/bulk/", {"action": "close", "ticket": [t.pk for t in chosen]}
    )
    assert response.status_code == 302
    assert set(Ticket.objects.values_list("status", flat=True)) == {"closed"}


def test_bulk_actions_change_nothing_when_one_ticket_is_out_of_reach(
    client: Client, customer: User
) -> None:
    billing = QueueFactory.create(slug="billing", name="Billing")
    limited = UserFactory.create(role=User.Role.AGENT)
    billing.agents.add(limited)
    mine = TicketFactory.create(requester=customer, queue=billing)
    hidden = TicketFactory.create(requester=customer)
    client.force_login(limited)
    response = client.post(
        "/console/tickets/bulk/",
        {"action": "close", "ticket": [mine.pk, hidden.pk], "next": "https://evil.example/"},
    )
    assert response["Location"] == "/console/"
    assert set(Ticket.objects.values_list("status", flat=True)) == {"new"}
    page = client.get("/console/").content.decode()
    assert "Nothing changed: Some selected tickets are not in your queues; none changed." in page


def test_bulk_assign_needs_an_owner_and_a_selection(agent_client: Client, customer: User) -> None:
    ticket = TicketFactory.create(requester=customer)
    agent_client.post("/console/tickets/bulk/", {"action": "assign", "ticket": [ticket.pk]})
    agent_client.post("/console/tickets/bulk/", {"action": "close"})
    page = agent_client.get("/console/").content.decode()
    assert "Choose who gets the selected tickets." in page
    assert "Select at least one ticket." in page
    ticket.refresh_from_db()
    assert ticket.owner is None and ticket.status == "new"
