"""The admin's license page: the license in force, its seats, and installing a key."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from deskpact.accounts.models import User
from deskpact.accounts.requests import signed_in
from deskpact.licensing import leases
from deskpact.licensing.errors import InvalidLicenseKey
from deskpact.licensing.keys import SeatType
from deskpact.licensing.services import install_license, license_standing, seat_usage
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
