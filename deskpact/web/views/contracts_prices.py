"""The price book page: market prices by item and currency with the day each took effect.

Agents read it; admins add entries (htmx swaps the book and the form, a plain post
redirects). Earlier work keeps the price that was in force on its day, so entries are
only ever added.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from deskpact.accounts.requests import signed_in
from deskpact.contracts import services
from deskpact.contracts.models import Price
from deskpact.core.currencies import is_currency
from deskpact.core.errors import DomainError
from deskpact.web.decorators import admin_required, agent_required
from deskpact.web.forms_contracts import PriceForm
from deskpact.web.forms_portal import add_service_errors
from deskpact.web.views.console import HtmxRequest, nav_links


@dataclass(frozen=True)
class PriceLine:
    price: Price
    state: str  # "in force", "from <day>" (future) or "superseded"


def price_lines(prices: QuerySet[Price], *, today: date) -> list[PriceLine]:
    """Each entry with whether it is the one in force today for its item and currency."""
    lines = []
    in_force: set[tuple[str, str]] = set()
    for p in prices.order_by("item", "currency", "-effective_from"):
        key = (p.item, p.currency)
        if p.effective_from > today:
            state = "coming"
        elif key in in_force:
            state = "superseded"
        else:
            in_force.add(key)
            state = "in force"
        lines.append(PriceLine(p, state))
    return lines


def _context(request: HtmxRequest, form: PriceForm) -> dict[str, Any]:
    currency = request.GET.get("currency", "").upper()
    prices = Price.objects.all()
    if is_currency(currency):
        prices = prices.filter(currency=currency)
    else:
        currency = ""
    return {
        **nav_links("prices"),
        "lines": price_lines(prices, today=timezone.localdate()),
        "currencies": sorted(set(Price.objects.values_list("currency", flat=True))),
        "currency": currency,
        "form": form,
        "can_change": signed_in(request).is_admin,
    }


@agent_required
@require_GET
def price_book(request: HtmxRequest) -> HttpResponse:
    form = PriceForm(initial={"effective_from": timezone.localdate()})
    return render(request, "contracts/prices.html", _context(request, form))


@admin_required
@require_POST
def add_price(request: HtmxRequest) -> HttpResponse:
    """A new price book entry; refusals are shown on the field they name."""
    form = PriceForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            price = services.add_price(
                item=data["item"],
                currency=data["currency"],
                amount=data["amount"],
                effective_from=data["effective_from"],
                by=signed_in(request),
            )
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
        else:
            note = (
                f"{price.get_item_display()}: {price.amount.normalize():f} {price.currency} "
                f"from {price.effective_from}."
            )
            if not request.htmx:
                messages.success(request, note)
                return redirect("contracts:prices")
            form = PriceForm(initial={"effective_from": timezone.localdate()})
            return render(
                request, "contracts/_prices.html", {**_context(request, form), "flash": note}
            )
    template = "contracts/_prices.html" if request.htmx else "contracts/prices.html"
    return render(request, template, _context(request, form))
