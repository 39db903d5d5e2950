"""Invoice arithmetic in integer minor units: tax on the subtotal, the total.

Pure: values in, values out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class Totals:
    subtotal_minor: int
    tax_minor: int
    total_minor: int


def tax_on(subtotal_minor: int, rate_percent: Decimal) -> int:
    """Tax at `rate_percent` on a subtotal in minor units, rounded half up (away from zero on
    a tie, so a credit's tax mirrors a charge's) to the currency's minor unit."""
    exact = Decimal(subtotal_minor) * Decimal(rate_percent) / Decimal(100)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def totals(subtotal_minor: int, rate_percent: Decimal) -> Totals:
    tax = tax_on(subtotal_minor, rate_percent)
    return Totals(subtotal_minor, tax, subtotal_minor + tax)


def totals_of(lines_minor: Iterable[int], rate_percent: Decimal) -> Totals:
    """Total = the sum of the lines + tax on that sum."""
    return totals(sum(lines_minor), rate_percent)


def remaining_to_credit(total_minor: int, credited_minor: Iterable[int]) -> int:
    """What is left of an invoice to credit: its total less the credit notes against it."""
    return max(0, total_minor - sum(credited_minor))
