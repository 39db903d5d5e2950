"""Replay an organization's last twelve months of work through the contract advisor.

Reads the work logs of its tickets, the tickets it had resolved and the price book in
force today (three queries), and lets advisor.py price them under every kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce

from deskpact.accounts.models import Organization
from deskpact.contracts import advisor, rating
from deskpact.contracts.models import Price, WorkLog
from deskpact.tickets.models import Ticket


@dataclass(frozen=True)
class Replay:
    """What was replayed (the window, the work, the prices) and the advice it gave."""

    organization: Organization
    starts_on: date
    ends_on: date
    history: advisor.History
    prices: dict[str, Decimal]
    advice: advisor.Advice


def window_for(today: date) -> tuple[date, date]:
    """The last twelve months up to and including `today` (29 February: from 1 March)."""
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February: a year earlier has none
        year_ago = today.replace(year=today.year - 1, day=28)
    return year_ago + timedelta(days=1), today


def current_prices(currency: str, *, on: date) -> dict[str, Decimal]:
    """Each price book item's price in `currency` in force on `on`; items without none."""
    entries = [
        rating.PriceEntry(p.item, p.currency, p.amount, p.effective_from)
        for p in Price.objects.filter(currency=currency, effective_from__lte=on)
    ]
    out = {}
    for item in Price.Item.values:
        try:
            out[item] = rating.price_on(entries, item=item, currency=currency, on=on)
        except rating.PriceGap:
            continue
    return out


def history_of(organization: Organization, *, starts_on: date, ends_on: date) -> advisor.History:
    """The organization's work logged from `starts_on` to `ends_on` (its own days), and its
    tickets resolved then with all the billable minutes logged on each."""
    zone = ZoneInfo(organization.time_zone)
    since = datetime.combine(starts_on, time.min, tzinfo=zone)
    until = datetime.combine(ends_on + timedelta(days=1), time.min, tzinfo=zone)
    logs = list(
        WorkLog.objects.filter(
            ticket__organization=organization, started_at__gte=since, started_at__lt=until
        )
        .order_by("started_at", "id")
        .values_list("minutes", "channel", "is_billable", "call_id", "ticket__cause")
    )
    # A reopened ticket has no resolved_at until resolved again; a ticket closed without
    # being resolved counts when it was closed, as consume_incident does.
    resolved = (
        Ticket.objects.filter(
            organization=organization,
            status__in=(Ticket.Status.RESOLVED, Ticket.Status.CLOSED),
        )
        .annotate(done_at=Coalesce("resolved_at", "closed_at"))
        .filter(done_at__gte=since, done_at__lt=until)
        .annotate(billable=Sum("work_logs__minutes", filter=Q(work_logs__is_billable=True)))
        .order_by("done_at", "id")
        .values_list("billable", "cause")
    )
    return advisor.History(
        work=tuple(
            advisor.Work(
                minutes,
                channel=advisor.PHONE if call_id else channel,
                is_billable=is_billable,
                cause=cause or "",
            )
            for minutes, channel, is_billable, call_id, cause in logs
        ),
        resolved=tuple(advisor.Resolution(int(m or 0), cause=c or "") for m, c in resolved),
        calls=len({row[3] for row in logs if row[3]}),
    )


def advise_for(organization: Organization, *, today: date, options: advisor.Options) -> Replay:
    """What the organization's last twelve months would have cost under each kind."""
    starts_on, ends_on = window_for(today)
    history = history_of(organization, starts_on=starts_on, ends_on=ends_on)
    prices = current_prices(organization.currency, on=today)
    advice = advisor.advise(history, prices, currency=organization.currency, options=options)
    return Replay(organization, starts_on, ends_on, history, prices, advice)
