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
    """Where a debit of units lands: parts drawn from blocks, and the overage beyond them."""

    from_blocks: tuple[tuple[int, int], ...]
    overage: int

    @property
    def covered(self) -> int:
        return sum(units for _, units in self.from_blocks)


def usable(blocks: Sequence[BlockLeft], on: date) -> list[BlockLeft]:
    """Blocks with units left on `on`, soonest expiry first (never-expiring last)."""
    live = [b for b in blocks if b.left > 0 and (b.expires_on is None or b.expires_on >= on)]
    return sorted(live, key=lambda b: (b.expires_on is None, b.expires_on or on, b.purchased_order))


def debit(units: int, blocks: Sequence[BlockLeft], *, on: date) -> Debit:
    """Draw `units` from the usable blocks, oldest-expiring first; the rest is overage."""
    parts: list[tuple[int, int]] = []
    need = units
    for block in usable(blocks, on):
        if need <= 0:
            break
        take = min(block.left, need)
        parts.append((block.block_id, take))
        need -= take
    return Debit(tuple(parts), need)


def check_overdraft(balance: int, units: int, *, limit: int | None, unit: str) -> None:
    """Refuse a debit that would take the balance below minus the overdraft limit."""
    after = balance - units
    if limit is None or after >= -limit:
        return
    room = max(0, balance + limit)
    raise OverdraftExceeded(
        f"This would take the bank to {after} {unit}, past its overdraft limit of {limit} "
        f"{unit}; {room} {unit} can still be logged. Top up, or log the work as not billable.",
        field="minutes",
        limit=limit,
        room=room,
    )


def crossed_threshold(before: int, after: int, threshold: int) -> bool:
    """Did a debit take the balance from above the threshold to it or below?"""
    return before > threshold >= after
