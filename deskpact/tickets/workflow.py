"""The ticket status machine (SPEC §1): which moves are allowed and what each stamps.

new → open → pending (waiting on the customer) → resolved → closed, plus on_hold.
Closed is final. Plain values in and out: no ORM, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    ON_HOLD = "on_hold"
    RESOLVED = "resolved"
    CLOSED = "closed"


ALLOWED: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset(
        {Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.RESOLVED, Status.CLOSED}
    ),
    Status.OPEN: frozenset({Status.PENDING, Status.ON_HOLD, Status.RESOLVED, Status.CLOSED}),
    Status.PENDING: frozenset({Status.OPEN, Status.ON_HOLD, Status.RESOLVED, Status.CLOSED}),
    Status.ON_HOLD: frozenset({Status.OPEN, Status.PENDING, Status.RESOLVED, Status.CLOSED}),
    Status.RESOLVED: frozenset({Status.OPEN, Status.CLOSED}),
    Status.CLOSED: frozenset(),
}

# Tickets in these states still need someone: queues of open work show them.
ACTIVE = frozenset({Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD})
# A customer writing on these brings the ticket back to the agent.
REOPENED_BY_CUSTOMER_REPLY = frozenset({Status.PENDING, Status.RESOLVED})


class TransitionRefused(Exception):
    def __init__(self, current: str, target: str) -> None:
        allowed = ", ".join(sorted(ALLOWED[Status(current)])) or "none: closed is final"
        super().__init__(
            f"A ticket cannot go from {current} to {target} (allowed from {current}: {allowed})."
        )
        self.current, self.target = current, target


def check(current: str, target: str) -> None:
    """Raise TransitionRefused unless `current → target` is an allowed move."""
    if Status(target) not in ALLOWED[Status(current)]:
        raise TransitionRefused(current, target)


@dataclass(frozen=True)
class Stamps:
    """Which timestamps a move sets (True) or clears (False); None leaves it alone."""

    resolved: bool | None = None
    closed: bool | None = None


def stamps_for(current: str, target: str) -> Stamps:
    """Resolving stamps resolved_at; reopening clears it; closing stamps closed_at."""
    t = Status(target)
    if t == Status.RESOLVED:
        return Stamps(resolved=True)
    if t == Status.CLOSED:
        return Stamps(closed=True)
    if Status(current) == Status.RESOLVED:
        return Stamps(resolved=False)
    return Stamps()


def status_after_customer_reply(current: str) -> str | None:
    """The status a customer's public reply moves the ticket to, or None to stay."""
    return Status.OPEN.value if Status(current) in REOPENED_BY_CUSTOMER_REPLY else None


def status_after_agent_reply(current: str) -> str | None:
    """An agent's first public reply takes a new ticket into work."""
    return Status.OPEN.value if Status(current) == Status.NEW else None
