"""The lock every seat-counting change takes first."""

from __future__ import annotations

from deskpact.licensing.models import SeatLock


def lock_seats() -> None:
    """Hold the seat lock until the current transaction ends (call inside one)."""
    # The row may be missing (a flushed test database): create it, never twice.
    SeatLock.objects.bulk_create([SeatLock(pk=1)], ignore_conflicts=True)
    SeatLock.objects.select_for_update().get(pk=1)
