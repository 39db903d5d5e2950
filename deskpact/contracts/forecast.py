"""When a balance runs out at the pace it has been used lately."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

WINDOW_DAYS = 90
# Beyond this the pace says nothing useful (and a date far enough out does not exist).
HORIZON_DAYS = 100 * 366


def run_out_on(
    balance: int, usage: Iterable[tuple[date, int]], *, today: date, window_days: int = WINDOW_DAYS
) -> date | None:
    """The day `balance` reaches zero at the average daily use of the last `window_days`
    (usage: (day, units used) pairs). None when nothing was used, nothing is left, or the
    balance outlasts HORIZON_DAYS at this pace."""
    since = today - timedelta(days=window_days)
    used = sum(units for day, units in usage if since < day <= today and units > 0)
    if balance <= 0 or used <= 0:
        return None
    # balance / (used / window) days, as an integer ceiling: no float error at whole days.
    days = -(-balance * window_days // used)
    return today + timedelta(days=days) if days <= HORIZON_DAYS else None
