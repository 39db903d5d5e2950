"""The agents report on a small hand-built desk, every figure computed by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deskpact.accounts.models import User
from deskpact.contracts.models import WorkLog
from deskpact.reports.agents import (
    AgentFilters,
    UnknownAgent,
    UnknownQueue,
    agents_report,
    csv_rows,
    headings,
    parse_filters,
)
from deskpact.reports.csv_export import rows_to_csv
from deskpact.reports.ranges import BadRange, DateRange
from deskpact.testing.factories import QueueFactory, TicketFactory, UserFactory
from deskpact.tickets.models import Message, Queue, Rating, Ticket, TicketEvent

MARCH = DateRange(date(2026, 3, 1), date(2026, 3, 10))
TODAY = date(2026, 3, 20)


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime.fromisoformat(f"2026-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:00+00:00")


@dataclass
class Desk:
    ana: User
    ben: User
    cy: User
    customer: User
    support: Queue
    billing: Queue


def _reply(ticket: Ticket, author: User, when: datetime, *, internal: bool = False) -> None:
    Message.objects.create(
        ticket=ticket, author=author, body="…", is_internal=internal, channel="web", created_at=when
    )


def _resolve(ticket: Ticket, by: User, when: datetime) -> None:
    TicketEvent.objects.create(
        ticket=ticket,
        actor=by,
        kind="status",
        data={"before": "open", "after": "resolved"},
        at=when,
    )


def _log(ticket: Ticket, agent: User, when: datetime, minutes: int) -> None:
    WorkLog.objects.create(
        ticket=ticket, agent=agent, started_at=when, minutes=minutes, channel="web", logged_by=agent
    )


def _rate(ticket: Ticket, by: User, when: datetime, score: int) -> None:
    assert ticket.resolved_at is not None
    Rating.objects.create(
        ticket=ticket, resolved_at=ticket.resolved_at, score=score, rated_by=by, created_at=when
    )


def _ticket(
    queue: Queue,
    customer: User,
    owner: User | None,
    created: datetime,
    *,
    status: str = Ticket.Status.OPEN,
    first_response: datetime | None = None,
    resolved: datetime | None = None,
) -> Ticket:
    return TicketFactory.create(
        queue=queue,
        requester=customer,
        owner=owner,
        status=status,
        created_at=created,
        first_response_at=first_response,
        resolved_at=resolved,
    )


def build_desk() -> Desk:
    """Three agents (Cy with nothing in March 1-10, Ben with no ratings), two queues.

    Expected March 1-10 figures, by hand (hours):
      Ana: open 2 (t3, t4); handled t1 t2 t4 t8 t9 = 5; logs 30+45+20 = 95 min = 1.58 h;
           first responses [0.5, 1, 1, 2, 6]: median 1, p90 2 + 4 * 0.6 = 4.4;
           resolutions [2, 4, 24]: median 4, p90 4 + 20 * 0.8 = 20; ratings 5, 3, 5: 4.33 (3).
      Ben: open 0; handled t2 t3 t5 t6 = 4; logs 50+40 = 90 min = 1.50 h; first response [3];
           resolutions [24, 360]: median 192, p90 24 + 336 * 0.9 = 326.4; no rating in range.
      Cy:  open 1 (t7, from February); nothing else.
      Team: open 3; handled 8 distinct tickets; 185 min = 3.08 h;
           first responses [0.25, 0.5, 1, 1, 2, 3, 6]: median 1, p90 3 + 3 * 0.4 = 4.2;
           resolutions [2, 4, 24, 24, 360]: median 24, p90 24 + 336 * 0.6 = 225.6;
           ratings 4.33 (3).
    """
    ana = UserFactory.create(name="Ana", email="ana@desk.example", role=User.Role.AGENT)
    ben = UserFactory.create(name="Ben", email="ben@desk.example", role=User.Role.ADMIN)
    cy = UserFactory.create(name="Cy", email="cy@desk.example", role=User.Role.AGENT)
    customer = UserFactory.create(name="Carla", email="carla@client.example")
    support = QueueFactory.create(name="Support", slug="support")
    billing = QueueFactory.create(name="Billing", slug="billing")
    resolved = Ticket.Status.RESOLVED

    t1 = _ticket(support, customer, ana, at(2, 8), status=resolved, first_response=at(2, 9),
                 resolved=at(2, 12))  # fmt: skip
    _reply(t1, ana, at(2, 9))
    _reply(t1, customer, at(2, 10))  # a customer's reply handles nothing
    _resolve(t1, ana, at(2, 12))
    _rate(t1, customer, at(3, 9), 5)
    _log(t1, ana, at(2, 8, 30), 30)
    _log(t1, ana, at(28, 8, month=2), 60)  # before the range

    t2 = _ticket(support, customer, ana, at(3, 8), status=resolved, first_response=at(3, 10),
                 resolved=at(4, 8))  # fmt: skip
    _reply(t2, ana, at(3, 10))
    _resolve(t2, ben, at(4, 8))  # Ben resolves Ana's ticket: handled by both
    _rate(t2, customer, at(5, 9), 3)
    _log(t2, ana, at(3, 9), 45)

    t3 = _ticket(support, customer, ana, at(4, 8), first_response=at(4, 8, 30))
    _reply(t3, ben, at(4, 8, 30))
    _reply(t3, ana, at(4, 9), internal=True)  # a note handles nothing
    _reply(t3, ana, at(11, 9))  # after the range

    t4 = _ticket(support, customer, ana, at(5, 8), status=Ticket.Status.PENDING,
                 first_response=at(5, 14))  # fmt: skip
    _reply(t4, ana, at(5, 14))

    t5 = _ticket(support, customer, ben, at(5, 9), status=resolved, first_response=at(5, 12),
                 resolved=at(6, 9))  # fmt: skip
    _reply(t5, ben, at(5, 12))
    _resolve(t5, ben, at(6, 9))
    _log(t5, ben, at(5, 11), 50)

    t6 = _ticket(support, customer, ben, at(20, 9, month=2), status=resolved,
                 first_response=at(20, 10, month=2), resolved=at(7, 9))  # fmt: skip
    _reply(t6, ben, at(20, 10, month=2))
    _reply(t6, ben, at(7, 9))
    _resolve(t6, ben, at(7, 9))
    _rate(t6, customer, at(12, 9), 1)  # after the range: Ben has no rating in it
    _log(t6, ben, at(7, 8), 40)

    _ticket(support, customer, cy, at(1, 8, month=2))  # t7: Cy's, quiet in March

    t8 = _ticket(support, customer, None, at(6, 10), first_response=at(6, 10, 15))
    _reply(t8, ana, at(6, 10, 15))

    t9 = _ticket(billing, customer, ana, at(8, 8), status=resolved, first_response=at(8, 9),
                 resolved=at(8, 10))  # fmt: skip
    _reply(t9, ana, at(8, 9))
    _resolve(t9, ana, at(8, 10))
    _rate(t9, customer, at(9, 9), 5)
    _log(t9, ana, at(8, 9), 20)
    return Desk(ana, ben, cy, customer, support, billing)


@pytest.fixture
def desk(db: None, settings: Any) -> Desk:
    settings.TIME_ZONE = "UTC"
    return build_desk()


def _d(text: str) -> Decimal:
    return Decimal(text)


ANA = {
    "agent": "Ana",
    "open_owned": 2,
    "handled": 5,
    "hours_logged": _d("1.58"),
    "first_response_tickets": 5,
    "first_response_median_hours": _d("1.00"),
    "first_response_p90_hours": _d("4.40"),
    "resolved_tickets": 3,
    "resolution_median_hours": _d("4.00"),
    "resolution_p90_hours": _d("20.00"),
    "average_rating": _d("4.33"),
    "ratings": 3,
}
BEN = {
    "agent": "Ben",
    "open_owned": 0,
    "handled": 4,
    "hours_logged": _d("1.50"),
    "first_response_tickets": 1,
    "first_response_median_hours": _d("3.00"),
    "first_response_p90_hours": _d("3.00"),
    "resolved_tickets": 2,
    "resolution_median_hours": _d("192.00"),
    "resolution_p90_hours": _d("326.40"),
    "average_rating": None,
    "ratings": 0,
}
NOTHING = {
    "open_owned": 0,
    "handled": 0,
    "hours_logged": _d("0.00"),
    "first_response_tickets": 0,
    "first_response_median_hours": None,
    "first_response_p90_hours": None,
    "resolved_tickets": 0,
    "resolution_median_hours": None,
    "resolution_p90_hours": None,
    "average_rating": None,
    "ratings": 0,
}
CY = {**NOTHING, "agent": "Cy", "open_owned": 1}
TEAM = {
    "agent": "Team",
    "open_owned": 3,
    "handled": 8,
    "hours_logged": _d("3.08"),
    "first_response_tickets": 7,
    "first_response_median_hours": _d("1.00"),
    "first_response_p90_hours": _d("4.20"),
    "resolved_tickets": 5,
    "resolution_median_hours": _d("24.00"),
    "resolution_p90_hours": _d("225.60"),
    "average_rating": _d("4.33"),
    "ratings": 3,
}


def test_each_agent_and_the_team_have_the_hand_computed_figures(desk: Desk) -> None:
    report = agents_report(AgentFilters(range=MARCH))

    assert [row.shown() for row in report.agents] == [ANA, BEN, CY]
    assert report.team.shown() == TEAM


def test_the_team_counts_a_ticket_two_agents_handled_once(desk: Desk) -> None:
    report = agents_report(AgentFilters(range=MARCH))

    assert sum(row.handled for row in report.agents) == 9
    assert report.team.handled == 8


def test_an_empty_range_keeps_only_what_is_open_now(desk: Desk) -> None:
    report = agents_report(AgentFilters(range=DateRange(date(2025, 1, 1), date(2025, 1, 31))))

    assert [row.shown() for row in report.agents] == [
        {**NOTHING, "agent": "Ana", "open_owned": 2},
        {**NOTHING, "agent": "Ben"},
        CY,
    ]
    assert report.team.shown() == {**NOTHING, "agent": "Team", "open_owned": 3}


def test_a_queue_narrows_every_figure_to_its_tickets(desk: Desk) -> None:
    report = agents_report(AgentFilters(range=MARCH, queue=desk.billing))

    one_ticket = {
        **NOTHING,
        "handled": 1,
        "hours_logged": _d("0.33"),
        "first_response_tickets": 1,
        "first_response_median_hours": _d("1.00"),
        "first_response_p90_hours": _d("1.00"),
        "resolved_tickets": 1,
        "resolution_median_hours": _d("2.00"),
        "resolution_p90_hours": _d("2.00"),
        "average_rating": _d("5.00"),
        "ratings": 1,
    }
    assert [row.shown() for row in report.agents] == [
        {**one_ticket, "agent": "Ana"},
        {**NOTHING, "agent": "Ben"},
        {**NOTHING, "agent": "Cy"},
    ]
    assert report.team.shown() == {**one_ticket, "agent": "Team"}


def test_an_agent_filter_shows_that_row_next_to_the_whole_team(desk: Desk) -> None:
    report = agents_report(AgentFilters(range=MARCH, agent=desk.ben))

    assert [row.shown() for row in report.agents] == [BEN]
    assert report.team.shown() == TEAM


def test_a_deactivated_agent_with_figures_in_the_range_still_shows(desk: Desk) -> None:
    User.objects.filter(pk=desk.ben.pk).update(is_active=False)
    User.objects.filter(pk=desk.cy.pk).update(is_active=False)

    report = agents_report(AgentFilters(range=DateRange(date(2026, 3, 6), date(2026, 3, 10))))

    # Ben resolved t6 on March 7; Cy still owns an open ticket, so he shows too.
    assert [row.name for row in report.agents] == ["Ana", "Ben", "Cy"]
    User.objects.filter(pk=desk.cy.pk).update(is_active=True)
    Ticket.objects.filter(owner=desk.cy).update(status=Ticket.Status.CLOSED)
    report = agents_report(AgentFilters(range=DateRange(date(2026, 3, 1), date(2026, 3, 1))))
    assert [row.name for row in report.agents] == ["Ana", "Cy"]


def test_the_csv_holds_exactly_the_rounded_figures(desk: Desk) -> None:
    report = agents_report(AgentFilters(range=MARCH))

    lines = rows_to_csv(headings(), csv_rows(report)).splitlines()

    assert lines[0].startswith("Agent,Open tickets owned,Tickets handled,Hours logged,")
    assert lines[1:] == [
        "Ana,2,5,1.58,5,1.00,4.40,3,4.00,20.00,4.33,3",
        "Ben,0,4,1.50,1,3.00,3.00,2,192.00,326.40,,0",
        "Cy,1,0,0.00,0,,,0,,,,0",
        "Team,3,8,3.08,7,1.00,4.20,5,24.00,225.60,4.33,3",
    ]


def _busy_agents(count: int) -> None:
    """`count` agents, each with a ticket, a reply, a resolution, a work log and a rating."""
    customer = UserFactory.create()
    queue = QueueFactory.create(slug="support")
    for n in range(count):
        person = UserFactory.create(role=User.Role.AGENT)
        start = at(2, 8) + timedelta(hours=n)
        ticket = _ticket(queue, customer, person, start, status=Ticket.Status.RESOLVED,
                         first_response=start + timedelta(minutes=10),
                         resolved=start + timedelta(hours=2))  # fmt: skip
        _reply(ticket, person, start + timedelta(minutes=10))
        _resolve(ticket, person, start + timedelta(hours=2))
        _log(ticket, person, start, 15)
        _rate(ticket, customer, start + timedelta(hours=3), 4)
        _ticket(queue, customer, person, start)


# agents, open owned, handled, hours, ratings, and the two time measures: one query each
# (on PostgreSQL each time measure groups per owner and for the team in one statement).
def _expected_queries() -> int:
    return 7


@pytest.mark.parametrize("count", [2, 6])
@pytest.mark.django_db
def test_the_query_count_does_not_grow_with_the_agents(count: int) -> None:
    _busy_agents(count)

    with CaptureQueriesContext(connection) as queries:
        report = agents_report(AgentFilters(range=MARCH))

    assert len(report.agents) == count and report.team.handled == count
    assert report.team.ratings == count
    assert len(queries) == _expected_queries()


def test_filters_are_parsed_and_unknown_ids_name_their_field(desk: Desk) -> None:
    parsed = parse_filters(
        start="2026-03-01",
        end="2026-03-10",
        agent=str(desk.ana.pk),
        queue=str(desk.billing.pk),
        today=TODAY,
    )
    assert parsed == AgentFilters(range=MARCH, agent=desk.ana, queue=desk.billing)

    with pytest.raises(UnknownAgent) as unknown:
        parse_filters(start=None, end=None, agent="999999", queue=None, today=TODAY)
    assert unknown.value.field == "agent" and unknown.value.code == "unknown_agent"
    with pytest.raises(UnknownAgent) as customer:  # a customer is not an agent
        parse_filters(start=None, end=None, agent=str(desk.customer.pk), queue=None, today=TODAY)
    assert customer.value.field == "agent"
    with pytest.raises(UnknownAgent):
        parse_filters(start=None, end=None, agent="ana", queue=None, today=TODAY)
    with pytest.raises(UnknownQueue) as queue:
        parse_filters(start=None, end=None, agent=None, queue="999999", today=TODAY)
    assert queue.value.field == "queue"


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("2026-03-10", "2026-03-01", "start"),  # reversed
        ("2006-01-01", "2026-01-01", "end"),  # twenty years
        ("2026-13-01", None, "start"),  # not a date
        (None, "yesterday", "end"),
    ],
)
@pytest.mark.django_db
def test_bad_ranges_are_refused_naming_the_field(
    start: str | None, end: str | None, field: str
) -> None:
    with pytest.raises(BadRange) as refused:
        parse_filters(start=start, end=end, agent=None, queue=None, today=TODAY)
    assert refused.value.field == field
