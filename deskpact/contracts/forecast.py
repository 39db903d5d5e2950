"""When a balance runs out at the pace it has been used lately."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, timedelta

WINDOW_DAYS = 90


def run_out_on(
    balance: int, usage: Iterable[tuple[date, int]], *, today: date, window_days: int = WINDOW_DAYS
) -> date | None:
    """The day `balance` reaches zero at the average daily use of the last `window_days`
    (usage: (day, units used) pairs). None when nothing was used or nothing is left."""
    since = today - timedelta(days=window_days)
    used = sum(units for day, units in usage if since < day <= today and units > 0)
    if balance <= 0 or used <= 0:
        return None
    per_day = used / window_days
    return today + timedelta(days=math.ceil(balance / per_day))
