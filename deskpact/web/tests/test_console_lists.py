"""Console lists through HTTP: which tickets each shows, filters, sorts, pages, access."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from deskpact.accounts.models import Organization, User
from deskpact.testing.factories import QueueFactory, TicketFactory, UserFactory
from deskpact.tickets import services
from deskpact.tickets.models import Message, Ticket
from deskpact.web.views import console_paging as paging

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def keys(response: Any) -> list[str]:
    """Ticket keys of the list rows, in page order."""
    return re.findall(r'data-testid="row-(DP-\d+)"', response.content.decode())


def make(minutes: int = 0, **fields: Any) -> Ticket:
    at = T0 + timedelta(minutes=minutes)
    fields.setdefault("created_at", at)
    fields.setdefault("updated_at", at)
    return TicketFactory.create(**fields)


@pytest.fixture
def desk(agent: User, customer: User, other_customer: User) -> dict[str, Ticket]:
    """One ticket of each kind the lists must tell apart."""
    colleague = UserFactory.create(role=User.Role.AGENT, name="Cole League")
    return {
        "new": make(1, requester=customer, status="new"),
        "pending": make(2, requester=other_customer, status="pending"),
        "on_hold": make(3, requester=customer, status="on_hold", owner=colleague),
        "mine_open": make(4, requester=customer, status="open", owner=agent),
        "mine_resolved": make(5, requester=customer, status="resolved", owner=agent),
        "closed": make(6, requester=other_customer, status="closed"),
        "resolved": make(7, requester=other_customer, status="resolved"),
    }


def expected(desk: dict[str, Ticket], *names: str) -> set[str]:
    return {desk[n].key for n in names}


@pytest.fixture
def agent_client(client: Client, agent: User) -> Client:
    client.force_login(agent)
    return client


def test_unassigned_shows_active_tickets_without_an_owner(
    agent_client: Client, desk: dict[str, Ticket]
) -> None:
    response = agent_client.get("/console/queues/unassigned/")
    assert response.status_code == 200
    assert set(keys(response)) == expected(desk, "new", "pending")


def test_mine_shows_only_my_active_tickets(agent_client: Client, desk: dict[str, Ticket]) -> None:
    assert set(keys(agent_client.get("/console/queues/mine/"))) == expected(desk, "mine_open")


def test_all_open_shows_every_active_ticket_whoever_owns_it(
    agent_client: Client, desk: dict[str, Ticket]
) -> None:
    shown = set(keys(agent_client.get("/console/queues/open/")))
    assert shown == expected(desk, "new", "pending", "on_hold", "mine_open")


def test_by_status_shows_resolved_and_closed_too_and_filters_to_one_status(
    agent_client: Client, desk: dict[str, Ticket]
) -> None:
    assert set(keys(agent_client.get("/console/queues/status/"))) == set(
        t.key for t in desk.values()
    )
    response = agent_client.get("/console/queues/status/?status=resolved")
    assert set(keys(response)) == expected(desk, "mine_resolved", "resolved")
    assert 'Resolved <span class="count">2</span>' in response.content.decode()


def test_by_organization_filters_to_one_organization_and_counts_its_active_tickets(
    agent_client: Client, desk: dict[str, Ticket], globex: Organization
) -> None:
    response = agent_client.get(f"/console/queues/organization/?organization={globex.pk}")
    assert set(keys(response)) == expected(desk, "pending", "closed", "resolved")
    page = response.content.decode()
    assert 'Globex <span class="count">1</span>' in page  # one active Globex ticket
    assert 'Acme <span class="count">3</span>' in page


def test_filters_combine_priority_channel_owner_and_queue(
    agent_client: Client, agent: User, customer: User
) -> None:
    billing = QueueFactory.create(name="Billing", slug="billing")
    hit = make(1, requester=customer, priority="high", channel="phone", owner=agent, queue=billing)
    make(2, requester=customer, priority="high", channel="phone", owner=agent)  # other queue
    make(3, requester=customer, priority="low", channel="phone", owner=agent, queue=billing)
    make(4, requester=customer, priority="high", channel="web", owner=agent, queue=billing)
    make(5, requester=customer, priority="high", channel="phone", queue=billing)  # no owner
    url = "/console/queues/open/?priority=high&channel=phone&owner=me&queue=billing"
    assert keys(agent_client.get(url)) == [hit.key]
    assert len(keys(agent_client.get("/console/queues/open/?owner=none&queue=billing"))) == 1


def test_a_filter_value_that_is_not_a_choice_is_ignored(
    agent_client: Client, desk: dict[str, Ticket]
) -> None:
    response = agent_client.get("/console/queues/open/?status=bogus&priority=%27;drop")
    assert response.status_code == 200
    assert len(keys(response)) == 4


def test_search_finds_tickets_by_subject_and_by_internal_notes(
    agent_client: Client, agent: User, customer: User
) -> None:
    printer = make(1, requester=customer, subject="Printer on fire")
    noted = make(2, requester=customer, subject="Slow login")
    make(3, requester=customer, subject="Unrelated")
    Message.objects.create(
        ticket=noted, author=agent, body="Probably the printer driver", is_internal=True
    )
    shown = set(keys(agent_client.get("/console/queues/open/?q=printer")))
    assert shown == {printer.key, noted.key}


def test_a_search_ranks_best_match_first_unless_another_sort_is_chosen(
    agent_client: Client, agent: User, customer: User
) -> None:
    in_subject = make(1, requester=customer, subject="Printer on fire", priority="low")
    in_note = make(2, requester=customer, subject="Slow login", priority="urgent")
    Message.objects.create(
        ticket=in_note, author=agent, body="Probably the printer driver", is_internal=True
    )
    ranked = agent_client.get("/console/queues/open/?q=printer")
    assert keys(ranked) == [in_subject.key, in_note.key]
    assert '<option value="relevance" selected>Best match</option>' in ranked.content.decode()
    by_priority = agent_client.get("/console/queues/open/?q=printer&sort=priority")
    assert keys(by_priority) == [in_note.key, in_subject.key]


def test_sort_by_priority_puts_urgent_first_then_oldest(
    agent_client: Client, customer: User
) -> None:
    low = make(1, requester=customer, priority="low")
    urgent = make(2, requester=customer, priority="urgent")
    high_old = make(3, requester=customer, priority="high")
    high_new = make(4, requester=customer, priority="high")
    response = agent_client.get("/console/queues/open/?sort=priority")
    assert keys(response) == [urgent.key, high_old.key, high_new.key, low.key]


def test_sort_by_updated_and_oldest(agent_client: Client, customer: User) -> None:
    first = make(1, requester=customer, updated_at=T0 + timedelta(days=2))
    second = make(2, requester=customer)
    third = make(3, requester=customer)
    assert keys(agent_client.get("/console/queues/open/?sort=updated")) == [
        first.key,
        third.key,
        second.key,
    ]
    oldest = agent_client.get("/console/queues/open/?sort=oldest")
    assert keys(oldest) == [first.key, second.key, third.key]


def test_an_unknown_sort_is_ignored_and_never_reaches_the_database(
    agent_client: Client, desk: dict[str, Ticket]
) -> None:
    default = keys(agent_client.get("/console/queues/status/"))
    with CaptureQueriesContext(connection) as queries:
        response = agent_client.get("/console/queues/status/?sort=owner__password")
    assert response.status_code == 200
    assert keys(response) == default
    assert default == [t.key for t in sorted(desk.values(), key=lambda t: -t.pk)]
    orderings = [q["sql"].split("ORDER BY", 1)[1] for q in queries if "ORDER BY" in q["sql"]]
    assert orderings and not any("password" in order for order in orderings)


def test_keyset_pages_walk_every_ticket_once_and_back(agent_client: Client, customer: User) -> None:
    tickets = [make(i, requester=customer) for i in range(30)]
    newest_first = [t.key for t in reversed(tickets)]
    first = agent_client.get("/console/queues/open/")
    assert keys(first) == newest_first[:25]
    cursor = re.search(r'href="\?after=([\w-]+)"', first.content.decode())
    assert cursor is not None
    second = agent_client.get(f"/console/queues/open/?after={cursor.group(1)}")
    assert keys(second) == newest_first[25:]
    assert 'data-testid="next-page"' not in second.content.decode()
    back = re.search(r'href="\?before=([\w-]+)"', second.content.decode())
    assert back is not None
    assert (
        keys(agent_client.get(f"/console/queues/open/?before={back.group(1)}"))
        == (newest_first[:25])
    )


def test_keyset_pages_of_three_by_priority_lose_and_repeat_nothing(customer: User) -> None:
    priorities = ["low", "urgent", "normal", "high", "normal", "urgent", "low", "high"]
    for i, priority in enumerate(priorities):
        make(i, requester=customer, priority=priority, created_at=T0)  # ties on created_at
    seen: list[int] = []
    after = None
    while True:
        page = paging.keyset_page(Ticket.objects.all(), "priority", size=3, after=after)
        seen += [t.pk for t in page.rows]
        if not page.next_after:
            break
        after = page.next_after
    ranked = sorted(
        Ticket.objects.all(),
        key=lambda t: (-["low", "normal", "high", "urgent"].index(t.priority), t.pk),
    )
    assert seen == [t.pk for t in ranked]


def test_a_garbled_cursor_gives_the_first_page(agent_client: Client, customer: User) -> None:
    ticket = make(1, requester=customer)
    huge = "WyIyMDI2LTAzLTAyVDA5OjAwOjAwKzAwOjAwIiwgOTk5OTk5OTk5OTk5OTk5OTk5OTk5OTld"
    for cursor in ["garbage", "W10", "WyJ4IiwgMV0", "!!!", huge]:
        response = agent_client.get(f"/console/queues/open/?after={cursor}")
        assert response.status_code == 200
        assert keys(response) == [ticket.key]


def test_htmx_filter_requests_get_only_the_list(agent_client: Client, customer: User) -> None:
    make(1, requester=customer)
    response = agent_client.get(
        "/console/queues/open/?priority=normal", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response.templates[0].name == "console/_ticket_list.html"
    assert "<html" not in response.content.decode()


def test_an_unknown_list_is_not_found(agent_client: Client) -> None:
    assert agent_client.get("/console/queues/everything/").status_code == 404


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("sort", ["newest", "priority"])
def test_a_list_page_costs_the_same_queries_for_3_and_30_tickets(
    agent_client: Client, agent: User, acme: Organization, sort: str
) -> None:
    url = f"/console/queues/open/?per=50&sort={sort}"
    people = UserFactory.create_batch(3, organization=acme)
    for i in range(3):
        make(i, requester=people[i], owner=agent)
    few = _queries(agent_client, url)
    for i in range(27):
        make(10 + i, requester=UserFactory.create(), owner=agent)
    assert len(keys(agent_client.get(url))) == 30
    assert _queries(agent_client, url) == few


def test_the_console_home_counts_waiting_work_and_lists_my_tickets(
    agent_client: Client, desk: dict[str, Ticket]
) -> None:
    page = agent_client.get("/console/").content.decode()
    assert 'data-testid="console-home">Agent console<' in page
    assert desk["mine_open"].key in page and desk["new"].key not in page
    assert (
        'data-testid="nav-unassigned">Unassigned <span class="count" aria-label="2 active">2'
        in page
    )


# Access ----------------------------------------------------------------------------------

CONSOLE_GETS = [
    "/console/",
    "/console/queues/unassigned/",
    "/console/queues/status/",
    "/console/tickets/new/",
    "/console/requesters/?requester_email=al",
    "/console/tickets/{key}/",
]
CONSOLE_POSTS = [
    "/console/tickets/new/",
    "/console/tickets/bulk/",
    "/console/tickets/{key}/reply/",
    "/console/tickets/{key}/note/",
    "/console/tickets/{key}/assign/",
    "/console/tickets/{key}/status/",
    "/console/tickets/{key}/priority/",
    "/console/tickets/{key}/cause/",
]


@pytest.fixture
def own_ticket(customer: User) -> Ticket:
    return services.open_ticket(
        requester=customer, submitter=customer, subject="Mine", body="x", channel="web"
    )


def test_customers_get_403_on_every_console_url(
    client: Client, customer: User, own_ticket: Ticket
) -> None:
    client.force_login(customer)
    for url in CONSOLE_GETS:
        assert client.get(url.format(key=own_ticket.key)).status_code == 403, url
    for url in CONSOLE_POSTS:
        response = client.post(url.format(key=own_ticket.key), {"body": "hi", "status": "closed"})
        assert response.status_code == 403, url
    own_ticket.refresh_from_db()
    assert own_ticket.status == "new" and not own_ticket.messages.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, own_ticket: Ticket) -> None:
    for url in CONSOLE_GETS + CONSOLE_POSTS:
        path = url.format(key=own_ticket.key)
        response = client.post(path) if url in CONSOLE_POSTS else client.get(path)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/?next=")


def test_an_agent_limited_to_a_queue_sees_only_its_tickets(client: Client, customer: User) -> None:
    billing = QueueFactory.create(name="Billing", slug="billing")
    support = QueueFactory.create(name="Support", slug="support")
    limited = UserFactory.create(role=User.Role.AGENT)
    billing.agents.add(limited)
    inside = make(1, requester=customer, queue=billing)
    outside = make(2, requester=customer, queue=support)
    client.force_login(limited)
    assert keys(client.get("/console/queues/status/")) == [inside.key]
    assert keys(client.get(f"/console/queues/open/?q={outside.subject}")) == []
    assert client.get(f"/console/tickets/{inside.key}/").status_code == 200
    assert client.get(f"/console/tickets/{outside.key}/").status_code == 404
    response = client.post(f"/console/tickets/{outside.key}/reply/", {"body": "peek"})
    assert response.status_code == 404
    assert (
        client.post(f"/console/tickets/{outside.key}/status/", {"status": "closed"}).status_code
        == 404
    )
    outside.refresh_from_db()
    assert outside.status == "new" and not outside.messages.exists()
