"""The contract advisor: what an organization's past work would have cost under each kind.

Plain values in, plain values out (SPEC §4): the replay reads the work and the price book
in force today; this module prices that work under every kind with the same rules the
ledger uses (each log or ticket is one line, rounded once, half up).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from deskpact.contracts import rating
from deskpact.core.currencies import minor_units
from deskpact.core.money import Money

# Price book items (contracts.models.Price.Item values).
HOUR = "hour"
OVERAGE_HOUR = "overage_hour"
INCIDENT = "incident"
MINUTE = "minute"
BLOCK_HOUR = "block_hour"
BLOCK_INCIDENT = "block_incident"
PHONE = "phone"
# Not a price book item: a term fee is agreed per contract, so the advice asks for it.
FEE = "fee"


@dataclass(frozen=True)
class Work:
    """One work log: whole minutes one agent spent, and the cause of its ticket."""

    minutes: int
    channel: str = "web"
    is_billable: bool = True
    cause: str = ""


@dataclass(frozen=True)
class Resolution:
    """One ticket resolved in the window, with the billable minutes logged on it."""

    minutes: int
    cause: str = ""


@dataclass(frozen=True)
class History:
    """The work to replay, logs in the order they were done (a cap covers the first)."""

    work: tuple[Work, ...] = ()
    resolved: tuple[Resolution, ...] = ()
    calls: int = 0

    @property
    def billable(self) -> tuple[Work, ...]:
        return tuple(w for w in self.work if w.is_billable and w.minutes > 0)

    @property
    def billable_minutes(self) -> int:
        return sum(w.minutes for w in self.billable)

    @property
    def unbillable_minutes(self) -> int:
        return sum(w.minutes for w in self.work if not w.is_billable)

    @property
    def phone_minutes(self) -> int:
        return sum(w.minutes for w in self.billable if w.channel == PHONE)


@dataclass(frozen=True)
class Options:
    """What the price book cannot say: block sizes, the cap, and the term fees.

    `capped_fee_minor` None: 0 is assumed (and said). `agreement_fee_minor` None: the
    agreement is not priced, since it costs nothing but its fee.
    """

    block_hours: int = 10
    block_incidents: int = 10
    cap_hours: int = 100
    capped_fee_minor: int | None = None
    agreement_fee_minor: int | None = None
    incident_window: int = 120
    waiver_causes: tuple[str, ...] = ("product_defect",)

    def __post_init__(self) -> None:
        for name in ("block_hours", "block_incidents", "cap_hours", "incident_window"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        for name in ("capped_fee_minor", "agreement_fee_minor"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} must not be negative")


@dataclass(frozen=True)
class Option:
    """One kind's cost for the history, what it assumed, or what is missing to price it."""

    key: str
    kind: str
    unit: str
    label: str
    cost: Money | None
    assumes: tuple[str, ...]
    missing: tuple[str, ...] = ()
    details: Mapping[str, int] = field(default_factory=dict)
    fee_assumed: bool = False

    @property
    def priced(self) -> bool:
        return self.cost is not None


@dataclass(frozen=True)
class Advice:
    currency: str
    options: tuple[Option, ...]
    cheapest: Option | None


def blocks_needed(used: int, *, block: int) -> int:
    """Whole blocks of `block` units that cover `used` units (none when nothing was used)."""
    if used < 0 or block <= 0:
        raise ValueError("used must not be negative and a block must be positive")
    return math.ceil(used / block)


def cap_split(minutes: Iterable[int], *, cap: int) -> list[tuple[int, int]]:
    """(covered, overage) of each log in order against a cap: the log crossing it splits."""
    out, used = [], 0
    for m in minutes:
        covered, over = rating.split_at_cap(m, cap=cap, used=used)
        used += covered
        out.append((covered, over))
    return out


def cheapest(options: Sequence[Option]) -> Option | None:
    """The priced option costing least; on a tie the first in order."""
    priced = [o for o in options if o.cost is not None]
    return min(priced, key=lambda o: o.cost.minor if o.cost else 0) if priced else None


def advise(
    history: History, prices: Mapping[str, Decimal], *, currency: str, options: Options
) -> Advice:
    """Price `history` under every kind with the current `prices` (item -> amount)."""
    rows = (
        _agreement(history, currency, options),
        _capped(history, prices, currency, options),
        _bank_hours(history, prices, currency, options),
        _bank_incidents(history, prices, currency, options),
        _per_incident(history, prices, currency, options),
        _payg(history, prices, currency),
        # Last: for work that is not on the phone it costs what pay as you go does.
        _per_minute(history, prices, currency, options),
    )
    return Advice(currency, rows, cheapest(rows))


# --- Each kind ----------------------------------------------------------------------------


class _Book:
    """The prices asked for while pricing one kind, remembering the ones not in the book."""

    def __init__(self, prices: Mapping[str, Decimal]) -> None:
        self.prices = prices
        self.missing: list[str] = []

    def __call__(self, item: str) -> Decimal | None:
        if item in self.prices:
            return self.prices[item]
        if item not in self.missing:
            self.missing.append(item)
        return None


def _option(
    key: str,
    kind: str,
    unit: str,
    label: str,
    book: _Book,
    cost: Money,
    assumes: list[str],
    currency: str,
    details: dict[str, int],
    fee_assumed: bool = False,
) -> Option:
    if book.missing:
        names = ", ".join(book.missing)
        assumes = [*assumes, f"Not priced: the price book has no {names} price in {currency}."]
        return Option(key, kind, unit, label, None, tuple(assumes), tuple(book.missing), details)
    return Option(key, kind, unit, label, cost, tuple(assumes), (), details, fee_assumed)


def _agreement(history: History, currency: str, options: Options) -> Option:
    key, kind, label = "agreement", "agreement", "Service agreement"
    minutes = history.billable_minutes
    tracked = f"{_hours(minutes)} h of work tracked, not charged."
    details = {"billable_minutes": minutes}
    if options.agreement_fee_minor is None:
        assumes = (
            tracked,
            "Not priced: give the agreement's term fee; the price book holds no fees.",
        )
        return Option(key, kind, "hours", label, None, assumes, (FEE,), details)
    fee = Money(options.agreement_fee_minor, currency)
    return Option(
        key,
        kind,
        "hours",
        label,
        fee,
        (f"Term fee {fee} as given.", tracked),
        details=details,
    )


def _capped(
    history: History, prices: Mapping[str, Decimal], currency: str, options: Options
) -> Option:
    book = _Book(prices)
    cap = options.cap_hours * 60
    splits = cap_split((w.minutes for w in history.billable), cap=cap)
    covered = sum(c for c, _ in splits)
    over = sum(o for _, o in splits)
    fee_assumed = options.capped_fee_minor is None
    fee = Money(options.capped_fee_minor or 0, currency)
    cost = fee
    assumes = [
        f"Term fee {fee} assumed: the price book holds no fees; give the fee to compare."
        if fee_assumed
        else f"Term fee {fee} as given.",
        f"{_hours(covered + over)} h used against a cap of {options.cap_hours} h: "
        f"{_hours(covered)} h covered, {_hours(over)} h overage.",
    ]
    rate = book(OVERAGE_HOUR) if over else None
    if rate is not None:
        for _, o in splits:
            if o:
                cost += rating.hourly_charge(o, rate, currency)
        assumes.append(
            f"Overage at {_rate(rate, currency)} an hour, the log crossing the cap split."
        )
    details = {"covered_minutes": covered, "overage_minutes": over, "cap_minutes": cap}
    return _option(
        "capped",
        "capped",
        "hours",
        f"Capped at {options.cap_hours} h",
        book,
        cost,
        assumes,
        currency,
        details,
        fee_assumed,
    )


def _bank_hours(
    history: History, prices: Mapping[str, Decimal], currency: str, options: Options
) -> Option:
    book = _Book(prices)
    used = history.billable_minutes
    size = options.block_hours
    blocks = blocks_needed(used, block=size * 60)
    cost = Money(0, currency)
    assumes = [f"{_hours(used)} h used: {_count(blocks, 'block')} of {size} h."]
    rate = book(BLOCK_HOUR) if blocks else None
    if rate is not None:
        block_price = rating.unit_charge(size, rate, currency)  # one top-up line per block
        cost = Money(block_price.minor * blocks, currency)
        unused = blocks * size * 60 - used
        assumes.append(
            f"Each block {block_price} ({_rate(rate, currency)} an hour); "
            f"{_hours(unused)} h left unused."
        )
    details = {"used_minutes": used, "blocks": blocks, "block_minutes": size * 60}
    return _option(
        "bank_hours",
        "bank",
        "hours",
        f"Bank of hours, blocks of {size} h",
        book,
        cost,
        assumes,
        currency,
        details,
    )


def _incidents(history: History, window: int) -> list[int]:
    return [rating.incidents_for(r.minutes, window=window) for r in history.resolved]


def _bank_incidents(
    history: History, prices: Mapping[str, Decimal], currency: str, options: Options
) -> Option:
    book = _Book(prices)
    used = sum(_incidents(history, options.incident_window))
    size = options.block_incidents
    blocks = blocks_needed(used, block=size)
    cost = Money(0, currency)
    assumes = [
        f"{_count(len(history.resolved), 'resolved ticket')} "
        f"{_make(len(history.resolved))} {_count(used, 'incident')} (one per started "
        f"{options.incident_window}-minute window of work): "
        f"{_count(blocks, 'block')} of {size} incidents.",
        "A bank debits every incident; waivers apply to per-incident and per-minute charges.",
    ]
    rate = book(BLOCK_INCIDENT) if blocks else None
    if rate is not None:
        block_price = rating.unit_charge(size, rate, currency)
        cost = Money(block_price.minor * blocks, currency)
        assumes.append(
            f"Each block {block_price} ({_rate(rate, currency)} an incident); "
            f"{_count(blocks * size - used, 'incident')} left unused."
        )
    details = {"incidents": used, "blocks": blocks, "block_incidents": size}
    return _option(
        "bank_incidents",
        "bank",
        "incidents",
        f"Bank of incidents, blocks of {size}",
        book,
        cost,
        assumes,
        currency,
        details,
    )


def _per_minute(
    history: History, prices: Mapping[str, Decimal], currency: str, options: Options
) -> Option:
    book = _Book(prices)
    phone = [w for w in history.billable if w.channel == PHONE]
    charged = [w for w in phone if not rating.is_waived(w.cause, options.waiver_causes)]
    others = [w for w in history.billable if w.channel != PHONE]
    cost = Money(0, currency)
    waived = sum(w.minutes for w in phone) - sum(w.minutes for w in charged)
    assumes = [
        f"{sum(w.minutes for w in phone)} phone agent-minutes ({_count(history.calls, 'call')})."
    ]
    rate = book(MINUTE) if charged else None
    if rate is not None:
        for w in charged:
            cost += rating.unit_charge(w.minutes, rate, currency)
        assumes.append(f"Charged at {_rate(rate, currency)} a minute per agent.")
    if waived:
        assumes.append(f"{waived} minutes waived by cause ({_causes(options)}).")
    rate = book(HOUR) if others else None
    if rate is not None:
        for w in others:
            cost += rating.hourly_charge(w.minutes, rate, currency)
        assumes.append(
            f"{_hours(sum(w.minutes for w in others))} h on other channels at the hourly "
            f"price {_rate(rate, currency)}: a per-minute contract covers phone only."
        )
    elif others:
        assumes.append(
            f"{_hours(sum(w.minutes for w in others))} h on other channels at the hourly "
            "price: a per-minute contract covers phone only."
        )
    details = {
        "phone_minutes": sum(w.minutes for w in phone),
        "waived_minutes": waived,
        "other_minutes": sum(w.minutes for w in others),
    }
    return _option(
        "per_minute",
        "per_minute",
        "minutes",
        "Per minute (phone)",
        book,
        cost,
        assumes,
        currency,
        details,
    )


def _per_incident(
    history: History, prices: Mapping[str, Decimal], currency: str, options: Options
) -> Option:
    book = _Book(prices)
    counts = _incidents(history, options.incident_window)
    cost = Money(0, currency)
    charged = waived = 0
    pending: list[int] = []
    for r, n in zip(history.resolved, counts, strict=True):
        if rating.is_waived(r.cause, options.waiver_causes):
            waived += n
        else:
            charged += n
            pending.append(n)
    assumes = [
        f"{_count(len(history.resolved), 'resolved ticket')} "
        f"{_make(len(history.resolved))} {_count(charged + waived, 'incident')}: one per started "
        f"{options.incident_window}-minute window of work, at least one each; open tickets "
        "are not counted.",
    ]
    rate = book(INCIDENT) if pending else None
    if rate is not None:
        for n in pending:  # one line per ticket, as at resolution
            cost += rating.unit_charge(n, rate, currency)
        assumes.append(f"Charged at {_rate(rate, currency)} an incident.")
    if waived:
        assumes.append(f"{_count(waived, 'incident')} waived by cause ({_causes(options)}).")
    assumes.append("Pay as you go counted in incidents costs the same.")
    details = {"incidents": charged + waived, "waived_incidents": waived}
    return _option(
        "per_incident",
        "per_incident",
        "incidents",
        "Per incident",
        book,
        cost,
        assumes,
        currency,
        details,
    )


def _payg(history: History, prices: Mapping[str, Decimal], currency: str) -> Option:
    book = _Book(prices)
    logs = history.billable
    cost = Money(0, currency)
    minutes = sum(rating.round_minutes(w.minutes) for w in logs)
    assumes = [f"{_hours(minutes)} h in {_count(len(logs), 'billable log')}."]
    rate = book(HOUR) if logs else None
    if rate is not None:
        for w in logs:  # each log its own line, rounded up to the whole minute
            cost += rating.hourly_charge(rating.round_minutes(w.minutes), rate, currency)
        assumes.append(f"At {_rate(rate, currency)} an hour, each log rounded up to the minute.")
    if history.unbillable_minutes:
        assumes.append(f"{history.unbillable_minutes} non-billable minutes not charged.")
    return _option(
        "payg",
        "payg",
        "hours",
        "Pay as you go, hourly",
        book,
        cost,
        assumes,
        currency,
        {"billable_minutes": minutes, "logs": len(logs)},
    )


# --- Wording ------------------------------------------------------------------------------


def _hours(minutes: int) -> str:
    return f"{rating.hours(minutes).normalize():f}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _make(n: int) -> str:
    return "makes" if n == 1 else "make"


def _causes(options: Options) -> str:
    return ", ".join(c.replace("_", " ") for c in options.waiver_causes)


def _rate(amount: Decimal, currency: str) -> str:
    """A price as the book has it: at least the currency's decimals, no trailing zeros past."""
    digits = minor_units(currency)
    text = f"{amount:f}"
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0").ljust(digits, "0")
    return f"{whole}.{frac} {currency}" if frac else f"{whole} {currency}"
