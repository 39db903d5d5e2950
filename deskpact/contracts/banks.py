"""Prepaid banks: which blocks a debit draws on, how far below zero it may go, warnings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from deskpact.core.errors import DomainError


class OverdraftExceeded(DomainError):
    code = "overdraft_exceeded"
    status = 409


@dataclass(frozen=True)
class BlockLeft:
    block_id: int
    left: int
    expires_on: date | None
    purchased_order: int = 0


@dataclass(frozen=True)
class Debit:
    """Where a debit of units lands: parts drawn from blocks, units covered by credit held
    outside any block (a goodwill adjustment), and the overage beyond both."""

    from_blocks: tuple[tuple[int, int], ...]
    overage: int
    from_credit: int = 0

    @property
    def covered(self) -> int:
        return sum(units for _, units in self.from_blocks) + self.from_credit


def usable(blocks: Sequence[BlockLeft], on: date) -> list[BlockLeft]:
    """Blocks with units left on `on`, soonest expiry first (never-expiring last)."""
    live = [b for b in blocks if b.left > 0 and (b.expires_on is None or b.expires_on >= on)]
    return sorted(live, key=lambda b: (b.expires_on is None, b.expires_on or on, b.purchased_order))


def available(balance: int, blocks: Sequence[BlockLeft], *, on: date) -> int:
    """What a bank can still cover on `on`: its ledger balance less units left in blocks
    that have expired but are not written off yet (those can no longer be spent)."""
    stale = sum(
        b.left for b in blocks if b.left > 0 and b.expires_on is not None and b.expires_on < on
    )
    return balance - stale


def debit(
    units: int, blocks: Sequence[BlockLeft], *, on: date, balance: int | None = None
) -> Debit:
    """Draw `units` from the usable blocks, oldest-expiring first; the rest is overage.

    `balance` is the bank's ledger balance; it defaults to what the usable blocks hold.
    The ledger is the truth and blocks say where units came from: a debit never covers more
    than the bank has available, and what is covered beyond the blocks comes from credit.
    """
    if units < 0:
        raise ValueError("units must not be negative")
    live = usable(blocks, on)
    in_blocks = sum(b.left for b in live)
    room = in_blocks if balance is None else max(0, available(balance, blocks, on=on))
    covered = min(units, room)
    parts: list[tuple[int, int]] = []
    need = min(covered, in_blocks)
    for block in live:
        if need <= 0:
            break
        take = min(block.left, need)
        parts.append((block.block_id, take))
        need -= take
    drawn = sum(u for _, u in parts)
    return Debit(tuple(parts), units - covered, from_credit=covered - drawn)


def check_overdraft(
    balance: int, units: int, *, limit: int | None, unit: str, field: str = "minutes"
) -> None:
    """Refuse a debit that would take the balance below minus the overdraft limit
    (no limit: None). The balance is what the bank has available, in its unit."""
    after = balance - units
    if limit is None or after >= -limit:
        return
    room = max(0, balance + limit)
    raise OverdraftExceeded(
        f"This would take the bank to {after} {unit}, past its overdraft limit of {limit} "
        f"{unit}; {room} {unit} can still be logged. Top up, or log the work as not billable.",
        field=field,
        limit=limit,
        room=room,
    )


def settlement(balance: int) -> int:
    """Units a top-up clears first: overage already billed at the overage rate is not owed
    again, so a new block starts whole rather than repaying the overdraft."""
    return max(0, -balance)


def crossed_threshold(before: int, after: int, threshold: int) -> bool:
    """Did a debit take the balance from above the threshold to it or below?"""
    return before > threshold >= after
