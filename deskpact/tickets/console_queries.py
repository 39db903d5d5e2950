"""Reads shaped for the agent console: its lists, their counts, and the people to pick.

Every function takes a queryset that already went through `selectors.tickets_visible_to`
(or the agent it is for), so nothing here widens what an agent may see.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When

from deskpact.accounts.models import Organization, User
from deskpact.licensing.policy import current_license_model, may_own_tickets
from deskpact.tickets import workflow
from deskpact.tickets.models import Queue, Ticket, TicketEvent

ACTIVE = sorted(s.value for s in workflow.ACTIVE)
DONE = sorted(s.value for s in workflow.Status if s not in workflow.ACTIVE)


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
    active = tickets.filter(status__in=ACTIVE).order_by()
    parts = {
        "unassigned": active.filter(owner__isnull=True),
        "mine": active.filter(owner=agent),
        "open": active,
        **{f"status_{s}": tickets.filter(status=s).order_by() for s in ACTIVE},
    }
    return {name: rows.values("pk")[:COUNT_CAP].count() for name, rows in parts.items()}


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
    membership = Queue.agents.through.objects.filter(queue=OuterRef("pk"), user=agent)
    queues: list[Queue] = list(
        Queue.objects.annotate(is_member=Exists(membership)).order_by("name")
    )
    if agent.is_admin:
        return queues
    mine = [q for q in queues if getattr(q, "is_member", False)]
    return mine or queues


def possible_owners(queue: Queue | None = None) -> list[User]:
    """Active people the license lets own tickets (of `queue`, when given): one query."""
    model = current_license_model()
    roles = [role for role in User.Role.values if may_own_tickets(role, model)]
    people = User.objects.filter(is_active=True, role__in=roles)
    if queue is not None:
        # An agent limited to other queues could not open the ticket they were given.
        limited_elsewhere = Queue.agents.through.objects.filter(user=OuterRef("pk"))
        in_queue = limited_elsewhere.filter(queue=queue)
        people = people.filter(
            Q(role=User.Role.ADMIN) | Exists(in_queue) | ~Exists(limited_elsewhere)
        )
    return list(people.order_by("name", "email"))


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


def related_tickets(
    visible: QuerySet[Ticket], ticket: Ticket
) -> tuple[Ticket | None, list[Ticket]]:
    """The visible ticket this one follows, and its visible follow-ups, in one query."""
    rows = list(
        visible.filter(Q(follows=ticket) | Q(pk=ticket.follows_id or 0)).order_by("created_at")
    )
    follows = next((t for t in rows if t.pk == ticket.follows_id), None)
    return follows, [t for t in rows if t.follows_id == ticket.pk]


def ticket_events(ticket: Ticket) -> list[TicketEvent]:
    return list(TicketEvent.objects.filter(ticket=ticket).select_related("actor"))


def people_by_id(ids: set[int]) -> dict[int, User]:
    return User.objects.in_bulk(sorted(ids)) if ids else {}
