"""Billing periods: calendar months, read from "YYYY-MM", in an organization's time zone.

Pure: no ORM, no settings, no clock. The caller passes "now" in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from deskpact.billing.errors import BadPeriod

_PATTERN = re.compile(r"(\d{4})-(\d{2})")
# The first zone on earth to finish a day is 14 hours ahead of UTC (Pacific/Kiritimati).
EARLIEST_OFFSET = timedelta(hours=14)


@dataclass(frozen=True, order=True)
class Period:
    """One calendar month."""

    year: int
    month: int

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    def next(self) -> Period:
        return Period(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Period:
        return Period(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def parse_period(text: str | date) -> Period:
    """Read "YYYY-MM" (or a date: its month); malformed text or a month outside 1-12 is
    refused with BadPeriod naming the field `period`."""
    if isinstance(text, date):
        return Period(text.year, text.month)
    if not isinstance(text, str):
        raise BadPeriod("A period is a month written YYYY-MM, e.g. 2026-10.")
    match = _PATTERN.fullmatch(text.strip())
    if match is None:
        raise BadPeriod(f"{text!r} is not a month: write it as YYYY-MM, e.g. 2026-10.")
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12:
        raise BadPeriod(f"{text!r}: the month must be between 01 and 12.")
    if year < 1900:
        raise BadPeriod(f"{text!r}: the year is out of range.")
    return Period(year, month)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadPeriod(f"{name!r} is not an IANA time zone.", field="time_zone") from None


def starts_at(period: Period, time_zone: str) -> datetime:
    """The UTC instant the month starts in `time_zone` (local midnight on its first day)."""
    local = datetime.combine(period.first_day, datetime.min.time(), zone(time_zone))
    return local.astimezone(UTC)


def ends_at(period: Period, time_zone: str) -> datetime:
    """The UTC instant the month ends in `time_zone`: local midnight starting the next month
    (exclusive), so 23:30 local on the last day belongs to the month and 00:30 on the first
    of the next does not, whatever the DST offset that night."""
    return starts_at(period.next(), time_zone)


def has_ended(period: Period, time_zone: str, now: datetime) -> bool:
    return now >= ends_at(period, time_zone)


def check_billable(period: Period, now: datetime) -> None:
    """Refuse a period that has not ended anywhere yet (the current month or a future one).

    Organizations in zones where the month is still running are skipped by the run itself.
    """
    if starts_at(period, "UTC") - EARLIEST_OFFSET > now:
        raise BadPeriod(f"{period} is in the future.")
    if starts_at(period.next(), "UTC") - EARLIEST_OFFSET > now:
        raise BadPeriod(f"{period} has not ended yet: bill a month once it is over.")
