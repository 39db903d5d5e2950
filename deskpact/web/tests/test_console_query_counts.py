"""Statements per request of the console's two hot pages: a fixed number, whatever the
number of tickets in the desk, messages on the ticket or rows on the page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from deskpact.accounts.models import Organization, User
from deskpact.testing.factories import QueueFactory, TicketFactory, UserFactory
from deskpact.tickets import services
from deskpact.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db

AssertNumQueries = Callable[..., Any]

# The contract panel and work section (web/views/console_work.py): the ticket's
# organization's contracts; the work logs with their agents and calls. (The ticket's
# contract, entitlement and the agent's timer come with the ticket; the agents a call may
# name are among the owners.) A ticket under a contract reads its balance and recent use
# too (2 more, test_console_work.py).
WORK_PANELS = 2
# Session, user, the agent's queues (visibility), the ticket with its follow-ups, the
# people who may own it, the conversation with authors and files, the history; then the
# work panels.
TICKET_PAGE = 7 + WORK_PANELS
# Session, user, the agent's queues (visibility), the people, queues and organizations
# of the filter bar, one page of rows, the navigation's counts.
QUEUE_PAGE = 8


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def agent_client(client: Client, agent: User) -> Client:
    client.force_login(agent)
    return client


def a_file(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"some bytes", content_type="text/plain")


def busy_ticket(agent: User, customer: User, *, exchanges: int) -> Ticket:
    """A ticket with `exchanges` rounds of reply (with a file), note and property changes."""
    colleague = UserFactory.create(role=User.Role.AGENT, name="Cole League")
    ticket = services.open_ticket(
        requester=customer,
        submitter=customer,
        subject="Printer on fire",
        body="It smokes.",
        channel=Ticket.Channel.WEB,
        attachments=[a_file("smoke.jpg")],
    )
    for i in range(exchanges):
        services.post_reply(ticket, author=agent, body=f"Reply {i}", attachments=[a_file("a.txt")])
        services.post_note(ticket, author=colleague, body=f"Note {i}")
        services.assign_ticket(ticket, owner=colleague if i % 2 else agent, by=agent)
        services.set_priority(ticket, priority="high" if i % 2 else "low", by=agent)
    for i in range(exchanges):
        TicketFactory.create(requester=customer, follows=ticket, subject=f"Again {i}")
    return ticket


def many_tickets(count: int, *, organization: Organization, owner: User | None = None) -> None:
    people = UserFactory.create_batch(3, organization=organization)
    queue = QueueFactory.create(slug="support", name="Support")
    for i in range(count):
        TicketFactory.create(requester=people[i % 3], queue=queue, owner=owner if i % 2 else None)


# The ticket page ------------------------------------------------------------------------


@pytest.mark.parametrize("exchanges", [0, 1, 12])
def test_the_ticket_page_reads_the_same_statements_for_any_conversation(
    agent_client: Client,
    agent: User,
    customer: User,
    acme: Organization,
    django_assert_num_queries: AssertNumQueries,
    exchanges: int,
) -> None:
    many_tickets(30, organization=acme, owner=agent)
    ticket = busy_ticket(agent, customer, exchanges=exchanges)
    with django_assert_num_queries(TICKET_PAGE):
        response = agent_client.get(f"/console/tickets/{ticket.key}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("/attachments/") == 1 + exchanges  # the opening's file and each reply's
    assert page.count('data-testid="note"') == exchanges
    assert page.count("Follow-ups") == (1 if exchanges else 0)


def test_the_ticket_it_follows_is_one_statement_more(
    agent_client: Client,
    customer: User,
    django_assert_num_queries: AssertNumQueries,
) -> None:
    first = TicketFactory.create(requester=customer, status="closed", subject="Old one")
    ticket = TicketFactory.create(requester=customer, follows=first)
    with django_assert_num_queries(TICKET_PAGE + 1):
        response = agent_client.get(f"/console/tickets/{ticket.key}/")
    assert f'href="/console/tickets/{first.key}/"' in response.content.decode()


def test_names_of_former_owners_in_the_history_are_one_statement_for_all(
    agent_client: Client,
    agent: User,
    customer: User,
    django_assert_num_queries: AssertNumQueries,
) -> None:
    ticket = busy_ticket(agent, customer, exchanges=3)
    # Owners no longer offered (gone, or limited to another queue) are named all the same.
    User.objects.filter(name="Cole League").update(is_active=False)
    with django_assert_num_queries(TICKET_PAGE + 1):
        response = agent_client.get(f"/console/tickets/{ticket.key}/")
    assert "Assigned to Cole League" in response.content.decode()


def test_an_agent_limited_to_a_queue_reads_as_many_statements(
    client: Client,
    customer: User,
    django_assert_num_queries: AssertNumQueries,
) -> None:
    support = QueueFactory.create(slug="support", name="Support")
    limited = UserFactory.create(role=User.Role.AGENT)
    support.agents.add(limited)
    ticket = busy_ticket(limited, customer, exchanges=2)
    Ticket.objects.filter(pk=ticket.pk).update(queue=support)
    client.force_login(limited)
    with django_assert_num_queries(TICKET_PAGE):
        assert client.get(f"/console/tickets/{ticket.key}/").status_code == 200
    elsewhere = TicketFactory.create(requester=customer)  # another queue: not found
    # No owners, thread, history or work panels read.
    with django_assert_num_queries(TICKET_PAGE - 3 - WORK_PANELS):
        assert client.get(f"/console/tickets/{elsewhere.key}/").status_code == 404


def test_the_conversation_keeps_its_order_authors_and_files(
    agent_client: Client, agent: User, customer: User
) -> None:
    ticket = busy_ticket(agent, customer, exchanges=2)
    page = agent_client.get(f"/console/tickets/{ticket.key}/").content.decode()
    bodies = list(
        Message.objects.filter(ticket=ticket).order_by("created_at", "pk").values_list("body")
    )
    positions = [page.index(f">{body}<") for (body,) in bodies]
    assert positions == sorted(positions)
    assert page.count('class="message from-agent note"') == 2
    assert page.count("smoke.jpg") == 1 and page.count("a.txt") == 2


# The queue page --------------------------------------------------------------------------


@pytest.mark.parametrize("per", [25, 50, 100])
@pytest.mark.parametrize("sort", ["newest", "oldest", "updated", "priority"])
def test_a_list_page_reads_the_same_statements_for_any_desk_and_page_size(
    agent_client: Client,
    agent: User,
    acme: Organization,
    django_assert_num_queries: AssertNumQueries,
    per: int,
    sort: str,
) -> None:
    url = f"/console/queues/open/?sort={sort}&per={per}"
    many_tickets(3, organization=acme, owner=agent)
    with django_assert_num_queries(QUEUE_PAGE):
        assert agent_client.get(url).status_code == 200
    many_tickets(per + 20, organization=acme, owner=agent)
    with django_assert_num_queries(QUEUE_PAGE):
        response = agent_client.get(url)
    assert response.content.decode().count('data-testid="row-') == per
    assert 'data-testid="next-page"' in response.content.decode()


def test_later_pages_read_as_many_statements_as_the_first(
    agent_client: Client,
    agent: User,
    acme: Organization,
    django_assert_num_queries: AssertNumQueries,
) -> None:
    many_tickets(80, organization=acme, owner=agent)
    url = "/console/queues/open/"
    for _ in range(3):
        with django_assert_num_queries(QUEUE_PAGE):
            page = agent_client.get(url).content.decode()
        after = page.split('rel="next" href="?after=')[1].split('"')[0]
        url = f"/console/queues/open/?after={after}"


@pytest.mark.parametrize(
    ("which", "extra"),
    [
        ("unassigned", 0),
        ("mine", 0),
        ("open", 0),
        ("status", 1),  # the statuses' counts
        ("organization", 1),  # the busiest organizations
    ],
)
def test_every_list_reads_a_fixed_number_of_statements(
    agent_client: Client,
    agent: User,
    acme: Organization,
    django_assert_num_queries: AssertNumQueries,
    which: str,
    extra: int,
) -> None:
    many_tickets(60, organization=acme, owner=agent)
    with django_assert_num_queries(QUEUE_PAGE + extra):
        assert agent_client.get(f"/console/queues/{which}/?per=50").status_code == 200


def test_filtering_and_searching_read_no_more_statements(
    agent_client: Client,
    agent: User,
    acme: Organization,
    django_assert_num_queries: AssertNumQueries,
) -> None:
    many_tickets(40, organization=acme, owner=agent)
    for url in [
        f"/console/queues/open/?owner=me&priority=normal&organization={acme.pk}&queue=support",
        "/console/queues/open/?q=problem",
        "/console/queues/open/?q=problem&page=2",
    ]:
        with django_assert_num_queries(QUEUE_PAGE):
            assert agent_client.get(url).status_code == 200


def test_an_htmx_filter_request_skips_the_navigation_counts(
    agent_client: Client,
    agent: User,
    acme: Organization,
    django_assert_num_queries: AssertNumQueries,
) -> None:
    many_tickets(40, organization=acme, owner=agent)
    with django_assert_num_queries(QUEUE_PAGE - 1):
        response = agent_client.get("/console/queues/open/?per=25", HTTP_HX_REQUEST="true")
    assert response.content.decode().count('data-testid="row-') == 25


# What the pages write in Python is escaped as the templates escaped it ------------------

SCRIPT = "<script>alert('x')</script>"
ESCAPED = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"
FILENAME = "<b>\"x\" & 'y'.txt"  # no slash: uploads keep only the last part of a path


def test_people_places_and_subjects_are_escaped_in_lists_and_on_the_ticket(
    agent_client: Client, agent: User
) -> None:
    organization = Organization.objects.create(name=f"Org {SCRIPT}")
    person = UserFactory.create(name=f"Eve {SCRIPT}", organization=organization)
    owner = UserFactory.create(role=User.Role.AGENT, name=f"Agent {SCRIPT}")
    queue = QueueFactory.create(slug="evil", name=f"Queue {SCRIPT}")
    ticket = services.open_ticket(
        requester=person,
        submitter=person,
        subject=f"Subject {SCRIPT}",
        body=f"Body {SCRIPT}",
        channel=Ticket.Channel.WEB,
        queue=queue,
        attachments=[a_file(FILENAME)],
    )
    Ticket.objects.filter(pk=ticket.pk).update(owner=owner)
    pages = [
        agent_client.get(f"/console/queues/open/?q={SCRIPT}").content.decode(),
        agent_client.get("/console/queues/open/").content.decode(),
        agent_client.get(f"/console/tickets/{ticket.key}/").content.decode(),
    ]
    for page in pages:
        assert SCRIPT not in page
    listing, ticket_page = pages[1], pages[2]
    for shown in ["Subject", "Eve", "Org", "Agent", "Queue"]:
        assert f"{shown} {ESCAPED}" in listing
    for shown in ["Subject", "Body", "Eve", "Agent"]:
        assert f"{shown} {ESCAPED}" in ticket_page
    assert "&lt;b&gt;&quot;x&quot; &amp; &#x27;y&#x27;.txt" in ticket_page
    assert f'value="{ESCAPED}"' in pages[0]  # the search box keeps what was typed


def test_the_navigation_counts_stop_at_the_cap(
    agent_client: Client, agent: User, acme: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    from deskpact.tickets import console_queries

    monkeypatch.setattr(console_queries, "COUNT_CAP", 4)
    people = UserFactory.create_batch(2, organization=acme)
    for status, owner, n in [
        ("new", None, 5),
        ("open", agent, 3),
        ("pending", None, 2),
        ("resolved", None, 6),
    ]:
        for i in range(n):
            TicketFactory.create(requester=people[i % 2], status=status, owner=owner)
    counts = console_queries.list_counts(console_queries.tickets_for(agent), agent=agent)
    assert counts == {
        "unassigned": 4,  # 7 new or pending
        "mine": 3,
        "open": 4,  # 10 active
        "status_new": 4,
        "status_on_hold": 0,
        "status_open": 3,
        "status_pending": 2,
    }
