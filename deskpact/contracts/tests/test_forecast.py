"""When a bank runs out at the recent pace: no database."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from deskpact.contracts.forecast import HORIZON_DAYS, run_out_on

TODAY = date(2026, 6, 30)


def test_ninety_minutes_a_day_runs_out_nine_hundred_minutes_in_ten_days() -> None:
    usage = [(TODAY - timedelta(days=d), 90) for d in range(90)]  # 8100 in the last 90 days
    assert run_out_on(900, usage, today=TODAY) == TODAY + timedelta(days=10)


def test_partial_days_round_up() -> None:
    # 90 minutes over 90 days is one a day: 100 minutes last 100 days; 45 over 90 is half.
    assert run_out_on(100, [(TODAY, 90)], today=TODAY) == TODAY + timedelta(days=100)
    assert run_out_on(1, [(TODAY, 45)], today=TODAY) == TODAY + timedelta(days=2)


def test_only_the_window_counts() -> None:
    old = [(TODAY - timedelta(days=90), 10_000), (TODAY + timedelta(days=1), 10_000)]
    assert run_out_on(600, old, today=TODAY) is None
    assert run_out_on(600, [*old, (TODAY - timedelta(days=89), 60)], today=TODAY) == (
        TODAY + timedelta(days=900)
    )


def test_nothing_left_or_nothing_used_has_no_date() -> None:
    assert run_out_on(0, [(TODAY, 60)], today=TODAY) is None
    assert run_out_on(-30, [(TODAY, 60)], today=TODAY) is None
    assert run_out_on(600, [], today=TODAY) is None


@given(st.integers(1, 100_000), st.lists(st.tuples(st.integers(0, 89), st.integers(1, 600))))
def test_the_balance_lasts_until_the_date_and_not_a_day_past(
    balance: int, uses: list[tuple[int, int]]
) -> None:
    usage = [(TODAY - timedelta(days=d), u) for d, u in uses]
    out = run_out_on(balance, usage, today=TODAY)
    used = sum(u for _, u in uses)
    if used == 0:
        assert out is None
        return
    if balance * 90 > HORIZON_DAYS * used:  # outlasts a century at this pace
        assert out is None
        return
    assert out is not None
    days = (out - TODAY).days
    assert days * used >= balance * 90 > (days - 1) * used


def test_a_balance_that_outlasts_a_century_at_this_pace_has_no_date() -> None:
    # 32,359 units at 1 unit per 90 days: 2.9 million days, past any calendar.
    assert run_out_on(32_359, [(TODAY, 1)], today=TODAY) is None
