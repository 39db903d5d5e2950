"""Money as Decimal in one currency, rounded half up once per line to the minor unit."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from deskpact.core.currencies import minor_units


@dataclass(frozen=True, order=True)
class Money:
    """An exact amount in `currency`, held as integer minor units (cents, yen, fils)."""

    minor: int
    currency: str

    @classmethod
    def round_half_up(cls, amount: Decimal, currency: str) -> Money:
        """Round a computed amount once, half up, to the currency's minor unit."""
        digits = minor_units(currency)
        quantum = Decimal(1).scaleb(-digits)
        rounded = amount.quantize(quantum, rounding=ROUND_HALF_UP)
        return cls(int(rounded.scaleb(digits)), currency)

    @property
    def amount(self) -> Decimal:
        return Decimal(self.minor).scaleb(-minor_units(self.currency))

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(self.minor + other.minor, self.currency)

    def __str__(self) -> str:
        return f"{self.amount:.{minor_units(self.currency)}f} {self.currency}"
