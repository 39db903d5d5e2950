"""The admin's license page: the license in force, its seats, and installing a key."""

from __future__ import annotations

import csv

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deskpact.accounts.models import User
from deskpact.accounts.requests import signed_in
from deskpact.licensing import leases
from deskpact.licensing.advisor import NoUsage
from deskpact.licensing.errors import InvalidLicenseKey
from deskpact.licensing.keys import SeatType
from deskpact.licensing.services import install_license, license_standing, seat_usage
from deskpact.licensing.usage import daily_usage, license_advice
from deskpact.web.charts import line_chart
from deskpact.web.decorators import admin_required


class LicenseKeyForm(forms.Form):
    key = forms.CharField(
        label="License key",
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false", "autocomplete": "off"}),
        help_text="Paste the whole key, starting with DPL1.; line breaks do not matter.",
    )


@admin_required
@require_http_methods(["GET", "POST"])
def license_page(request: HttpRequest) -> HttpResponse:
    form = LicenseKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            standing = install_license(form.cleaned_data["key"], by=signed_in(request))
        except InvalidLicenseKey as exc:
            form.add_error("key", exc.message)
        else:
            messages.success(request, f"License for {standing.terms.licensee} installed.")
            return redirect("license")
    standing = license_standing()
    return render(
        request,
        "web/license.html",
        {
            "standing": standing,
            "usage": seat_usage(standing),
            "form": form,
            "holders": leases.seat_holders(),
            "concurrent": standing.terms.seat_type == SeatType.CONCURRENT,
        },
    )


@admin_required
@require_POST
def release(request: HttpRequest, user_id: int) -> HttpResponse:
    """An admin frees someone's concurrent seat (audited)."""
    holder = get_object_or_404(User, pk=user_id)
    if leases.release_seat(holder, by=signed_in(request)):
        messages.success(request, f"The seat of {holder.name or holder.email} is free.")
    else:
        messages.info(request, f"{holder.name or holder.email} held no seat.")
    return redirect("license")


class AdviceForm(forms.Form):
    days = forms.IntegerField(min_value=1, max_value=366, initial=90, label="Days of usage")
    support_named = forms.DecimalField(min_value=0, decimal_places=3, label="Support, named")
    support_concurrent = forms.DecimalField(
        min_value=0, decimal_places=3, label="Support, concurrent"
    )
    team_named = forms.DecimalField(min_value=0, decimal_places=3, label="Team, named")
    team_concurrent = forms.DecimalField(min_value=0, decimal_places=3, label="Team, concurrent")


@admin_required
@require_GET
def advice_page(request: HttpRequest) -> HttpResponse:
    """Which license would cost least for the desk's real use, with the concurrency curve."""
    form = AdviceForm(request.GET or None)
    context: dict[str, object] = {"form": form, "standing": license_standing()}
    if form.is_valid():
        days = form.cleaned_data["days"]
        try:
            advice, used, facts = license_advice(form.cleaned_data, days=days)
        except NoUsage as exc:
            form.add_error("days", str(exc))
            return render(request, "web/license_advice.html", context)
        context.update(
            advice=advice,
            used=used,
            facts=facts,
            days=days,
            chart=line_chart(
                "People at once, each day's peak",
                {
                    f"{model.label.split(' (')[0]} model": c.daily_peaks
                    for model, c in used.concurrency.items()
                },
            ),
        )
    return render(request, "web/license_advice.html", context)


USAGE_COLUMNS = (
    "day",
    "peak_staff",
    "peak_everyone",
    "active_staff",
    "active_everyone",
    "checkouts",
    "refusals",
)


@admin_required
@require_GET
def usage_page(request: HttpRequest) -> HttpResponse:
    """Seats used over time: each day's peaks, people, seats taken and refused; CSV too."""
    try:
        days = int(request.GET.get("days", "30"))
        rows = daily_usage(days)
    except ValueError:
        days, rows = 30, daily_usage(30)
        messages.error(request, "days: a window is 1 to 366 days; showing the last 30.")
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="seat-usage-{days}d.csv"'
        writer = csv.writer(response)
        writer.writerow(USAGE_COLUMNS)
        for row in rows:
            writer.writerow([getattr(row, name) for name in USAGE_COLUMNS])
        return response
    chart = line_chart(
        "Seats used each day",
        {
            "agents and admins at once": {r.day: r.peak_staff for r in rows},
            "everyone at once": {r.day: r.peak_everyone for r in rows},
            "seats refused": {r.day: r.refusals for r in rows},
        },
    )
    return render(
        request,
        "web/license_usage.html",
        {"rows": rows, "days": days, "chart": chart, "standing": license_standing()},
    )
