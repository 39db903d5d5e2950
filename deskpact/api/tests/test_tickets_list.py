"""GET /api/v1/tickets/: filters, ordering on an allowlist, cursor pages, search, query counts."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from deskpact.accounts.models import Organization, User
from deskpact.api.tests.support import assert_field_refused
from deskpact.testing.factories import QueueFactory, TicketFactory, UserFactory
from deskpact.tickets import services
from deskpact.tickets.models import Ticket

ApiAs = Callable[[User], APIClient]
URL = "/api/v1/tickets/"
T0 = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def keys(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["key"] for row in response.json()["results"]]


def key_set(response: Any) -> set[str]:
    return set(keys(response))


@pytest.fixture
def desk(customer: User, other_customer: User, agent: User) -> dict[str, Ticket]:
    """A small desk: tickets in every state the filters tell apart."""
    colleague = UserFactory.create(email="ann@desk.example", role=User.Role.AGENT)
    return {
        "new_web": TicketFactory.create(
            requester=customer, subject="Printer jams", created_at=T0, updated_at=T0
        ),
        "open_mine": TicketFactory.create(
            requester=customer,
            subject="Invoice wrong",
            status=Ticket.Status.OPEN,
            owner=agent,
            channel=Ticket.Channel.PHONE,
            priority=Ticket.Priority.HIGH,
            created_at=T0 + timedelta(days=1),
            updated_at=T0 + timedelta(days=5),
        ),
        "pending_other": TicketFactory.create(
            requester=other_customer,
            subject="VPN drops",
            status=Ticket.Status.PENDING,
            owner=colleague,
            channel=Ticket.Channel.EMAIL,
            queue=QueueFactory.create(slug="it"),
            created_at=T0 + timedelta(days=2),
            updated_at=T0 + timedelta(days=2),
        ),
        "resolved_api": TicketFactory.create(
            requester=other_customer,
            subject="Password reset",
            status=Ticket.Status.RESOLVED,
            channel=Ticket.Channel.API,
            created_at=T0 + timedelta(days=3),
            updated_at=T0 + timedelta(days=3),
        ),
    }


def no_password_in(queries: CaptureQueriesContext) -> bool:
    """No query names the password column (password_changed_at is another column)."""
    return not any('"password"' in query["sql"] for query in queries.captured_queries)


def named(desk: dict[str, Ticket], *names: str) -> set[str]:
    return {desk[name].key for name in names}


# Filters --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ("new_web", "open_mine", "pending_other", "resolved_api")),
        ({"status": "open"}, ("open_mine",)),
        ({"status": ["new", "resolved"]}, ("new_web", "resolved_api")),
        ({"priority": "high"}, ("open_mine",)),
        ({"channel": "email"}, ("pending_other",)),
        ({"channel": ["phone", "api"]}, ("open_mine", "resolved_api")),
        ({"queue": "it"}, ("pending_other",)),
        ({"owner": "none"}, ("new_web", "resolved_api")),
        ({"created_after": "2025-03-11T09:00:00Z"}, ("open_mine", "pending_other", "resolved_api")),
        ({"created_before": "2025-03-11T09:00:00Z"}, ("new_web",)),
        (
            {"created_after": "2025-03-11T00:00:00Z", "created_before": "2025-03-13T00:00:00Z"},
            ("open_mine", "pending_other"),
        ),
        (
            {"created_after": "2025-03-11T10:00:00+01:00"},
            ("open_mine", "pending_other", "resolved_api"),
        ),
        ({"status": "pending", "channel": "email", "queue": "it"}, ("pending_other",)),
        ({"status": "pending", "channel": "web"}, ()),
    ],
)
def test_agent_filters_tickets(
    api_as: ApiAs,
    agent: User,
    desk: dict[str, Ticket],
    params: dict[str, Any],
    expected: tuple[str, ...],
) -> None:
    assert key_set(api_as(agent).get(URL, params)) == named(desk, *expected)


def test_owner_me_is_the_caller(api_as: ApiAs, agent: User, desk: dict[str, Ticket]) -> None:
    assert keys(api_as(agent).get(URL, {"owner": "me"})) == [desk["open_mine"].key]


def test_owner_by_id(api_as: ApiAs, agent: User, desk: dict[str, Ticket]) -> None:
    colleague = desk["pending_other"].owner
    assert colleague is not None

    assert keys(api_as(agent).get(URL, {"owner": colleague.pk})) == [desk["pending_other"].key]


def test_filter_by_organization_and_requester(
    api_as: ApiAs,
    agent: User,
    globex: Organization,
    other_customer: User,
    customer: User,
    desk: dict[str, Ticket],
) -> None:
    client = api_as(agent)

    assert key_set(client.get(URL, {"organization": globex.pk})) == named(
        desk, "pending_other", "resolved_api"
    )
    assert key_set(client.get(URL, {"requester": customer.pk})) == named(
        desk, "new_web", "open_mine"
    )
    assert key_set(client.get(URL, {"requester": customer.pk, "organization": globex.pk})) == set()


def test_unknown_organization_answers_like_one_the_customer_cannot_see(
    api_as: ApiAs, customer: User, globex: Organization, desk: dict[str, Ticket]
) -> None:
    client = api_as(customer)

    hidden = client.get(URL, {"organization": globex.pk})
    unknown = client.get(URL, {"organization": 999_999})

    assert hidden.status_code == unknown.status_code == 200
    assert hidden.json() == unknown.json() == {"next": None, "previous": None, "results": []}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "bogus"}, "status"),
        ({"priority": "critical"}, "priority"),
        ({"channel": "fax"}, "channel"),
        ({"owner": "someone"}, "owner"),
        ({"owner": "²"}, "owner"),  # a digit to str.isdigit(), not to int()
        ({"owner": "-3"}, "owner"),
        ({"owner": "99999999999999999999999"}, "owner"),
        ({"organization": "acme"}, "organization"),
        ({"organization": "1.5"}, "organization"),
        ({"organization": "1e30"}, "organization"),
        ({"requester": "99999999999999999999999"}, "requester"),
        ({"created_after": "yesterday"}, "created_after"),
        ({"created_before": "2025-13-45T00:00:00Z"}, "created_before"),
        ({"queue": "it\x00"}, "queue"),
        ({"cursor": "not-a-cursor"}, "cursor"),
    ],
)
def test_invalid_filter_values_are_a_problem_naming_the_parameter(
    api_as: ApiAs, agent: User, desk: dict[str, Ticket], params: dict[str, str], field: str
) -> None:
    assert_field_refused(api_as(agent).get(URL, params), field)


def test_a_forged_cursor_position_never_reaches_sql(api_as: ApiAs, agent: User) -> None:
    forged = base64.b64encode(b"p=' OR 1=1 --").decode()

    assert_field_refused(api_as(agent).get(URL, {"cursor": forged}), "cursor")


# Ordering -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("created_at", ["new_web", "open_mine", "pending_other", "resolved_api"]),
        ("-created_at", ["resolved_api", "pending_other", "open_mine", "new_web"]),
        ("-updated_at", ["open_mine", "resolved_api", "pending_other", "new_web"]),
        ("updated_at", ["new_web", "pending_other", "resolved_api", "open_mine"]),
    ],
)
def test_ordering_by_allowed_fields(
    api_as: ApiAs, agent: User, desk: dict[str, Ticket], ordering: str, expected: list[str]
) -> None:
    response = api_as(agent).get(URL, {"ordering": ordering})

    assert keys(response) == [desk[name].key for name in expected]


def test_default_order_is_newest_first(api_as: ApiAs, agent: User, desk: dict[str, Ticket]) -> None:
    assert keys(api_as(agent).get(URL)) == [
        desk[name].key for name in ("resolved_api", "pending_other", "open_mine", "new_web")
    ]


@pytest.mark.parametrize(
    "ordering",
    [
        "owner__password",
        "-owner__password",
        "requester__password",
        "created_at,owner__password",
        "password",
        "id",
        "subject",
        ",",
    ],
)
def test_ordering_off_the_allowlist_is_refused_before_any_sql(
    api_as: ApiAs, agent: User, desk: dict[str, Ticket], ordering: str
) -> None:
    client = api_as(agent)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, {"ordering": ordering})

    assert_field_refused(response, "ordering")
    assert no_password_in(queries)


def test_filters_off_the_allowlist_are_not_applied(
    api_as: ApiAs, agent: User, desk: dict[str, Ticket]
) -> None:
    client = api_as(agent)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, {"owner__password__startswith": "md5", "subject": "x"})

    assert len(keys(response)) == 4
    assert no_password_in(queries)


# Cursor pagination ----------------------------------------------------------------------


def test_following_next_visits_every_ticket_once(api_as: ApiAs, agent: User) -> None:
    queue = QueueFactory.create()
    requester = UserFactory.create()
    # Many tickets share a timestamp: the cursor must break those ties without repeats.
    rows = [
        TicketFactory.create(queue=queue, requester=requester, created_at=T0 + timedelta(i // 7))
        for i in range(60)
    ]
    client = api_as(agent)

    seen: list[str] = []
    pages = 0
    url: str | None = f"{URL}?page_size=25"
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        assert len(body["results"]) <= 25
        seen += [row["key"] for row in body["results"]]
        url = body["next"]
        pages += 1

    assert pages == 3
    assert len(seen) == len(set(seen)) == 60
    expected = sorted(rows, key=lambda t: (t.created_at, t.pk), reverse=True)
    assert seen == [t.key for t in expected]


def test_following_next_in_ascending_order_visits_every_ticket_once(
    api_as: ApiAs, agent: User
) -> None:
    queue = QueueFactory.create()
    requester = UserFactory.create()
    for i in range(60):
        TicketFactory.create(queue=queue, requester=requester, created_at=T0 + timedelta(i // 9))
    client = api_as(agent)

    seen: list[int] = []
    url: str | None = f"{URL}?page_size=25&ordering=created_at"
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]

    assert len(seen) == len(set(seen)) == 60
    rows = Ticket.objects.filter(pk__in=seen)
    assert seen == [t.pk for t in sorted(rows, key=lambda t: (t.created_at, t.pk))]


def test_page_size_is_capped(api_as: ApiAs, agent: User) -> None:
    queue = QueueFactory.create()
    requester = UserFactory.create()
    TicketFactory.create_batch(105, queue=queue, requester=requester)

    assert len(keys(api_as(agent).get(URL, {"page_size": 500}))) == 100


# Search ---------------------------------------------------------------------------------


def open_ticket(requester: User, subject: str, body: str = "Details follow.") -> Ticket:
    return services.open_ticket(
        requester=requester, submitter=requester, subject=subject, body=body, channel="web"
    )


def test_search_finds_matching_visible_tickets_only(
    api_as: ApiAs, customer: User, other_customer: User
) -> None:
    mine = open_ticket(customer, "Printer on floor 3 jams")
    open_ticket(customer, "Invoice is wrong")
    open_ticket(other_customer, "Printer in Globex lobby jams")

    response = api_as(customer).get(URL, {"q": "printer"})

    assert keys(response) == [mine.key]
    assert response.json()["count"] == 1


def test_agent_search_spans_organizations_and_combines_with_filters(
    api_as: ApiAs, agent: User, customer: User, other_customer: User
) -> None:
    acme = open_ticket(customer, "Printer on floor 3 jams")
    globex = open_ticket(other_customer, "Printer in Globex lobby jams")
    open_ticket(other_customer, "VPN drops")
    client = api_as(agent)

    assert set(keys(client.get(URL, {"q": "printer"}))) == {acme.key, globex.key}
    assert keys(client.get(URL, {"q": "printer", "organization": str(globex.organization_id)})) == [
        globex.key
    ]


def test_search_ranks_subject_matches_first_unless_ordering_is_given(
    api_as: ApiAs, agent: User, customer: User
) -> None:
    subject = open_ticket(customer, "Printer jams", body="Paper stuck.")
    body = open_ticket(customer, "Office trouble", body="The printer on floor 3 jams again.")
    client = api_as(agent)

    assert keys(client.get(URL, {"q": "printer"})) == [subject.key, body.key]
    assert keys(client.get(URL, {"q": "printer", "ordering": "-created_at"})) == [
        body.key,
        subject.key,
    ]


def test_search_pages_are_numbered(api_as: ApiAs, agent: User, customer: User) -> None:
    for n in range(7):
        open_ticket(customer, f"Printer {n} jams")
    client = api_as(agent)

    first = client.get(URL, {"q": "printer", "page_size": "5"}).json()
    second = client.get(first["next"]).json()

    assert first["count"] == 7
    assert len(first["results"]) == 5 and len(second["results"]) == 2
    assert not {r["key"] for r in first["results"]} & {r["key"] for r in second["results"]}


@pytest.mark.parametrize(
    "q", ["%00", "%ED%A0%80", "%FF", "'%20OR%201=1%20--", "%22", "*", "printer:*", "a" * 5000]
)
def test_odd_search_text_is_no_error(api_as: ApiAs, customer: User, q: str) -> None:
    open_ticket(customer, "Printer jams")

    response = api_as(customer).get(f"{URL}?q={q}")

    assert response.status_code == 200, response.content


# Query counts ---------------------------------------------------------------------------


def list_queries(client: APIClient, params: dict[str, Any] | None = None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, params or {})
    assert response.status_code == 200, response.content
    return len(queries)


def make_tickets(n: int, organization: Organization | None = None) -> None:
    for _ in range(n):
        requester = UserFactory.create(organization=organization)
        owner = UserFactory.create(role=User.Role.AGENT)
        TicketFactory.create(requester=requester, owner=owner)


def test_list_costs_the_same_queries_for_3_and_30_tickets(api_as: ApiAs, agent: User) -> None:
    client = api_as(agent)
    make_tickets(3)
    few = list_queries(client)
    make_tickets(27)

    assert list_queries(client) == few


def test_customer_list_and_search_cost_the_same_for_3_and_30_tickets(
    api_as: ApiAs, customer: User, acme: Organization
) -> None:
    acme.shares_tickets = True
    acme.save()
    client = api_as(customer)
    make_tickets(3, acme)
    few, few_search = list_queries(client), list_queries(client, {"q": "problem"})
    make_tickets(27, acme)

    assert list_queries(client) == few
    assert list_queries(client, {"q": "problem"}) == few_search


@pytest.mark.parametrize("page", ["abc", "0", "99"])
def test_a_search_page_that_is_not_there_is_a_problem_naming_page(
    api_as: ApiAs, agent: User, customer: User, page: str
) -> None:
    open_ticket(customer, "Printer jams")

    assert_field_refused(api_as(agent).get(URL, {"q": "printer", "page": page}), "page")
