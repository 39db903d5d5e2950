"""Report ranges and percentiles: worked examples and properties, no database."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deskpact.reports.ranges import BadRange, DateRange, parse_range
from deskpact.reports.stats import median, percentile

TODAY = date(2026, 12, 1)


def test_no_dates_mean_the_last_thirty_days() -> None:
    assert parse_range(None, None, today=TODAY) == DateRange(date(2026, 11, 2), TODAY)


def test_an_open_end_runs_to_today() -> None:
    assert parse_range("2026-10-01", "", today=TODAY) == DateRange(date(2026, 10, 1), TODAY)


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("2026-11-30", "2026-11-01", "start"),  # reversed
        ("2027-01-01", "2027-01-31", "start"),  # in the future
        ("2006-01-01", "2026-01-01", "end"),  # twenty years
        ("yesterday", None, "start"),
        ("2026-11-01", "2026-13-01", "end"),
    ],
)
def test_bad_ranges_are_refused_naming_the_field(
    start: str | None, end: str | None, field: str
) -> None:
    with pytest.raises(BadRange) as refused:
        parse_range(start, end, today=TODAY)
    assert refused.value.field == field and refused.value.code == "bad_range"


def test_a_range_names_its_instants_in_the_zone() -> None:
    first, after = DateRange(date(2026, 10, 1), date(2026, 10, 31)).bounds("Europe/Berlin")
    assert first.isoformat() == "2026-10-01T00:00:00+02:00"
    assert after.isoformat() == "2026-11-01T00:00:00+01:00"  # summer time ended on the 25th


def test_median_and_ninetieth_percentile_by_hand() -> None:
    minutes = [10, 20, 30, 40, 100]
    assert median(minutes) == 30
    # rank 0.9 * 4 = 3.6: 40 + 0.6 * (100 - 40) = 76
    assert percentile(minutes, 0.9) == pytest.approx(76)
    assert median([5, 7]) == 6
    assert median([]) is None and percentile([42], 0.9) == 42


@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=50), st.floats(0, 1))
def test_a_percentile_lies_within_the_values(values: list[int], fraction: float) -> None:
    result = percentile(values, fraction)
    assert result is not None and min(values) <= result <= max(values)
