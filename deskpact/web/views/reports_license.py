"""The license report page and its CSV, for admins like the license pages themselves."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from deskpact.core.errors import DomainError
from deskpact.reports.csv_export import rows_to_csv
from deskpact.reports.license_use import (
    PRICE_FIELDS,
    LicenseReport,
    given_prices,
    license_report,
    parse_license_range,
    report_tables,
)
from deskpact.web.charts import line_chart
from deskpact.web.decorators import admin_required

FIELDS = ("start", "end", *PRICE_FIELDS)


def _report(request: HttpRequest) -> LicenseReport:
    period = parse_license_range(
        request.GET.get("start"), request.GET.get("end"), today=timezone.localdate()
    )
    return license_report(period, prices=given_prices(request.GET))


@admin_required
@require_GET
def license_page(request: HttpRequest) -> HttpResponse:
    """Seats used each day of the range, refusals, and the advisor when prices are given."""
    query = {name: request.GET.get(name, "").strip() for name in FIELDS}
    context: dict[str, object] = {"report_tab": "license", "query": query}
    try:
        report = _report(request)
    except DomainError as exc:
        context["error"] = exc
        return render(request, "reports/license.html", context, status=400)
    context.update(
        report=report,
        tables=list(report_tables(report).values()),
        csv_query=urlencode({k: v for k, v in query.items() if v}),
        chart=line_chart(
            "Seats used each day",
            {
                "seats used": {d.day: report.seats_used(d) for d in report.days},
                "everyone at once": {d.day: d.peak_everyone for d in report.days},
                "seats refused": {d.day: d.refusals for d in report.days},
            },
        ),
    )
    return render(request, "reports/license.html", context)


@admin_required
@require_GET
def license_csv(request: HttpRequest) -> HttpResponse:
    """The page's days (`table=days`, the default) or the advisor's options (`advice`)."""
    try:
        report = _report(request)
    except DomainError as exc:
        return HttpResponse(f"{exc.field}: {exc.message}\n", status=400, content_type="text/plain")
    tables = report_tables(report)
    name = request.GET.get("table", "days")
    if name not in tables:
        return HttpResponse(
            f"table: one of {', '.join(tables)}.\n", status=400, content_type="text/plain"
        )
    table = tables[name]
    response = HttpResponse(rows_to_csv(table.header, table.rows), content_type="text/csv")
    response["Content-Disposition"] = (
        f'attachment; filename="license-{name}-{report.range.start}-{report.range.end}.csv"'
    )
    return response
