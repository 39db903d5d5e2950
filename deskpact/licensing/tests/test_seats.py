"""Deciding concurrent seats: worked examples and the invariant that seats never overflow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from deskpact.licensing.seats import Lease, decide, live

AT = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
LATER = AT + timedelta(minutes=30)


def _held(*user_ids: int, ends: datetime = LATER) -> list[Lease]:
    return [Lease(uid, ends + timedelta(minutes=uid)) for uid in user_ids]


def test_a_free_seat_is_given() -> None:
    decision = decide(seats=3, overdraft_seats=0, leases=_held(1, 2), reserved=[], user_id=3, at=AT)
    assert decision.granted and decision.in_use == 3 and not decision.overdraft


def test_when_all_are_held_the_refusal_says_when_the_earliest_frees() -> None:
    decision = decide(
        seats=3, overdraft_seats=0, leases=_held(1, 2, 3), reserved=[], user_id=4, at=AT
    )
    assert not decision.granted and decision.in_use == 3
    assert decision.next_free_at == LATER + timedelta(minutes=1)  # user 1's lease


def test_a_holder_asking_again_keeps_their_one_seat() -> None:
    decision = decide(
        seats=3, overdraft_seats=0, leases=_held(1, 2, 3), reserved=[], user_id=2, at=AT
    )
    assert decision.granted and decision.already_held and decision.in_use == 3


def test_a_lease_that_ran_out_counts_for_nobody() -> None:
    leases = [Lease(1, AT), Lease(2, AT - timedelta(seconds=1)), Lease(3, LATER)]
    assert [lease.user_id for lease in live(leases, AT)] == [3]
    decision = decide(seats=2, overdraft_seats=0, leases=leases, reserved=[], user_id=4, at=AT)
    assert decision.granted and decision.in_use == 2


def test_a_reserved_seat_is_kept_for_its_user() -> None:
    held = _held(1, 2)
    others = decide(seats=3, overdraft_seats=0, leases=held, reserved=[9], user_id=5, at=AT)
    reserved = decide(seats=3, overdraft_seats=0, leases=held, reserved=[9], user_id=9, at=AT)
    assert not others.granted and reserved.granted
    # Once the reserved user holds their seat, it is an ordinary held seat.
    with_nine = [*held, Lease(9, LATER)]
    assert not decide(
        seats=3, overdraft_seats=0, leases=with_nine, reserved=[9], user_id=5, at=AT
    ).granted


def test_an_overdraft_gives_its_extra_seats_marked_then_refuses() -> None:
    held = _held(*range(1, 11))  # 10 of 10
    eleventh = decide(seats=10, overdraft_seats=2, leases=held, reserved=[], user_id=11, at=AT)
    assert eleventh.granted and eleventh.overdraft and eleventh.in_use == 11
    held += _held(11, 12)
    assert not decide(
        seats=10, overdraft_seats=2, leases=held, reserved=[], user_id=13, at=AT
    ).granted


# Each step: (user, take or give back, minutes later).
steps = st.lists(
    st.tuples(st.integers(1, 12), st.booleans(), st.integers(0, 20)), min_size=1, max_size=80
)


@settings(max_examples=200, deadline=None)
@given(
    seats=st.integers(1, 6),
    overdraft=st.integers(0, 2),
    reserved=st.sets(st.integers(1, 12), max_size=3),
    plan=steps,
)
def test_seats_held_never_exceed_the_license_and_nobody_holds_two(
    seats: int, overdraft: int, reserved: set[int], plan: list[tuple[int, bool, int]]
) -> None:
    at = AT
    held: dict[int, Lease] = {}
    idle = timedelta(minutes=30)
    for user, take, minutes in plan:
        at += timedelta(minutes=minutes)
        held = {uid: lease for uid, lease in held.items() if lease.expires_at > at}
        if not take:
            held.pop(user, None)
            continue
        decision = decide(
            seats=seats,
            overdraft_seats=overdraft,
            leases=list(held.values()),
            reserved=reserved,
            user_id=user,
            at=at,
        )
        if decision.granted:
            held[user] = Lease(user, at + idle)
            assert decision.in_use == len(held)
            if user not in reserved and not decision.already_held:
                # Granted to someone else only while every free reserved seat stays free.
                assert len(held) + len(reserved - held.keys()) <= seats + overdraft
        assert len(held) <= seats + overdraft
