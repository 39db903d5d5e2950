"""How work is counted and priced: rounding, caps, incident windows, waivers, prices.

Plain values in, plain values out: no ORM, no clock, no settings (SPEC §4).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from deskpact.core.errors import DomainError
from deskpact.core.money import Money


class PriceGap(DomainError):
    code = "price_missing"


@dataclass(frozen=True)
class PriceEntry:
    item: str
    currency: str
    amount: Decimal
    effective_from: date


def round_minutes(minutes: int, *, increment: int = 1, minimum: int = 0) -> int:
    """A log's charged minutes: rounded up to the increment, at least the minimum."""
    if minutes < 0:
        raise ValueError("minutes must not be negative")
    if increment < 1 or minimum < 0:
        raise ValueError("the increment is at least 1 and the minimum not negative")
    if minutes == 0:
        return 0
    rounded = -(-minutes // increment) * increment  # integer ceiling: no float error
    return max(rounded, minimum)


def split_at_cap(units: int, *, cap: int, used: int) -> tuple[int, int]:
    """(covered, overage) of `units` against what is left of a cap already `used`."""
    if units < 0:
        raise ValueError("units must not be negative")
    covered = max(0, min(units, cap - used))
    return covered, units - covered


def incidents_for(minutes: int, *, window: int) -> int:
    """Incidents one ticket's work makes: one per started window, at least one."""
    if minutes < 0 or window < 1:
        raise ValueError("minutes must not be negative and the window at least 1")
    return max(1, -(-minutes // window))


def is_waived(cause: str, waiver_causes: Iterable[str]) -> bool:
    """Does the ticket's cause make its per-incident or per-minute charge zero?"""
    return bool(cause) and cause in set(waiver_causes)


def price_on(
    prices: Sequence[PriceEntry], *, item: str, currency: str, on: date, field: str = "started_at"
) -> Decimal:
    """The price of `item` in force on `on`: the latest entry effective on or before it."""
    candidates = [
        p for p in prices if p.item == item and p.currency == currency and p.effective_from <= on
    ]
    if not candidates:
        raise PriceGap(
            f"The price book has no {item} price in {currency} in force on {on.isoformat()}.",
            field=field,
            item=item,
            currency=currency,
            on=on.isoformat(),
        )
    return max(candidates, key=lambda p: p.effective_from).amount


def hourly_charge(minutes: int, rate: Decimal, currency: str) -> Money:
    """Minutes at an hourly rate, rounded once, half up, to the currency's minor unit."""
    return Money.round_half_up(rate * Decimal(minutes) / Decimal(60), currency)


def unit_charge(count: int | Decimal, rate: Decimal, currency: str) -> Money:
    """A count of incidents or minutes at a per-unit rate, rounded once."""
    return Money.round_half_up(rate * Decimal(count), currency)


def hours(minutes: int) -> Decimal:
    """Minutes as hours with four decimals, for invoice quantities."""
    return (Decimal(minutes) / Decimal(60)).quantize(Decimal("0.0001"))
