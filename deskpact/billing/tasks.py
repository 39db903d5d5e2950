"""Background jobs of billing: the monthly run."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django_tasks import task


def previous_period(now: datetime) -> str:
    """The month before the one `now` falls in (UTC)."""
    from deskpact.billing import periods

    today = now.astimezone(periods.zone("UTC")).date()
    return str(periods.parse_period(today).previous())


@task()
def run_monthly_billing_task(*, period: str | None = None) -> int:
    """Bill the previous month (or `period`); returns the run's id.

    Schedule it after 12:00 UTC on the 1st: by then the month has ended in every time zone,
    so no organization is skipped as "not yet ended" (skipped ones are billed by a re-run).
    """
    from deskpact.billing import services

    now = timezone.now()
    run = services.run_billing(period=period or previous_period(now), at=now)
    return run.pk
