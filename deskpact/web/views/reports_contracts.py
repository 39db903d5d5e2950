"""The contracts report page and its CSV: consumption, balances, unbilled work and revenue.

Agents and admins see every organization; a customer sees their own organization's
contracts and never the desk's revenue.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from deskpact.accounts.models import Organization
from deskpact.accounts.requests import signed_in
from deskpact.contracts.models import Contract
from deskpact.core.errors import DomainError
from deskpact.reports.consumption import (
    ContractsReport,
    contracts_report,
    format_minor,
    parse_filter,
    report_tables,
)
from deskpact.reports.csv_export import rows_to_csv
from deskpact.web.charts import COLOURS, HEIGHT, PAD, WIDTH, line_chart

FILTERS = ("start", "end", "organization", "kind")


# Six contract kinds, six colours: a kind keeps its colour from chart to chart.
BAR_COLOURS = (*COLOURS, "#0e7490", "#a16207")


def bar_chart(
    title: str,
    groups: Mapping[str, Mapping[str, int]],
    *,
    order: Sequence[str] = (),
    label: Callable[[int], str] = str,
) -> SafeString:
    """Grouped bars: one group per key of `groups` (a month), one bar per series in it.
    Series are drawn in `order` (then by name), each with its colour from that order."""
    present = {name for bars in groups.values() for name in bars}
    ranked = [*order, *sorted(present - set(order))]
    colour_of = {name: BAR_COLOURS[i % len(BAR_COLOURS)] for i, name in enumerate(ranked)}
    series = [name for name in ranked if name in present]
    if not groups or not series:
        return mark_safe(f'<p class="muted">{escape(title)}: nothing in this range.</p>')
    values = [n for bars in groups.values() for n in bars.values()]
    top = max(1, *values)
    floor = min(0, *values)  # a credit can make a month negative
    span = top - floor
    slot = (WIDTH - 2 * PAD) / len(groups)
    bar = max(1.0, slot * 0.8 / len(series))

    def y(n: int) -> float:
        return HEIGHT - PAD - (HEIGHT - 2 * PAD) * (n - floor) / span

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{PAD}" y1="{y(0):.1f}" x2="{WIDTH - PAD}" y2="{y(0):.1f}" stroke="#98a2b3"/>',
        f'<text x="4" y="{y(top) + 4:.1f}" font-size="11">{escape(label(top))}</text>',
    ]
    for g, (group, bars) in enumerate(groups.items()):
        left = PAD + g * slot + slot * 0.1
        for s, name in enumerate(series):
            n = bars.get(name, 0)
            if n == 0:
                continue  # no bar, rather than one of no height
            top_y, base_y = (y(n), y(0)) if n >= 0 else (y(0), y(n))
            colour = colour_of[name]
            parts.append(
                f'<rect x="{left + s * bar:.1f}" y="{top_y:.1f}" width="{bar:.1f}" '
                f'height="{base_y - top_y:.1f}" fill="{colour}">'
                f"<title>{escape(group)} {escape(name)}: {escape(label(n))}</title></rect>"
            )
        parts.append(
            f'<text x="{left + slot * 0.4:.1f}" y="{HEIGHT - 8}" font-size="11" '
            f'text-anchor="middle">{escape(group)}</text>'
        )
    legend = " ".join(
        f'<span style="color:{colour_of[name]}">■ {escape(name)}</span>' for name in series
    )
    return mark_safe("".join(parts) + f'</svg><p class="legend">{legend}</p>')


def _charts(report: ContractsReport) -> dict[str, object]:
    # One chart per unit: minutes and incidents on one scale would flatten the incidents.
    names = {"minutes": "Minutes of work used", "incidents": "Incidents used"}
    use = [
        line_chart(f"{names[unit]} each {report.period}", {names[unit].lower(): values})
        for unit, values in report.use_by_unit().items()
    ]
    kinds = [str(label) for _, label in Contract.Kind.choices]
    revenue = []
    for currency, rows in report.revenue_by_currency().items():
        groups: dict[str, dict[str, int]] = {}
        for r in rows:
            groups.setdefault(r.month.strftime("%Y-%m"), {})[r.kind_label] = r.charge_minor
        chart = bar_chart(
            f"Charged per month and contract kind, {currency}",
            groups,
            order=kinds,
            label=partial(format_minor, currency=currency),
        )
        revenue.append((currency, chart))
    return {"use_charts": use, "revenue_charts": revenue}


def _query(request: HttpRequest) -> dict[str, str]:
    return {name: request.GET.get(name, "").strip() for name in FILTERS}


@login_required
@require_GET
def contracts_page(request: HttpRequest) -> HttpResponse:
    """The report for the chosen range and filters; a bad filter is shown on the form."""
    user = signed_in(request)
    query = _query(request)
    today = timezone.localdate()
    context: dict[str, object] = {
        "report_tab": "contracts",
        "query": query,
        "kinds": Contract.Kind.choices,
        # Agents pick any organization; a customer's report is their own organization's.
        "organizations": (
            list(Organization.objects.order_by("name").values_list("pk", "name"))
            if user.is_agent
            else []
        ),
    }
    try:
        f = parse_filter(user, today=today, **query)
    except DomainError as exc:
        context["error"] = exc
        return render(request, "reports/contracts.html", context, status=400)
    report = contracts_report(user, f, today=today)
    tables = report_tables(report)
    csv_query = urlencode({k: v for k, v in query.items() if v})
    context.update(
        report=report,
        tables=list(tables.values()),
        csv_query=csv_query,
        **_charts(report),
    )
    return render(request, "reports/contracts.html", context)


@login_required
@require_GET
def contracts_csv(request: HttpRequest) -> HttpResponse:
    """One of the page's tables (`table`: contracts, consumption, revenue) as CSV."""
    user = signed_in(request)
    today = timezone.localdate()
    try:
        f = parse_filter(user, today=today, **_query(request))
    except DomainError as exc:
        return HttpResponse(f"{exc.field}: {exc.message}\n", status=400, content_type="text/plain")
    tables = report_tables(contracts_report(user, f, today=today))
    name = request.GET.get("table", "contracts")
    if name not in tables:
        return HttpResponse(
            f"table: one of {', '.join(tables)}.\n", status=400, content_type="text/plain"
        )
    table = tables[name]
    response = HttpResponse(rows_to_csv(table.header, table.rows), content_type="text/csv")
    response["Content-Disposition"] = (
        f'attachment; filename="contracts-{name}-{f.range.start}-{f.range.end}.csv"'
    )
    return response
