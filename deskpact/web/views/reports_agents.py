"""The agents report page and its CSV: each agent's and the team's figures over a range."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from deskpact.accounts.models import User
from deskpact.core.errors import DomainError
from deskpact.reports.agents import (
    DEFINITIONS,
    STAFF_ROLES,
    AgentFilters,
    AgentsReport,
    agents_report,
    headings,
    parse_filters,
)
from deskpact.reports.csv_export import rows_to_csv
from deskpact.tickets.models import Queue
from deskpact.web.charts import Bar, horizontal_bars
from deskpact.web.decorators import agent_required


def _text(value: object) -> str:
    return "" if value is None else str(value)


def shown_rows(report: AgentsReport) -> list[list[str]]:
    """The table's cells as text: the page and the CSV print exactly these."""
    return [[_text(cell) for cell in row.cells()] for row in report.rows()]


def _query(filters: AgentFilters) -> str:
    params = {"start": filters.range.start.isoformat(), "end": filters.range.end.isoformat()}
    if filters.agent is not None:
        params["agent"] = str(filters.agent.pk)
    if filters.queue is not None:
        params["queue"] = str(filters.queue.pk)
    return urlencode(params)


def _filters(request: HttpRequest) -> AgentFilters:
    return parse_filters(
        start=request.GET.get("start"),
        end=request.GET.get("end"),
        agent=request.GET.get("agent"),
        queue=request.GET.get("queue"),
        today=timezone.localdate(),
    )


@agent_required
@require_GET
def agents_page(request: HttpRequest) -> HttpResponse:
    """Each agent's workload, speed and ratings over a range, with the team's; bad filters
    show the form again with the error (400)."""
    context: dict[str, object] = {
        "report_tab": "agents",
        "headings": headings(),
        "definitions": DEFINITIONS,
        "agent_choices": User.objects.filter(role__in=STAFF_ROLES).order_by("name", "email"),
        "queue_choices": Queue.objects.order_by("name"),
        "asked": request.GET,
        "time_zone": settings.TIME_ZONE,
    }
    try:
        filters = _filters(request)
    except DomainError as exc:
        context["error"] = exc
        return render(request, "reports/agents.html", context, status=400)
    report = agents_report(filters)
    context.update(
        filters=filters,
        report=report,
        rows=shown_rows(report),
        query=_query(filters),
        handled_chart=horizontal_bars(
            "Tickets handled per agent",
            [Bar(r.name, float(r.handled), f"{r.handled} tickets") for r in report.agents],
            empty="no agents to show",
        ),
        hours_chart=horizontal_bars(
            "Hours logged per agent",
            [
                Bar(row.name, float(row.hours_logged), f"{row.hours_logged} h")
                for row in report.agents
            ],
            empty="no agents to show",
        ),
    )
    return render(request, "reports/agents.html", context)


@agent_required
@require_GET
def agents_csv(request: HttpRequest) -> HttpResponse:
    """The page's table as CSV, the same rounding, the team's row last."""
    try:
        filters = _filters(request)
    except DomainError as exc:
        field = f"{exc.field}: " if exc.field else ""
        return HttpResponse(
            f"{field}{exc.message}\n", status=400, content_type="text/plain; charset=utf-8"
        )
    report = agents_report(filters)
    response = HttpResponse(
        rows_to_csv(headings(), shown_rows(report)), content_type="text/csv; charset=utf-8"
    )
    name = f"agents-{filters.range.start.isoformat()}-{filters.range.end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
