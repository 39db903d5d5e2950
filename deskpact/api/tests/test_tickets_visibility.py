"""Who sees which ticket (SPEC §1): a customer of one organization reaches nothing of another
by any door, and internal notes reach no customer. Invisible answers exactly like missing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from deskpact.accounts.models import Organization, User
from deskpact.testing.factories import QueueFactory, UserFactory
from deskpact.tickets import services
from deskpact.tickets.models import Attachment, Ticket

ApiAs = Callable[[User], APIClient]
URL = "/api/v1/tickets/"
SECRET = "zanzibar"  # in every internal note; no customer response may contain it

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def open_ticket(requester: User, subject: str, **kwargs: Any) -> Ticket:
    return services.open_ticket(
        requester=requester,
        submitter=requester,
        subject=subject,
        body="Printer trouble again.",
        channel="web",
        **kwargs,
    )


@pytest.fixture
def globex_ticket(other_customer: User, agent: User) -> Ticket:
    ticket = open_ticket(
        other_customer,
        "Globex printer jams",
        attachments=[SimpleUploadedFile("globex.txt", b"globex data")],
    )
    services.post_reply(
        ticket,
        author=agent,
        body="Reply to Globex",
        attachments=[SimpleUploadedFile("r.txt", b"x")],
    )
    services.change_status(ticket, to=Ticket.Status.RESOLVED, by=agent)
    services.rate_ticket(ticket, by=other_customer, score=2, comment="slow")
    return ticket


def keys(response: Any) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["key"] for row in response.json()["results"]}


# Organization A never reaches organization B --------------------------------------------


def test_list_and_search_show_only_the_callers_tickets(
    api_as: ApiAs, customer: User, globex_ticket: Ticket
) -> None:
    mine = open_ticket(customer, "Acme printer jams")
    client = api_as(customer)

    assert keys(client.get(URL)) == {mine.key}
    assert keys(client.get(URL, {"q": "printer"})) == {mine.key}
    assert keys(client.get(URL, {"q": "globex"})) == set()


@pytest.mark.parametrize(
    "params",
    [
        lambda t: {"organization": t.organization_id},
        lambda t: {"requester": t.requester_id},
        lambda t: {"owner": "none"},
        lambda t: {"status": "resolved"},
        lambda t: {"q": "globex", "organization": t.organization_id},
        lambda t: {"queue": t.queue.slug},
    ],
)
def test_no_api_filter_reaches_another_organizations_tickets(
    api_as: ApiAs, customer: User, globex_ticket: Ticket, params: Callable[[Ticket], dict[str, Any]]
) -> None:
    assert keys(api_as(customer).get(URL, params(globex_ticket))) == set()


@pytest.mark.parametrize(
    ("method", "suffix", "payload"),
    [
        ("get", "", None),
        ("patch", "", {"priority": "low"}),
        ("get", "messages/", None),
        ("post", "messages/", {"body": "let me in"}),
        ("get", "rating/", None),
        ("post", "rating/", {"score": 5}),
    ],
)
@pytest.mark.parametrize("form", ["key", "number"])
def test_every_ticket_door_answers_another_organization_like_a_missing_ticket(
    api_as: ApiAs,
    customer: User,
    globex_ticket: Ticket,
    method: str,
    suffix: str,
    payload: dict[str, Any] | None,
    form: str,
) -> None:
    client = api_as(customer)
    ref = globex_ticket.key if form == "key" else str(globex_ticket.pk)
    missing_ref = "DP-987654" if form == "key" else "987654"

    def call(key: str) -> Any:
        return getattr(client, method)(f"{URL}{key}/{suffix}", payload, format="json")

    hidden, missing = call(ref), call(missing_ref)

    assert hidden.status_code == missing.status_code == 404
    assert hidden["Content-Type"] == missing["Content-Type"] == "application/problem+json"
    assert hidden.content.replace(ref.encode(), b"?") == missing.content.replace(
        missing_ref.encode(), b"?"
    )
    assert globex_ticket.messages.count() == 2  # the opening message and the reply


def test_attachment_urls_of_another_organization_answer_like_missing_ones(
    api_as: ApiAs, customer: User, globex_ticket: Ticket
) -> None:
    client = api_as(customer)
    last = Attachment.objects.order_by("-pk").first()
    assert last is not None

    for attachment in Attachment.objects.filter(message__ticket=globex_ticket):
        hidden = client.get(f"/api/v1/attachments/{attachment.pk}/")
        missing = client.get(f"/api/v1/attachments/{last.pk + 100}/")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.content == missing.content


def test_shared_organization_colleagues_see_each_others_tickets(
    api_as: ApiAs, customer: User, acme: Organization, globex_ticket: Ticket
) -> None:
    colleague = UserFactory.create(email="carl@acme.example", organization=acme)
    theirs = open_ticket(colleague, "Carl's printer")
    client = api_as(customer)

    assert keys(client.get(URL)) == set()
    assert client.get(f"{URL}{theirs.key}/").status_code == 404
    acme.shares_tickets = True
    acme.save()
    assert keys(client.get(URL)) == {theirs.key}
    assert client.get(f"{URL}{theirs.key}/").status_code == 200
    assert keys(client.get(URL, {"q": "printer"})) == {theirs.key}


def test_agent_limited_to_a_queue_sees_only_that_queue(
    api_as: ApiAs, customer: User, globex_ticket: Ticket
) -> None:
    it = QueueFactory.create(slug="it")
    in_it = open_ticket(customer, "IT printer", queue=it)
    it_agent = UserFactory.create(role=User.Role.AGENT)
    it.agents.add(it_agent)
    client = api_as(it_agent)

    assert keys(client.get(URL)) == {in_it.key}
    assert keys(client.get(URL, {"q": "printer"})) == {in_it.key}
    assert client.get(f"{URL}{globex_ticket.key}/").status_code == 404


def test_deactivated_agent_sees_nothing(api_as: ApiAs, globex_ticket: Ticket) -> None:
    gone = UserFactory.create(role=User.Role.AGENT, is_active=False)

    assert keys(api_as(gone).get(URL)) == set()


# Internal notes reach no customer -------------------------------------------------------


def test_internal_notes_appear_in_no_customer_response(
    api_as: ApiAs, customer: User, agent: User
) -> None:
    ticket = open_ticket(customer, "Acme printer jams")
    services.post_note(
        ticket,
        author=agent,
        body=f"{SECRET}: customer is on an old firmware",
        attachments=[SimpleUploadedFile(f"{SECRET}.txt", b"secret")],
    )
    note_file = Attachment.objects.get(filename=f"{SECRET}.txt")
    client = api_as(customer)

    responses = [
        client.get(URL),
        client.get(URL, {"q": SECRET}),
        client.get(URL, {"q": "printer"}),
        client.get(f"{URL}{ticket.key}/"),
        client.get(f"{URL}{ticket.key}/messages/"),
        client.post(f"{URL}{ticket.key}/messages/", {"body": "Any news?"}, format="json"),
        client.get(f"{URL}{ticket.key}/rating/"),
    ]

    for response in responses:
        assert response.status_code in (200, 201), response.content
        assert SECRET.encode() not in response.content, response.content
    assert keys(client.get(URL, {"q": SECRET})) == set()
    assert [m["body"] for m in client.get(f"{URL}{ticket.key}/messages/").json()] == ["Any news?"]
    assert client.get(f"/api/v1/attachments/{note_file.pk}/").status_code == 404
    # The agent's view of the same ticket does carry it.
    agent_view = api_as(agent).get(f"{URL}{ticket.key}/messages/").json()
    assert any(SECRET in m["body"] for m in agent_view)
    assert keys(api_as(agent).get(URL, {"q": SECRET})) == {ticket.key}


def test_a_note_never_changes_what_a_customer_reads_of_the_thread(
    api_as: ApiAs, customer: User, agent: User
) -> None:
    ticket = open_ticket(customer, "Acme printer jams")
    services.post_reply(ticket, author=agent, body="Try again please.")
    client = api_as(customer)
    before = json.loads(client.get(f"{URL}{ticket.key}/messages/").content)

    services.post_note(ticket, author=agent, body=SECRET)

    assert json.loads(client.get(f"{URL}{ticket.key}/messages/").content) == before
