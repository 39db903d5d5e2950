"""Reads shaped for the agent console: its lists, their counts, and the people to pick.

Every function takes a queryset that already went through the visibility rules of
`selectors` (`tickets_visible_to`, or `tickets_for` below), or the agent it is for, so
nothing here widens what an agent may see.

The console's pages are its hottest reads, so these name the columns they show and
leave Django as little to compile as they can: a statement costs more to build in Python
than SQLite takes to run it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When

from deskpact.accounts.models import Organization, User
from deskpact.licensing.policy import current_license_model, may_own_tickets
from deskpact.tickets import selectors, workflow
from deskpact.tickets.models import Message, Queue, Ticket, TicketEvent

ACTIVE = sorted(s.value for s in workflow.ACTIVE)
DONE = sorted(s.value for s in workflow.Status if s not in workflow.ACTIVE)


def tickets_for(agent: User) -> QuerySet[Ticket]:
    """The tickets `agent` may see (selectors.visibility_filter), without the joins of
    selectors.tickets_visible_to: the console's reads each name the columns they show."""
    return Ticket.objects.filter(selectors.visibility_filter(agent))


class TicketList(StrEnum):
    """The console's standing lists: what an agent looks at before filtering."""

    UNASSIGNED = "unassigned"
    MINE = "mine"
    OPEN = "open"
    BY_ORGANIZATION = "organization"
    BY_STATUS = "status"


LIST_TITLES: dict[TicketList, str] = {
    TicketList.UNASSIGNED: "Unassigned",
    TicketList.MINE: "Mine",
    TicketList.OPEN: "All open",
    TicketList.BY_ORGANIZATION: "By organization",
    TicketList.BY_STATUS: "By status",
}

# Most urgent first when sorting by priority; a plain CharField sorts alphabetically otherwise.
PRIORITY_RANK = Case(
    When(priority=Ticket.Priority.URGENT, then=Value(4)),
    When(priority=Ticket.Priority.HIGH, then=Value(3)),
    When(priority=Ticket.Priority.NORMAL, then=Value(2)),
    When(priority=Ticket.Priority.LOW, then=Value(1)),
    default=Value(0),
    output_field=IntegerField(),
)


def tickets_in_list(
    tickets: QuerySet[Ticket], which: TicketList, *, agent: User
) -> QuerySet[Ticket]:
    """Narrow visible `tickets` to one console list; the status lists keep every status."""
    # "Not done" rather than "in the active list": the planner then walks the newest-first
    # index and stops after one page, instead of sorting every active ticket.
    if which == TicketList.UNASSIGNED:
        return tickets.exclude(status__in=DONE).filter(owner__isnull=True)
    if which == TicketList.MINE:
        return tickets.exclude(status__in=DONE).filter(owner=agent)
    if which == TicketList.OPEN:
        return tickets.exclude(status__in=DONE)
    return tickets


# Counts stop here ("1000+"): each is a bounded index walk, so the navigation costs the
# same with a thousand active tickets as with a million.
COUNT_CAP = 1000


def list_counts(tickets: QuerySet[Ticket], *, agent: User) -> dict[str, int]:
    """Active tickets per list and per active status, each counted up to COUNT_CAP."""
    ids = tickets.order_by().values("pk")
    active = ids.filter(status__in=ACTIVE)
    counts = bounded_counts(
        {
            "unassigned": active.filter(owner__isnull=True),
            "mine": active.filter(owner=agent),
            **{f"status_{s}": ids.filter(status=s) for s in ACTIVE},
        },
        cap=COUNT_CAP,
    )
    # "All open" is the active statuses together: capped parts add up to the capped whole
    # (a part at the cap means the whole is past it), so it needs no walk of its own.
    counts["open"] = min(sum(counts[f"status_{s}"] for s in ACTIVE), COUNT_CAP)
    return counts


def bounded_counts(parts: Mapping[str, QuerySet[Any]], *, cap: int) -> dict[str, int]:
    """How many rows each queryset has, counted up to `cap`, in one statement.

    Each count stays its own subquery with a LIMIT (a bounded index walk, as
    `rows[:cap].count()` would run it); only the round trip is shared. Parts that
    select one column (`.values("pk")`) and no order are the cheapest to compile.
    """
    if not parts:
        return {}
    alias = next(iter(parts.values())).db
    selects: list[str] = []
    params: list[Any] = []
    for i, rows in enumerate(parts.values()):
        try:
            sql, part_params = rows[:cap].query.get_compiler(alias).as_sql()
        except EmptyResultSet:  # a filter that can match nothing (pk__in=[]): no SQL
            selects.append("0")
            continue
        selects.append(f"(SELECT COUNT(*) FROM ({sql}) AS part_{i})")
        params.extend(part_params)
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(selects), params)
        row = cursor.fetchone()
    return {name: int(n) for name, n in zip(parts, row, strict=True)}


def status_counts(tickets: QuerySet[Ticket]) -> dict[str, int]:
    """How many visible tickets are in each status (all statuses, closed included)."""
    rows = tickets.order_by().values_list("status").annotate(n=Count("pk"))
    found = dict(rows)
    return {s: found.get(s, 0) for s in Ticket.Status.values}


def organization_counts(
    tickets: QuerySet[Ticket], *, limit: int = 30
) -> list[Mapping[str, object]]:
    """Organizations with the most active tickets, busiest first (None: no organization)."""
    return list(
        tickets.filter(status__in=ACTIVE)
        .order_by()
        .values("organization_id", "organization__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "organization__name")[:limit]
    )


def organization_choices() -> list[tuple[int, str]]:
    """Every organization as (id, name) for a filter; agents work for all customers."""
    return list(Organization.objects.order_by("name").values_list("pk", "name"))


def queues_visible_to(agent: User) -> list[Queue]:
    """The queues whose tickets `agent` sees: theirs when limited, else every queue."""
    # One row per queue and member (None for a queue without any), sorted out here: far
    # cheaper than the EXISTS per queue that Django would have to compile.
    names = [f.attname for f in Queue._meta.concrete_fields]
    at_pk = names.index(Queue._meta.pk.attname)
    rows = Queue.objects.order_by("name").values_list(*names, "agents")
    queues: dict[int, Queue] = {}
    mine: list[Queue] = []
    for *values, member_id in rows:
        queue = queues.get(values[at_pk])
        if queue is None:
            queue = queues[values[at_pk]] = Queue.from_db(rows.db, names, values)
        if member_id == agent.pk:
            mine.append(queue)
    every = list(queues.values())
    if agent.is_admin:
        return every
    return mine or every


def _owner_candidates(queue: Queue | None) -> QuerySet[User]:
    model = current_license_model()
    roles = [role for role in User.Role.values if may_own_tickets(role, model)]
    if queue is None:
        return User.objects.filter(is_active=True, role__in=roles).order_by("name", "email")
    # An agent limited to other queues could not open the ticket they were given: admins,
    # members of `queue`, and agents limited to no queue (one joined row each, with no
    # queue). DISTINCT: an admin has a joined row per queue.
    people = User.objects.filter(
        Q(role=User.Role.ADMIN) | Q(queues=queue) | Q(queues__isnull=True),
        is_active=True,
        role__in=roles,
    )
    return people.distinct().order_by("name", "email")


def possible_owners(queue: Queue | None = None) -> list[User]:
    """Active people the license lets own tickets (of `queue`, when given): one query."""
    return list(_owner_candidates(queue))


def possible_owners_shown(queue: Queue | None = None) -> list[User]:
    """The people of `possible_owners`, with only what a page shows of them (id, name,
    email, role); actions that hand one to a service read the full rows."""
    return list(_owner_candidates(queue).only("name", "email", "role"))


def find_requesters(text: str, *, limit: int = 10) -> list[User]:
    """Active people whose email or name contains `text`, to pick a phone caller from."""
    text = text.strip()
    if len(text) < 2:
        return []
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(email__icontains=text) | Q(name__icontains=text))
        .select_related("organization")
        .order_by("email")[:limit]
    )


# What the console shows of the people around a ticket: never hashes or account settings.
PERSON = ("name", "email", "role")


def _person(relation: str) -> list[str]:
    return [f"{relation}__{field}" for field in PERSON]


# The columns of the ticket page: the ticket and what it shows of its people and places.
TICKET_PAGE_FIELDS = (
    "subject",
    "body",
    "status",
    "priority",
    "channel",
    "cause",
    "follows",
    "contract",
    "entitlement",
    "created_at",
    "updated_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "queue__name",
    "organization__name",
    *_person("requester"),
    "requester__organization__name",
    *_person("submitter"),
    *_person("owner"),
)

# The columns of a row in a console list, read as tuples: a page of model instances (a
# ticket and four related rows each) costs more to build than to fetch and show.
LIST_COLUMNS = (
    "id",
    "subject",
    "status",
    "priority",
    "created_at",
    "updated_at",
    "queue__name",
    "organization_id",
    "organization__name",
    "requester__name",
    "requester__email",
    "owner_id",
    "owner__name",
    "owner__email",
)


def ticket_with_follow_ups(
    visible: QuerySet[Ticket], number: int, *, timer_of: User | None = None
) -> tuple[Ticket | None, list[Ticket]]:
    """Visible ticket `number` with what its page shows, and its visible follow-ups
    (oldest first), in one query; (None, []) when the ticket is not visible. With
    `timer_of`, each carries `timer_started_at`: when that agent's work timer started."""
    rows = (
        visible.select_related(
            "queue", "organization", "requester__organization", "submitter", "owner"
        )
        .only(*TICKET_PAGE_FIELDS)
        .filter(Q(pk=number) | Q(follows_id=number))
        .order_by()  # sorted below: an ORDER BY costs Django more to compile than the sort
    )
    if timer_of is not None:
        from deskpact.contracts.models import WorkTimer

        timer = WorkTimer.objects.filter(ticket_id=OuterRef("pk"), agent=timer_of)
        rows = rows.annotate(timer_started_at=Subquery(timer.values("started_at")[:1]))
    found = sorted(rows, key=lambda t: (t.created_at, t.pk))
    ticket = next((t for t in found if t.pk == number), None)
    if ticket is None:
        return None, []
    return ticket, [t for t in found if t.pk != number]


def followed_ticket(visible: QuerySet[Ticket], ticket: Ticket) -> Ticket | None:
    """The visible ticket `ticket` continues, if any (no query when it continues none)."""
    if not ticket.follows_id:
        return None
    rows = visible.select_related(None).only("subject", "status").filter(pk=ticket.follows_id)
    return next(iter(rows.order_by()[:1]), None)


def related_tickets(
    visible: QuerySet[Ticket], ticket: Ticket
) -> tuple[Ticket | None, list[Ticket]]:
    """The visible ticket this one follows, and its visible follow-ups, in one query."""
    rows = list(
        visible.select_related(None)
        .only("subject", "status", "follows")
        .filter(Q(follows=ticket) | Q(pk=ticket.follows_id or 0))
        .order_by("created_at")
    )
    follows = next((t for t in rows if t.pk == ticket.follows_id), None)
    return follows, [t for t in rows if t.follows_id == ticket.pk]


@dataclass(frozen=True)
class ThreadFile:
    pk: int
    filename: str
    size: int


@dataclass(frozen=True)
class ThreadMessage:
    """One message of a conversation as the console shows it, with its author and files."""

    pk: int
    author: User  # name, email and role only
    body: str
    is_internal: bool
    channel: str
    created_at: datetime
    files: tuple[ThreadFile, ...]

    def get_channel_display(self) -> str:
        return str(dict(Ticket.Channel.choices).get(self.channel, self.channel))


_THREAD_COLUMNS = (
    "pk",
    "body",
    "is_internal",
    "channel",
    "created_at",
    "author_id",
    "author__name",
    "author__email",
    "author__role",
    "attachments__id",
    "attachments__filename",
    "attachments__size",
)


def _partial_user(db: str, **values: Any) -> User:
    """A user row with only `values` loaded, as .only() gives: the rest loads on access."""
    names = [f.attname for f in User._meta.concrete_fields if f.attname in values]
    return User.from_db(db, names, [values[name] for name in names])


def thread(messages: QuerySet[Message]) -> list[ThreadMessage]:
    """`messages` (already limited to what the reader may see), oldest first, with their
    authors and attachments in one query: a row per message and attachment."""
    rows = messages.prefetch_related(None).order_by().values_list(*_THREAD_COLUMNS, named=True)
    # Sorted here rather than by an ORDER BY, which costs Django more to compile (a
    # message without files has one row, with no file id).
    ordered = sorted(rows, key=lambda r: (r.created_at, r.pk, r.attachments__id or 0))
    authors: dict[int, User] = {}
    firsts: list[Any] = []
    files: dict[int, list[ThreadFile]] = {}
    for r in ordered:
        if r.pk not in files:
            files[r.pk] = []
            firsts.append(r)
            if r.author_id not in authors:
                authors[r.author_id] = _partial_user(
                    rows.db,
                    id=r.author_id,
                    name=r.author__name,
                    email=r.author__email,
                    role=r.author__role,
                )
        if r.attachments__id is not None:
            files[r.pk].append(
                ThreadFile(
                    pk=r.attachments__id, filename=r.attachments__filename, size=r.attachments__size
                )
            )
    return [
        ThreadMessage(
            pk=r.pk,
            author=authors[r.author_id],
            body=r.body,
            is_internal=r.is_internal,
            channel=r.channel,
            created_at=r.created_at,
            files=tuple(files[r.pk]),
        )
        for r in firsts
    ]


@dataclass(frozen=True)
class EventRow:
    kind: str
    data: Any
    at: datetime
    actor_id: int | None
    actor_name: str
    actor_email: str


def ticket_events(ticket: Ticket) -> list[EventRow]:
    """What happened to `ticket`, oldest first, with each actor's name: one query."""
    rows = (
        TicketEvent.objects.filter(ticket_id=ticket.pk)
        .order_by()  # sorted below, cheaper than compiling an ORDER BY
        .values_list("at", "pk", "kind", "data", "actor_id", "actor__name", "actor__email")
    )
    return [
        EventRow(kind, data, at, actor_id, name or "", email or "")
        for at, _, kind, data, actor_id, name, email in sorted(rows, key=lambda row: row[:2])
    ]


def people_by_id(ids: set[int]) -> dict[int, User]:
    return User.objects.only("name", "email").in_bulk(sorted(ids)) if ids else {}
