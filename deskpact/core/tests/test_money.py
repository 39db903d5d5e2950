from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deskpact.core.currencies import UnknownCurrency, minor_units
from deskpact.core.money import Money


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        (Decimal("10.005"), "EUR", 1001),  # half up, not banker's rounding
        (Decimal("10.004"), "EUR", 1000),
        (Decimal("99.5"), "JPY", 100),
        (Decimal("1.2345"), "KWD", 1235),
        (Decimal("-0.005"), "USD", -1),  # half away from zero for credits too
    ],
)
def test_round_half_up_to_the_minor_unit(amount: Decimal, currency: str, minor: int) -> None:
    assert Money.round_half_up(amount, currency) == Money(minor, currency)


def test_amount_and_text_follow_the_currency() -> None:
    assert Money(123456, "JPY").amount == Decimal("123456")
    assert str(Money(1005, "KWD")) == "1.005 KWD"
    assert str(Money(1999, "EUR")) == "19.99 EUR"


def test_unknown_currency_is_refused() -> None:
    with pytest.raises(UnknownCurrency):
        minor_units("XYZ")


def test_adding_two_currencies_is_refused() -> None:
    with pytest.raises(ValueError):
        Money(1, "EUR") + Money(1, "USD")


@given(
    st.decimals(min_value=-(10**9), max_value=10**9, places=6),
    st.sampled_from(["EUR", "JPY", "KWD"]),
)
def test_rounding_moves_at_most_half_a_minor_unit(amount: Decimal, currency: str) -> None:
    money = Money.round_half_up(amount, currency)
    half = Decimal(1).scaleb(-minor_units(currency)) / 2
    assert abs(money.amount - amount) <= half
