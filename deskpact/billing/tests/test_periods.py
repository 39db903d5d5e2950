"""Months in "YYYY-MM", where they start and end in a zone, and which may be billed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deskpact.billing.errors import BadPeriod
from deskpact.billing.invoice_math import remaining_to_credit, tax_on, totals_of
from deskpact.billing.periods import Period, check_billable, ends_at, parse_period, starts_at


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-13", "between 01 and 12"),
        ("2026-00", "between 01 and 12"),
        ("2026/10", "not a month"),
        ("Oct 2026", "not a month"),
        ("", "not a month"),
        ("2026-1", "not a month"),
    ],
)
def test_malformed_periods_are_refused_naming_the_field(text: str, message: str) -> None:
    with pytest.raises(BadPeriod, match=message) as caught:
        parse_period(text)
    assert (caught.value.code, caught.value.field) == ("bad_period", "period")


def test_a_month_ends_at_local_midnight_of_the_next_whatever_the_dst() -> None:
    october = parse_period("2026-10")
    assert starts_at(october, "Europe/Berlin") == datetime(2026, 9, 30, 22, tzinfo=UTC)  # CEST
    assert ends_at(october, "Europe/Berlin") == datetime(2026, 10, 31, 23, tzinfo=UTC)  # CET
    assert ends_at(october, "Asia/Tokyo") == datetime(2026, 10, 31, 15, tzinfo=UTC)
    assert ends_at(parse_period("2026-12"), "UTC") == datetime(2027, 1, 1, tzinfo=UTC)


def test_future_and_unfinished_months_cannot_be_billed() -> None:
    now = datetime(2026, 11, 3, 9, tzinfo=UTC)
    check_billable(parse_period("2026-10"), now)
    with pytest.raises(BadPeriod, match="has not ended yet"):
        check_billable(parse_period("2026-11"), now)
    with pytest.raises(BadPeriod, match="in the future"):
        check_billable(parse_period("2027-01"), now)


def test_neighbouring_months_wrap_the_year() -> None:
    assert Period(2026, 12).next() == Period(2027, 1)
    assert Period(2026, 1).previous() == Period(2025, 12)
    assert Period(2024, 2).last_day.day == 29


@pytest.mark.parametrize(
    ("subtotal", "rate", "tax"),
    [
        (135_000, "19", 25_650),
        (6_667, "10", 667),
        (4_115, "5", 206),
        (250, "7.5", 19),
        (-250, "7.5", -19),
        (0, "19", 0),
    ],
)
def test_tax_is_rounded_half_up_to_the_minor_unit(subtotal: int, rate: str, tax: int) -> None:
    from decimal import Decimal

    assert tax_on(subtotal, Decimal(rate)) == tax


@settings(max_examples=200)
@given(
    st.lists(st.integers(-(10**9), 10**9), max_size=30),
    st.decimals(min_value=0, max_value=100, places=3),
)
def test_total_is_the_sum_of_lines_plus_tax(amounts: list[int], rate) -> None:
    t = totals_of(amounts, rate)
    assert t.subtotal_minor == sum(amounts)
    assert t.total_minor == sum(amounts) + t.tax_minor
    assert abs(t.tax_minor * 100 - sum(amounts) * rate) <= 50  # within half a minor unit


@given(st.integers(0, 10**9), st.lists(st.integers(1, 10**6), max_size=10))
def test_nothing_remains_below_zero_to_credit(total: int, credits: list[int]) -> None:
    left = remaining_to_credit(total, credits)
    assert left == max(0, total - sum(credits))


@given(st.integers(1900, 2200), st.integers(1, 12))
def test_every_month_reads_back(year: int, month: int) -> None:
    assert parse_period(str(Period(year, month))) == Period(year, month)
