"""Which license would cost least for the way the desk is really used (SPEC §3, advisor).

Plain functions: the usage of a window (who was active when) and a price list come in;
the seats each of the four combinations needs, their monthly cost and a recommendation
come out. The facts that decide the model are counted by the caller (licensing/usage.py).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from deskpact.licensing.keys import SeatType
from deskpact.licensing.policy import LicenseModel

COMBINATIONS = [
    (LicenseModel.SUPPORT, SeatType.NAMED),
    (LicenseModel.SUPPORT, SeatType.CONCURRENT),
    (LicenseModel.TEAM, SeatType.NAMED),
    (LicenseModel.TEAM, SeatType.CONCURRENT),
]


class BadPrices(ValueError):
    """A price list the advisor cannot use; the message names the combination."""


class NoUsage(ValueError):
    """Nothing was recorded in the window: there is nothing to size a license on."""


@dataclass(frozen=True)
class Interval:
    """Someone holding (or, without leases, needing) a seat from `start` to `end`."""

    user_id: int
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Concurrency:
    peak: int  # the most people at once in the window
    p95: int  # the 95th percentile of the daily peaks
    daily_peaks: dict[date, int]  # the curve: each day's peak


@dataclass(frozen=True)
class Usage:
    named: Mapping[LicenseModel, int]  # distinct licensed users active in the window
    concurrency: Mapping[LicenseModel, Concurrency]
    needs_team: bool  # non-agents own tickets or submit for others


@dataclass(frozen=True)
class Option:
    model: LicenseModel
    seat_type: SeatType
    seats: int
    price_per_seat: Decimal
    monthly_cost: Decimal
    allowed: bool  # False: the desk's use needs the Team model


@dataclass(frozen=True)
class Advice:
    options: list[Option]
    recommended: Option | None
    current_monthly_cost: Decimal
    monthly_saving: Decimal | None  # against the license in force; negative: costs more


def parse_prices(raw: Mapping[str, object]) -> dict[tuple[LicenseModel, SeatType], Decimal]:
    """Prices per seat and month for the four combinations, keyed `support_named` …;
    a missing, non-numeric or negative price is refused naming the combination."""
    prices = {}
    for model, seat_type in COMBINATIONS:
        name = f"{model.value}_{seat_type.value}"
        value = raw.get(name)
        if value is None or str(value).strip() == "":
            raise BadPrices(f"{name}: a price per seat and month is required.")
        try:
            price = Decimal(str(value).strip())
        except ArithmeticError:
            raise BadPrices(f"{name}: {value!r} is not a price.") from None
        if not price.is_finite() or price < 0:
            raise BadPrices(f"{name}: a price cannot be negative ({value}).")
        prices[(model, seat_type)] = price
    return prices


def concurrency(intervals: Iterable[Interval]) -> Concurrency:
    """The most intervals open at once, overall and per day (a sweep over their ends).

    An interval counts from its start up to, not including, its end; one person's
    overlapping intervals count once (they hold one seat).
    """
    merged = _merge_per_user(intervals)
    edges = sorted(
        [(i.start, 1) for i in merged] + [(i.end, -1) for i in merged],
        key=lambda edge: (edge[0], edge[1]),  # an end before a start at the same moment
    )
    open_now = peak = 0
    daily: dict[date, int] = {}
    previous: datetime | None = None
    for at, step in edges:
        if previous is not None and open_now and at > previous:
            # The level since the previous edge held on every day up to this one, so that
            # someone working across midnight counts on both days.
            day, last = previous.date(), (at - timedelta(microseconds=1)).date()
            while day <= last:
                daily[day] = max(daily.get(day, 0), open_now)
                day += timedelta(days=1)
        open_now += step
        peak = max(peak, open_now)
        previous = at
    return Concurrency(peak=peak, p95=_p95(list(daily.values())), daily_peaks=daily)


def _merge_per_user(intervals: Iterable[Interval]) -> list[Interval]:
    by_user: dict[int, list[Interval]] = {}
    for interval in intervals:
        if interval.end > interval.start:
            by_user.setdefault(interval.user_id, []).append(interval)
    merged: list[Interval] = []
    for user_id, own in by_user.items():
        own.sort(key=lambda i: i.start)
        current = own[0]
        for nxt in own[1:]:
            if nxt.start <= current.end:
                current = Interval(user_id, current.start, max(current.end, nxt.end))
            else:
                merged.append(current)
                current = nxt
        merged.append(current)
    return merged


def _p95(values: list[int]) -> int:
    """Nearest-rank 95th percentile (0 for no values)."""
    if not values:
        return 0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def advise(
    usage: Usage,
    prices: Mapping[tuple[LicenseModel, SeatType], Decimal],
    *,
    current_monthly_cost: Decimal,
) -> Advice:
    """Each combination's seats and monthly cost; the cheapest allowed one recommended
    (ties: named before concurrent, Support before Team, as listed)."""
    options = []
    for model, seat_type in COMBINATIONS:
        named = seat_type == SeatType.NAMED
        seats = usage.named[model] if named else usage.concurrency[model].peak
        price = prices[(model, seat_type)]
        options.append(
            Option(
                model=model,
                seat_type=seat_type,
                seats=seats,
                price_per_seat=price,
                monthly_cost=seats * price,
                allowed=model == LicenseModel.TEAM or not usage.needs_team,
            )
        )
    allowed = [option for option in options if option.allowed]
    best = min(allowed, key=lambda option: option.monthly_cost) if allowed else None
    saving = current_monthly_cost - best.monthly_cost if best is not None else None
    return Advice(options, best, current_monthly_cost, saving)
