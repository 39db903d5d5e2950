"""The license advisor: worked examples computed by hand, and the concurrency sweep."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deskpact.licensing import advisor
from deskpact.licensing.keys import SeatType
from deskpact.licensing.policy import LicenseModel

MONDAY = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
PRICES = advisor.parse_prices(
    {
        "support_named": "500",
        "support_concurrent": "1750",
        "team_named": "520",
        "team_concurrent": "1800",
    }
)


def _usage(intervals: list[advisor.Interval], *, needs_team: bool = False) -> advisor.Usage:
    users = len({i.user_id for i in intervals})
    curve = advisor.concurrency(intervals)
    return advisor.Usage(
        named={LicenseModel.SUPPORT: users, LicenseModel.TEAM: users},
        concurrency={LicenseModel.SUPPORT: curve, LicenseModel.TEAM: curve},
        needs_team=needs_team,
    )


def _option(advice: advisor.Advice, model: str, seat_type: str) -> advisor.Option:
    return next(o for o in advice.options if (o.model, o.seat_type) == (model, seat_type))


def test_ten_operators_all_at_once_are_cheapest_on_named_seats() -> None:
    # Every working day for two weeks, all ten work 8:00-16:00 together.
    work = [
        advisor.Interval(n, MONDAY + timedelta(days=d), MONDAY + timedelta(days=d, hours=8))
        for n in range(10)
        for d in range(14)
    ]
    advice = advisor.advise(
        _usage(work),
        PRICES,
        current_monthly_cost=Decimal(10 * 1750),  # 10 concurrent today
    )
    named = _option(advice, "support", "named")
    concurrent = _option(advice, "support", "concurrent")
    assert (named.seats, named.monthly_cost) == (10, Decimal("5000"))
    assert (concurrent.seats, concurrent.monthly_cost) == (10, Decimal("17500"))
    assert advice.recommended == named
    assert advice.monthly_saving == Decimal("12500")


def test_thirty_operators_in_shifts_of_five_are_cheapest_on_concurrent_seats() -> None:
    # Six shifts of four hours around the clock, five people each: never more than five.
    shifts = [
        advisor.Interval(
            shift * 5 + n,
            MONDAY + timedelta(days=d, hours=4 * shift),
            MONDAY + timedelta(days=d, hours=4 * shift + 4),
        )
        for shift in range(6)
        for n in range(5)
        for d in range(7)
    ]
    advice = advisor.advise(_usage(shifts), PRICES, current_monthly_cost=Decimal(30 * 500))
    concurrent = _option(advice, "support", "concurrent")
    named = _option(advice, "support", "named")
    assert (concurrent.seats, concurrent.monthly_cost) == (5, Decimal("8750"))
    assert (named.seats, named.monthly_cost) == (30, Decimal("15000"))
    assert advice.recommended == concurrent
    assert advice.monthly_saving == Decimal("6250")


def test_when_non_agents_own_tickets_only_team_combinations_are_allowed() -> None:
    work = [advisor.Interval(n, MONDAY, MONDAY + timedelta(hours=8)) for n in range(4)]
    advice = advisor.advise(
        _usage(work, needs_team=True), PRICES, current_monthly_cost=Decimal("0")
    )
    assert [o.allowed for o in advice.options] == [False, False, True, True]
    assert advice.recommended is not None
    assert (advice.recommended.model, advice.recommended.seat_type) == ("team", SeatType.NAMED)
    assert advice.monthly_saving == Decimal("-2080")  # 4 x 520 more than the evaluation


def test_concurrency_counts_people_not_tabs_and_an_end_before_a_start() -> None:
    nine = MONDAY + timedelta(hours=1)
    curve = advisor.concurrency(
        [
            advisor.Interval(1, MONDAY, nine),
            advisor.Interval(1, MONDAY + timedelta(minutes=30), nine),  # same person again
            advisor.Interval(2, nine, nine + timedelta(hours=1)),  # starts as 1 ends
            advisor.Interval(3, nine, nine),  # empty: nothing
        ]
    )
    assert curve.peak == 1
    assert curve.daily_peaks == {date(2026, 11, 2): 1}


def test_someone_working_across_midnight_counts_on_both_days() -> None:
    late = datetime(2026, 11, 2, 23, 0, tzinfo=UTC)
    curve = advisor.concurrency([advisor.Interval(1, late, late + timedelta(hours=26))])
    assert curve.daily_peaks == {date(2026, 11, 2): 1, date(2026, 11, 3): 1, date(2026, 11, 4): 1}
    assert curve.peak == 1


def test_the_95th_percentile_is_of_the_daily_peaks() -> None:
    # 19 days with 2 at once, one day with 9 at once: peak 9, p95 2.
    days = [
        advisor.Interval(n, MONDAY + timedelta(days=d), MONDAY + timedelta(days=d, hours=1))
        for d in range(19)
        for n in range(2)
    ] + [
        advisor.Interval(n, MONDAY + timedelta(days=19), MONDAY + timedelta(days=19, hours=1))
        for n in range(9)
    ]
    curve = advisor.concurrency(days)
    assert (curve.peak, curve.p95) == (9, 2)
    assert advisor.concurrency([]) == advisor.Concurrency(0, 0, {})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"team_named": None}, "team_named: a price per seat and month is required"),
        ({"team_named": ""}, "team_named: a price"),
        ({"support_concurrent": "-1"}, "support_concurrent: a price cannot be negative"),
        ({"support_named": "lots"}, "support_named: 'lots' is not a price"),
        ({"support_named": "NaN"}, "support_named: a price cannot be negative"),
    ],
)
def test_a_bad_price_list_names_the_combination(change: dict, message: str) -> None:
    raw = {"support_named": 1, "support_concurrent": 2, "team_named": 3, "team_concurrent": 4}
    with pytest.raises(advisor.BadPrices, match=message):
        advisor.parse_prices({**raw, **change})


spans = st.lists(
    st.tuples(st.integers(1, 6), st.integers(0, 600), st.integers(1, 300)), max_size=40
)


@settings(max_examples=200, deadline=None)
@given(spans)
def test_the_peak_is_the_most_people_active_at_any_one_minute(
    plan: list[tuple[int, int, int]],
) -> None:
    work = [
        advisor.Interval(
            user, MONDAY + timedelta(minutes=begin), MONDAY + timedelta(minutes=begin + length)
        )
        for user, begin, length in plan
    ]
    by_minute = max(
        (
            len({i.user_id for i in work if i.start <= MONDAY + timedelta(minutes=m) < i.end})
            for m in range(0, 901)
        ),
        default=0,
    )
    assert advisor.concurrency(work).peak == by_minute
