"""Every allowed and refused status move, and what each stamps."""

from __future__ import annotations

import itertools

import pytest

from deskpact.tickets import workflow
from deskpact.tickets.models import Ticket
from deskpact.tickets.workflow import Status

ALLOWED_MOVES = {
    ("new", "open"),
    ("new", "pending"),
    ("new", "on_hold"),
    ("new", "resolved"),
    ("new", "closed"),
    ("open", "pending"),
    ("open", "on_hold"),
    ("open", "resolved"),
    ("open", "closed"),
    ("pending", "open"),
    ("pending", "on_hold"),
    ("pending", "resolved"),
    ("pending", "closed"),
    ("on_hold", "open"),
    ("on_hold", "pending"),
    ("on_hold", "resolved"),
    ("on_hold", "closed"),
    ("resolved", "open"),
    ("resolved", "closed"),
}


@pytest.mark.parametrize(("current", "target"), sorted(itertools.product(Status, Status)))
def test_every_move_is_allowed_or_refused_as_listed(current: Status, target: Status) -> None:
    if (current.value, target.value) in ALLOWED_MOVES:
        workflow.check(current, target)
    else:
        with pytest.raises(workflow.TransitionRefused):
            workflow.check(current, target)


def test_closed_is_final_and_says_so() -> None:
    with pytest.raises(workflow.TransitionRefused, match="closed is final"):
        workflow.check("closed", "open")


@pytest.mark.parametrize(
    ("current", "target", "stamps"),
    [
        ("open", "resolved", workflow.Stamps(resolved=True)),
        ("resolved", "open", workflow.Stamps(resolved=False)),
        ("resolved", "closed", workflow.Stamps(closed=True)),
        ("pending", "open", workflow.Stamps()),
    ],
)
def test_moves_stamp_resolution_and_closure(
    current: str, target: str, stamps: workflow.Stamps
) -> None:
    assert workflow.stamps_for(current, target) == stamps


@pytest.mark.parametrize(
    ("current", "after"),
    [("pending", "open"), ("resolved", "open"), ("open", None), ("new", None), ("on_hold", None)],
)
def test_customer_reply_reopens_only_pending_and_resolved(current: str, after: str | None) -> None:
    assert workflow.status_after_customer_reply(current) == after


def test_model_statuses_match_the_workflow() -> None:
    assert set(Ticket.Status.values) == {s.value for s in Status}
