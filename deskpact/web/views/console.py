"""Agent console: the home overview, the ticket lists with filters, and bulk actions.

The ticket page and its actions are in console_ticket.py, phone tickets in console_new.py.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django_htmx.middleware import HtmxDetails

from deskpact.accounts.models import User
from deskpact.accounts.requests import signed_in
from deskpact.core.errors import DomainError
from deskpact.tickets import console_queries, selectors, services
from deskpact.tickets.console_queries import LIST_TITLES, TicketList
from deskpact.tickets.models import Ticket
from deskpact.tickets.search import search_tickets
from deskpact.web.decorators import agent_required
from deskpact.web.forms_console import (
    NOBODY,
    BulkForm,
    QueueFilterForm,
    owner_choices,
    show_service_error,
)
from deskpact.web.markup import address_maker
from deskpact.web.views import console_paging as paging
from deskpact.web.views.console_rows import list_rows

HOME_ROWS = 10


class HtmxRequest(HttpRequest):
    htmx: HtmxDetails


def nav_links(current: str, counts: dict[str, int] | None = None) -> dict[str, Any]:
    """The console's left navigation: its lists, with counts of active tickets when given."""
    list_url = address_maker("console:queue", "open")
    lists = [
        {
            "slug": which.value,
            "url": list_url(which.value),
            "title": title,
            "count": (counts or {}).get(which.value),
            "current": which.value == current,
        }
        for which, title in LIST_TITLES.items()
    ]
    return {"nav_lists": lists, "nav_counts": counts or {}, "nav_current": current}


def nav_context(agent: User, visible: QuerySet[Ticket], current: str) -> dict[str, Any]:
    return nav_links(current, console_queries.list_counts(visible, agent=agent))


@agent_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Where an agent starts: how much waits in each list, and their own open tickets."""
    agent = signed_in(request)
    visible = selectors.tickets_visible_to(agent)
    mine = console_queries.tickets_in_list(visible, TicketList.MINE, agent=agent)
    rows = paging.keyset_page(mine, "priority", size=HOME_ROWS).rows
    return render(
        request, "console/home.html", {"mine": rows, **nav_context(agent, visible, "home")}
    )


def apply_filters(rows: QuerySet[Ticket], filters: dict[str, str], agent: User) -> QuerySet[Ticket]:
    """Narrow `rows` by the filter bar's valid values (all of them are allowlisted choices)."""
    for name in ("status", "priority", "channel"):
        if name in filters:
            rows = rows.filter(**{name: filters[name]})
    owner = filters.get("owner")
    if owner == NOBODY:
        rows = rows.filter(owner__isnull=True)
    elif owner == "me":
        rows = rows.filter(owner=agent)
    elif owner:
        rows = rows.filter(owner_id=int(owner))
    organization = filters.get("organization")
    if organization == NOBODY:
        rows = rows.filter(organization__isnull=True)
    elif organization:
        rows = rows.filter(organization_id=int(organization))
    if "queue" in filters:
        rows = rows.filter(queue__slug=filters["queue"])
    return rows


@agent_required
@require_GET
def ticket_list(request: HtmxRequest, which: str) -> HttpResponse:
    """One console list, filtered, searched, sorted (allowlist) and paged by keyset."""
    try:
        current = TicketList(which)
    except ValueError:
        raise Http404("No such list.") from None
    agent = signed_in(request)
    visible = console_queries.tickets_for(agent)  # rows and counts read only what they show
    owners = console_queries.possible_owners_shown()
    queues = console_queries.queues_visible_to(agent)
    organizations = console_queries.organization_choices()
    form = QueueFilterForm(
        request.GET, owners=owners, organizations=organizations, queues=queues, me=agent
    )
    filters = form.valid_values()
    rows = apply_filters(
        console_queries.tickets_in_list(visible, current, agent=agent), filters, agent
    )
    query = filters.get("q", "")
    if query:
        rows = search_tickets(rows, query, include_internal=True)
    sort = paging.pick_sort(request.GET.get("sort"), searching=bool(query))
    size = paging.pick_page_size(request.GET.get("per"))
    columns = console_queries.LIST_COLUMNS
    if sort == paging.RELEVANCE:
        page = paging.ranked_page(rows, size=size, page=request.GET.get("page"), columns=columns)
    else:
        page = paging.keyset_page(
            rows,
            sort,
            size=size,
            after=request.GET.get("after"),
            before=request.GET.get("before"),
            columns=columns,
        )
    context: dict[str, Any] = {
        "list_slug": current.value,
        "list_title": LIST_TITLES[current],
        "form": form,
        "page": page,
        "rows": list_rows(page.rows),
        "sorts": [(key, s.label) for key, s in paging.SORTS.items()],
        "searching": bool(query),
        "page_sizes": paging.PAGE_SIZES,
        "page_size": size,
        "bulk_owner_choices": owner_choices(owners, agent),
        "filtered": bool(filters),
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "console/_ticket_list.html", context)
    if current == TicketList.BY_STATUS:
        counts = console_queries.status_counts(visible)
        context["status_facets"] = [
            (value, label, counts[value]) for value, label in Ticket.Status.choices
        ]
    if current == TicketList.BY_ORGANIZATION:
        context["organization_facets"] = console_queries.organization_counts(visible)
    context.update(nav_context(agent, visible, current.value))
    return render(request, "console/queue.html", context)


def safe_back(request: HttpRequest, target: str | None, default: str = "/console/") -> str:
    """Where to go after a bulk action: the list it came from, never another site."""
    if (
        target
        and target.startswith("/console/")
        and url_has_allowed_host_and_scheme(target, {request.get_host()})
    ):
        return target
    return default


@agent_required
@require_POST
def bulk_action(request: HttpRequest) -> HttpResponse:
    """Assign or close the selected tickets: all of them or, on any refusal, none."""
    agent = signed_in(request)
    back = safe_back(request, request.POST.get("next"))
    form = BulkForm(request.POST, owners=console_queries.possible_owners(), me=agent)
    if form.is_valid():
        ids = form.cleaned_data["ticket"]
        # Locks are taken in id order, so two bulk actions on overlapping sets queue up.
        tickets = list(selectors.tickets_visible_to(agent).filter(pk__in=ids).order_by("pk"))
        if len(tickets) != len(ids):
            form.add_error("ticket", "Some selected tickets are not in your queues; none changed.")
        else:
            try:
                if form.cleaned_data["action"] == "assign":
                    owner = form.chosen_owner()
                    count = services.bulk_assign(tickets, owner=owner, by=agent)
                    who = (owner.name or owner.email) if owner else "nobody"
                    messages.success(request, f"Assigned {count} ticket(s) to {who}.")
                else:
                    count = services.bulk_close(tickets, by=agent)
                    messages.success(request, f"Closed {count} ticket(s).")
                return redirect(back)
            except (DomainError, ValidationError) as exc:
                show_service_error(form, exc)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, f"Nothing changed: {error}")
    return redirect(back)
