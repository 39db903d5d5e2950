"""The agents report: each agent's and the team's workload, speed and ratings over a range.

Every figure is aggregated in the database with a fixed number of queries, however many
agents there are. Medians and 90th percentiles use PostgreSQL's percentile_cont; SQLite has
none, so there one query per measure fetches the range's durations and reports/stats.py
interpolates the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, FloatField, Func, Q, QuerySet, Sum

from deskpact.accounts.models import User
from deskpact.contracts.models import WorkLog
from deskpact.core.errors import DomainError
from deskpact.reports.ranges import DateRange, parse_range
from deskpact.reports.stats import percentile
from deskpact.tickets import workflow
from deskpact.tickets.models import Message, Queue, Rating, Ticket, TicketEvent

STAFF_ROLES = (User.Role.AGENT, User.Role.ADMIN)
TWO_PLACES = Decimal("0.01")

# Shown on the page under the table, and served by the API next to the figures.
DEFINITIONS: tuple[tuple[str, str], ...] = (
    (
        "Open tickets owned",
        "Tickets the agent owns now that are new, open, pending or on hold, whatever the "
        "range. Team: all such tickets that have an owner.",
    ),
    (
        "Tickets handled",
        "Distinct tickets on which the agent, during the range, posted a public reply or set "
        "the status to resolved. Internal notes do not count. Team: distinct tickets handled "
        "by any agent, so a ticket two agents worked on counts once for the team.",
    ),
    (
        "Hours logged",
        "Minutes of the agent's work logs that started during the range, in hours.",
    ),
    (
        "First response",
        "For tickets created during the range that have had a public reply from an agent: "
        "the time from creation to that first reply, counted for the ticket's owner. Median "
        "and 90th percentile in hours, interpolated between the nearest tickets; the team "
        "figures include unowned tickets.",
    ),
    (
        "Resolution",
        "For tickets resolved during the range (and not reopened since): the time from "
        "creation to resolution, counted for the ticket's owner; median and 90th percentile "
        "in hours. The team figures include unowned tickets.",
    ),
    (
        "Rating",
        "Average score (1 to 5) of the ratings given during the range for tickets the agent "
        "owns, and how many there were. Team: every rating given during the range.",
    ),
)

# Column keys and headings, in the order the page, the CSV and the API give them.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("agent", "Agent"),
    ("open_owned", "Open tickets owned"),
    ("handled", "Tickets handled"),
    ("hours_logged", "Hours logged"),
    ("first_response_tickets", "First responses"),
    ("first_response_median_hours", "First response, median (h)"),
    ("first_response_p90_hours", "First response, 90th percentile (h)"),
    ("resolved_tickets", "Resolved"),
    ("resolution_median_hours", "Resolution, median (h)"),
    ("resolution_p90_hours", "Resolution, 90th percentile (h)"),
    ("average_rating", "Average rating"),
    ("ratings", "Ratings"),
)


class UnknownAgent(DomainError):
    code = "unknown_agent"


class UnknownQueue(DomainError):
    code = "unknown_queue"


@dataclass(frozen=True)
class AgentFilters:
    """What the report covers: the range, and optionally one agent's row and one queue."""

    range: DateRange
    agent: User | None = None
    queue: Queue | None = None


def _id(text: str, field: str, error: type[DomainError]) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise error(f"{text!r} is not an id (a whole number).", field=field) from None
    if value < 1:
        raise error(f"{text!r} is not an id (a whole number).", field=field)
    return value


def parse_filters(
    *, start: str | None, end: str | None, agent: str | None, queue: str | None, today: date
) -> AgentFilters:
    """The filters as given in a query string; errors name the field (`start`, `end`,
    `agent`, `queue`). An agent is any agent or admin, active or not."""
    period = parse_range(start, end, today=today)
    chosen_agent: User | None = None
    if agent:
        agent_id = _id(agent, "agent", UnknownAgent)
        chosen_agent = User.objects.filter(pk=agent_id, role__in=STAFF_ROLES).first()
        if chosen_agent is None:
            raise UnknownAgent(f"No agent with id {agent_id}.", field="agent")
    chosen_queue: Queue | None = None
    if queue:
        queue_id = _id(queue, "queue", UnknownQueue)
        chosen_queue = Queue.objects.filter(pk=queue_id).first()
        if chosen_queue is None:
            raise UnknownQueue(f"No queue with id {queue_id}.", field="queue")
    return AgentFilters(range=period, agent=chosen_agent, queue=chosen_queue)


def _hours(seconds: float | None) -> Decimal | None:
    if seconds is None:
        return None
    return (Decimal(repr(float(seconds))) / 3600).quantize(TWO_PLACES, ROUND_HALF_UP)


@dataclass(frozen=True)
class Durations:
    """How many tickets a time measure covers, and their median and 90th percentile."""

    count: int = 0
    median_seconds: float | None = None
    p90_seconds: float | None = None

    @classmethod
    def of(cls, seconds: list[float]) -> Durations:
        return cls(len(seconds), percentile(seconds, 0.5), percentile(seconds, 0.9))


@dataclass(frozen=True)
class AgentFigures:
    """One row of the report: an agent's figures, or the team's when `agent_id` is None."""

    agent_id: int | None
    name: str
    open_owned: int = 0
    handled: int = 0
    minutes_logged: int = 0
    first_response: Durations = Durations()
    resolution: Durations = Durations()
    ratings: int = 0
    rating_total: int = 0

    @property
    def hours_logged(self) -> Decimal:
        return (Decimal(self.minutes_logged) / 60).quantize(TWO_PLACES, ROUND_HALF_UP)

    @property
    def average_rating(self) -> Decimal | None:
        if not self.ratings:
            return None
        return (Decimal(self.rating_total) / self.ratings).quantize(TWO_PLACES, ROUND_HALF_UP)

    def shown(self) -> dict[str, Any]:
        """The figures as the page shows them (rounded), keyed like COLUMNS; None is n/a."""
        return {
            "agent": self.name,
            "open_owned": self.open_owned,
            "handled": self.handled,
            "hours_logged": self.hours_logged,
            "first_response_tickets": self.first_response.count,
            "first_response_median_hours": _hours(self.first_response.median_seconds),
            "first_response_p90_hours": _hours(self.first_response.p90_seconds),
            "resolved_tickets": self.resolution.count,
            "resolution_median_hours": _hours(self.resolution.median_seconds),
            "resolution_p90_hours": _hours(self.resolution.p90_seconds),
            "average_rating": self.average_rating,
            "ratings": self.ratings,
        }

    def cells(self) -> list[Any]:
        shown = self.shown()
        return [shown[key] for key, _ in COLUMNS]


@dataclass(frozen=True)
class AgentsReport:
    filters: AgentFilters
    agents: list[AgentFigures]
    team: AgentFigures

    def rows(self) -> list[AgentFigures]:
        """The agents' rows, then the team's."""
        return [*self.agents, self.team]


def csv_rows(report: AgentsReport) -> Iterable[list[Any]]:
    return (row.cells() for row in report.rows())


def headings() -> list[str]:
    return [heading for _, heading in COLUMNS]


# --- Queries -----------------------------------------------------------------------------


def _seconds_between(later: str, earlier: str) -> Func:
    return Func(
        F(later),
        F(earlier),
        template="EXTRACT(EPOCH FROM (%(expressions)s))::double precision",
        arg_joiner=" - ",
        output_field=FloatField(),
    )


def _durations(
    tickets: QuerySet[Ticket], later: str
) -> tuple[dict[int | None, Durations], Durations]:
    """Per owner (None: unowned) and for all, the durations from creation to `later`."""
    if connection.vendor == "postgresql":
        return _durations_grouped(tickets, later)
    grouped: dict[int | None, list[float]] = defaultdict(list)
    everyone: list[float] = []
    for owner_id, created_at, until in tickets.order_by().values_list(
        "owner_id", "created_at", later
    ):
        value = (until - created_at).total_seconds()
        grouped[owner_id].append(value)
        everyone.append(value)
    per_owner = {owner: Durations.of(values) for owner, values in grouped.items()}
    return per_owner, Durations.of(everyone)


def _durations_grouped(
    tickets: QuerySet[Ticket], later: str
) -> tuple[dict[int | None, Durations], Durations]:
    """PostgreSQL: per owner and for all in one statement, GROUPING SETS ((owner), ()), so
    the range's tickets are read once."""
    inner, params = (
        tickets.order_by()
        .annotate(seconds=_seconds_between(later, "created_at"))
        .values_list("owner_id", "seconds")
        .query.sql_with_params()
    )
    sql = (
        "SELECT owner_id, GROUPING(owner_id), COUNT(*), "
        "percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds), "
        "percentile_cont(0.9) WITHIN GROUP (ORDER BY seconds) "
        f"FROM ({inner}) AS durations (owner_id, seconds) "
        "GROUP BY GROUPING SETS ((owner_id), ())"
    )
    per_owner: dict[int | None, Durations] = {}
    total = Durations()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for owner_id, everyone, n, median, p90 in cursor.fetchall():
            if everyone:  # the () set: every ticket
                total = Durations(n, median, p90)
            else:
                per_owner[owner_id] = Durations(n, median, p90)
    return per_owner, total


def _handled(lo: datetime, hi: datetime, queue: Queue | None) -> tuple[dict[int, int], int]:
    """Distinct tickets each agent replied to in public or resolved in [lo, hi), and for
    the team; one statement over the union of the two kinds of rows, read once."""
    replies = Message.objects.filter(
        is_internal=False,
        created_at__gte=lo,
        created_at__lt=hi,
        author__role__in=STAFF_ROLES,
    )
    resolutions = TicketEvent.objects.filter(
        kind="status",
        data__after=Ticket.Status.RESOLVED.value,
        at__gte=lo,
        at__lt=hi,
        actor__role__in=STAFF_ROLES,
    )
    if queue is not None:
        replies = replies.filter(ticket__queue=queue)
        resolutions = resolutions.filter(ticket__queue=queue)
    replies_sql, replies_params = (
        replies.order_by().values_list("author_id", "ticket_id").query.sql_with_params()
    )
    resolutions_sql, resolutions_params = (
        resolutions.order_by().values_list("actor_id", "ticket_id").query.sql_with_params()
    )
    # UNION ALL keeps duplicate (agent, ticket) pairs: COUNT(DISTINCT) drops them. Its
    # columns take the first query's names. No parentheses around the members: SQLite
    # refuses them. The agent is never null (agents are joined), so NULL marks the team.
    pairs = f"{replies_sql} UNION ALL {resolutions_sql}"
    if connection.vendor == "postgresql":
        sql = (
            "SELECT CASE WHEN GROUPING(author_id) = 0 THEN author_id END, "
            f"COUNT(DISTINCT ticket_id) FROM ({pairs}) AS handled "
            "GROUP BY GROUPING SETS ((author_id), ())"
        )
    else:
        sql = (
            f"WITH handled AS ({pairs}) "
            "SELECT author_id, COUNT(DISTINCT ticket_id) FROM handled GROUP BY author_id "
            "UNION ALL SELECT NULL, COUNT(DISTINCT ticket_id) FROM handled"
        )
    params = (*replies_params, *resolutions_params)
    per_agent: dict[int, int] = {}
    team = 0
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for agent_id, count in cursor.fetchall():
            if agent_id is None:
                team = count
            else:
                per_agent[agent_id] = count
    return per_agent, team


def agents_report(filters: AgentFilters) -> AgentsReport:
    """Every agent's figures and the team's for the filters, in a fixed number of queries.

    Agents listed: the chosen one, or every active agent and admin plus anyone else with
    figures in the range (someone who left mid-range still shows)."""
    lo, hi = filters.range.bounds(settings.TIME_ZONE)
    queue = filters.queue
    tickets = Ticket.objects.all()
    if queue is not None:
        tickets = tickets.filter(queue=queue)

    open_owned = dict(
        tickets.filter(status__in=[s.value for s in workflow.ACTIVE], owner__isnull=False)
        .order_by()
        .values("owner_id")
        .annotate(n=Count("id"))
        .values_list("owner_id", "n")
    )
    handled, team_handled = _handled(lo, hi, queue)
    logs = WorkLog.objects.filter(started_at__gte=lo, started_at__lt=hi)
    if queue is not None:
        logs = logs.filter(ticket__queue=queue)
    minutes: dict[int, int] = dict(
        logs.order_by().values("agent_id").annotate(m=Sum("minutes")).values_list("agent_id", "m")
    )
    first_response, team_first_response = _durations(
        tickets.filter(created_at__gte=lo, created_at__lt=hi, first_response_at__isnull=False),
        "first_response_at",
    )
    resolution, team_resolution = _durations(
        tickets.filter(resolved_at__gte=lo, resolved_at__lt=hi), "resolved_at"
    )
    rated = Rating.objects.filter(created_at__gte=lo, created_at__lt=hi)
    if queue is not None:
        rated = rated.filter(ticket__queue=queue)
    ratings: dict[int | None, tuple[int, int]] = {
        owner_id: (n, total)
        for owner_id, n, total in rated.order_by()
        .values("ticket__owner_id")
        .annotate(n=Count("id"), total=Sum("score"))
        .values_list("ticket__owner_id", "n", "total")
    }

    if filters.agent is not None:
        people: list[User] = [filters.agent]
    else:
        seen = {*open_owned, *handled, *minutes, *first_response, *resolution, *ratings}
        seen.discard(None)
        people = list(
            User.objects.filter(
                Q(role__in=STAFF_ROLES, is_active=True) | Q(pk__in=seen, role__in=STAFF_ROLES)
            ).order_by("name", "email", "pk")
        )

    def figures(person: User) -> AgentFigures:
        n, total = ratings.get(person.pk, (0, 0))
        return AgentFigures(
            agent_id=person.pk,
            name=person.name or person.email,
            open_owned=open_owned.get(person.pk, 0),
            handled=handled.get(person.pk, 0),
            minutes_logged=minutes.get(person.pk, 0),
            first_response=first_response.get(person.pk, Durations()),
            resolution=resolution.get(person.pk, Durations()),
            ratings=n,
            rating_total=total,
        )

    team = AgentFigures(
        agent_id=None,
        name="Team",
        open_owned=sum(open_owned.values()),
        handled=team_handled,
        minutes_logged=sum(minutes.values()),
        first_response=team_first_response,
        resolution=team_resolution,
        ratings=sum(n for n, _ in ratings.values()),
        rating_total=sum(total for _, total in ratings.values()),
    )
    return AgentsReport(filters=filters, agents=[figures(p) for p in people], team=team)
