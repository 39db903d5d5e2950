"""Rounding, cap splits, incident windows, waivers and the price book: no database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deskpact.contracts.rating import (
    PriceEntry,
    PriceGap,
    hourly_charge,
    hours,
    incidents_for,
    is_waived,
    price_on,
    round_minutes,
    split_at_cap,
    unit_charge,
)
from deskpact.core.money import Money


@pytest.mark.parametrize(
    ("minutes", "increment", "minimum", "expected"),
    [
        (7, 1, 0, 7),
        (7, 15, 0, 15),
        (15, 15, 0, 15),
        (16, 15, 0, 30),
        (3, 6, 10, 10),  # rounded to 6, raised to the minimum
        (61, 30, 15, 90),
        (0, 15, 10, 0),  # nothing logged: no minimum charged
    ],
)
def test_round_minutes_rounds_up_to_the_increment_and_the_minimum(
    minutes: int, increment: int, minimum: int, expected: int
) -> None:
    assert round_minutes(minutes, increment=increment, minimum=minimum) == expected


def test_round_minutes_refuses_negative_minutes_and_a_zero_increment() -> None:
    with pytest.raises(ValueError):
        round_minutes(-1)
    with pytest.raises(ValueError):
        round_minutes(10, increment=0)


@given(st.integers(0, 100_000), st.integers(1, 240), st.integers(0, 240))
def test_rounding_never_reduces_and_lands_on_the_increment(
    minutes: int, increment: int, minimum: int
) -> None:
    rounded = round_minutes(minutes, increment=increment, minimum=minimum)
    assert rounded >= minutes
    if minutes > 0:
        assert rounded >= minimum
        assert rounded == max(minimum, rounded) and (rounded % increment == 0 or rounded == minimum)
        assert rounded - minutes < max(increment, minimum)


@pytest.mark.parametrize(
    ("units", "cap", "used", "expected"),
    [
        (600, 6000, 6000, (0, 600)),  # 100 h cap used up: all overage
        (90, 6000, 5970, (30, 60)),  # the log crossing the cap is split
        (60, 6000, 0, (60, 0)),
        (5, 10, 12, (0, 5)),  # already past the cap
        (0, 10, 3, (0, 0)),
    ],
)
def test_split_at_cap_covers_only_what_is_left(
    units: int, cap: int, used: int, expected: tuple[int, int]
) -> None:
    assert split_at_cap(units, cap=cap, used=used) == expected


@given(st.integers(0, 100_000), st.integers(0, 100_000), st.integers(0, 200_000))
def test_split_at_cap_loses_or_invents_no_minute(units: int, cap: int, used: int) -> None:
    covered, overage = split_at_cap(units, cap=cap, used=used)
    assert covered >= 0 and overage >= 0 and covered + overage == units
    assert covered <= max(0, cap - used)


@given(st.lists(st.integers(1, 600), max_size=30), st.integers(0, 5_000))
def test_successive_cap_splits_cover_exactly_the_cap(logs: list[int], cap: int) -> None:
    used = covered_total = overage_total = 0
    for minutes in logs:
        covered, overage = split_at_cap(minutes, cap=cap, used=used)
        used += covered + overage
        covered_total += covered
        overage_total += overage
    assert covered_total == min(cap, sum(logs))
    assert covered_total + overage_total == sum(logs)


@pytest.mark.parametrize(
    ("minutes", "window", "expected"),
    [(300, 120, 3), (240, 120, 2), (241, 120, 3), (0, 120, 1), (1, 120, 1), (59, 30, 2)],
)
def test_incidents_for_counts_each_started_window(minutes: int, window: int, expected: int) -> None:
    assert incidents_for(minutes, window=window) == expected


@given(st.integers(0, 100_000), st.integers(1, 1_000))
def test_incident_windows_cover_the_work_with_less_than_one_window_to_spare(
    minutes: int, window: int
) -> None:
    count = incidents_for(minutes, window=window)
    assert count >= 1
    assert count * window >= minutes
    assert (count - 1) * window < max(minutes, 1)


def test_waiver_by_cause() -> None:
    assert is_waived("product_defect", ["product_defect"])
    assert not is_waived("question", ["product_defect"])
    assert not is_waived("", ["product_defect", ""])


BOOK = [
    PriceEntry("hour", "EUR", Decimal("90.00"), date(2025, 1, 1)),
    PriceEntry("hour", "EUR", Decimal("96.00"), date(2026, 1, 1)),
    PriceEntry("hour", "USD", Decimal("99.00"), date(2024, 1, 1)),
    PriceEntry("incident", "EUR", Decimal("150.00"), date(2025, 6, 1)),
]


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2025, 1, 1), Decimal("90.00")),
        (date(2025, 12, 31), Decimal("90.00")),
        (date(2026, 1, 1), Decimal("96.00")),
        (date(2030, 5, 5), Decimal("96.00")),
    ],
)
def test_price_on_takes_the_entry_in_force_on_the_day(on: date, expected: Decimal) -> None:
    assert price_on(BOOK, item="hour", currency="EUR", on=on) == expected


def test_price_on_refuses_a_gap_and_names_the_field() -> None:
    with pytest.raises(PriceGap) as caught:
        price_on(BOOK, item="hour", currency="EUR", on=date(2024, 12, 31), field="started_at")
    assert caught.value.code == "price_missing"
    assert caught.value.field == "started_at"
    assert "2024-12-31" in caught.value.message
    with pytest.raises(PriceGap):
        price_on(BOOK, item="incident", currency="USD", on=date(2026, 1, 1))


@pytest.mark.parametrize(
    ("minutes", "rate", "currency", "expected"),
    [
        (90, Decimal("80.00"), "EUR", Money(12000, "EUR")),  # 1.5 h x 80.00
        (7, Decimal("95.00"), "EUR", Money(1108, "EUR")),  # 11.0833.. -> 11.08
        (1, Decimal("90.30"), "EUR", Money(151, "EUR")),  # 1.505 -> 1.51 half up
        (45, Decimal("12000"), "JPY", Money(9000, "JPY")),
        (50, Decimal("12001"), "JPY", Money(10001, "JPY")),  # 10000.83 -> 10001
        (20, Decimal("7.5"), "KWD", Money(2500, "KWD")),  # 2.500 KWD
    ],
)
def test_hourly_charge_rounds_once_half_up_to_the_minor_unit(
    minutes: int, rate: Decimal, currency: str, expected: Money
) -> None:
    assert hourly_charge(minutes, rate, currency) == expected


def test_unit_charge_and_hours() -> None:
    assert unit_charge(42, Decimal("1.25"), "EUR") == Money(5250, "EUR")
    assert unit_charge(3, Decimal("4999.5"), "JPY") == Money(14999, "JPY")  # 14998.5 up
    assert hours(90) == Decimal("1.5000")
    assert hours(7) == Decimal("0.1167")


@given(st.integers(0, 10_000), st.decimals(min_value=0, max_value=10_000, places=4))
def test_hourly_charge_is_within_half_a_cent_of_the_exact_amount(
    minutes: int, rate: Decimal
) -> None:
    charge = hourly_charge(minutes, rate, "EUR")
    exact = rate * minutes / 60
    assert abs(charge.amount - exact) <= Decimal("0.005")
