"""Whether a concurrent seat can be given, from the leases held at a moment (SPEC §3).

Plain functions: the license's seats, the live leases, the reservations and the clock
come in; the caller holds the seat lock while it decides and writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Lease:
    user_id: int
    expires_at: datetime


@dataclass(frozen=True)
class Decision:
    granted: bool
    in_use: int  # seats held once this decision is carried out
    seats: int
    overdraft: bool = False  # granted beyond `seats`, within the license's overdraft
    already_held: bool = False
    next_free_at: datetime | None = None  # refused: when the earliest lease runs out


def live(leases: Iterable[Lease], at: datetime) -> list[Lease]:
    """The leases still held at `at` (a lease ends at its expiry, not after it)."""
    return [lease for lease in leases if lease.expires_at > at]


def decide(
    *,
    seats: int,
    overdraft_seats: int,
    leases: Iterable[Lease],
    reserved: Iterable[int],
    user_id: int,
    at: datetime,
) -> Decision:
    """Give `user_id` a seat at `at`, or say why not.

    A user holding a lease keeps it (one lease per user, however many tabs and clients).
    A reserved seat not in use is kept for its user: others count it as taken.
    """
    held = live(leases, at)
    holders = {lease.user_id for lease in held}
    if user_id in holders:
        return Decision(True, len(held), seats, already_held=True)
    reserved_ids = set(reserved)
    # Nobody else can take a reserved seat, so a reserved user only needs one free; for
    # everyone else the reserved seats not in use are as good as taken.
    kept = 0 if user_id in reserved_ids else len(reserved_ids - holders)
    taken = len(held) + kept
    if taken < seats:
        return Decision(True, len(held) + 1, seats)
    if taken < seats + overdraft_seats:
        return Decision(True, len(held) + 1, seats, overdraft=True)
    earliest = min((lease.expires_at for lease in held), default=None)
    return Decision(False, len(held), seats, next_free_at=earliest)
