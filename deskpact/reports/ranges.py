"""The date range a report covers: parsed, checked and capped before any query runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from deskpact.core.errors import DomainError

DEFAULT_DAYS = 30
MAX_DAYS = 2 * 366  # two years: longer ranges are refused, not walked


class BadRange(DomainError):
    code = "bad_range"


@dataclass(frozen=True)
class DateRange:
    """Whole days from `start` to `end`, both included, in the desk's time zone."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self, zone: str) -> tuple[datetime, datetime]:
        """[first instant, first instant after) of the range in `zone`, as aware datetimes."""
        tz = ZoneInfo(zone)
        return (
            datetime.combine(self.start, time.min, tz),
            datetime.combine(self.end + timedelta(days=1), time.min, tz),
        )

    def each_day(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range(self.days)]


def _day(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadRange(f"{text!r} is not a date (YYYY-MM-DD).", field=field) from None


def parse_range(
    start: str | None, end: str | None, *, today: date, max_days: int = MAX_DAYS
) -> DateRange:
    """`start`/`end` as given (either may be empty): the last DEFAULT_DAYS days by default,
    an open end running to today, an open start DEFAULT_DAYS before the end. Reversed
    ranges, future starts and ranges over `max_days` are refused naming the field."""
    last = _day(end, "end") if end else today
    first = _day(start, "start") if start else last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise BadRange(f"The range starts ({first}) after it ends ({last}).", field="start")
    if first > today:
        raise BadRange(f"The range starts in the future ({first}).", field="start")
    if (last - first).days + 1 > max_days:
        raise BadRange(
            f"The range covers {(last - first).days + 1} days; reports cover at most {max_days}.",
            field="end",
        )
    return DateRange(first, last)
