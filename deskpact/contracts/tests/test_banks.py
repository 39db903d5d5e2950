"""Which blocks a debit draws on, overdraft limits and threshold crossings: no database."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deskpact.contracts.banks import (
    BlockLeft,
    OverdraftExceeded,
    available,
    check_overdraft,
    crossed_threshold,
    debit,
    settlement,
    usable,
)

ON = date(2026, 3, 1)


def test_debit_draws_the_oldest_expiring_block_first() -> None:
    blocks = [
        BlockLeft(1, 600, date(2026, 12, 31), purchased_order=0),
        BlockLeft(2, 120, date(2026, 6, 30), purchased_order=1),
        BlockLeft(3, 300, None, purchased_order=2),
    ]
    d = debit(200, blocks, on=ON)
    assert d.from_blocks == ((2, 120), (1, 80))
    assert d.overage == 0 and d.covered == 200


def test_debit_skips_expired_and_empty_blocks_and_never_expiring_ones_come_last() -> None:
    blocks = [
        BlockLeft(1, 60, date(2026, 2, 28)),  # expired the day before
        BlockLeft(2, 0, date(2026, 4, 1)),
        BlockLeft(3, 30, None, purchased_order=0),
        BlockLeft(4, 30, date(2026, 3, 1), purchased_order=1),  # usable on its last day
    ]
    assert [b.block_id for b in usable(blocks, ON)] == [4, 3]
    d = debit(90, blocks, on=ON)
    assert d.from_blocks == ((4, 30), (3, 30))
    assert d.overage == 30


def test_blocks_of_the_same_expiry_go_in_purchase_order() -> None:
    blocks = [BlockLeft(8, 10, None, purchased_order=1), BlockLeft(5, 10, None, purchased_order=0)]
    assert debit(15, blocks, on=ON).from_blocks == ((5, 10), (8, 5))


def test_debit_never_covers_more_than_the_ledger_balance() -> None:
    blocks = [BlockLeft(1, 120, None)]
    # An adjustment took 100 units away: only 20 are there to cover.
    d = debit(60, blocks, on=ON, balance=20)
    assert d.from_blocks == ((1, 20),) and d.from_credit == 0 and d.overage == 40


def test_debit_covers_goodwill_credit_after_the_blocks() -> None:
    d = debit(90, [BlockLeft(1, 60, None)], on=ON, balance=75)
    assert d.from_blocks == ((1, 60),) and d.from_credit == 15 and d.overage == 15


def test_available_leaves_out_expired_blocks_not_yet_written_off() -> None:
    blocks = [BlockLeft(1, 50, date(2026, 2, 1)), BlockLeft(2, 30, None)]
    assert available(80, blocks, on=ON) == 30
    d = debit(40, blocks, on=ON, balance=80)
    assert d.from_blocks == ((2, 30),) and d.overage == 10


block_lists = st.lists(
    st.builds(
        BlockLeft,
        block_id=st.integers(1, 10_000),
        left=st.integers(0, 5_000),
        expires_on=st.one_of(st.none(), st.dates(date(2025, 1, 1), date(2027, 12, 31))),
        purchased_order=st.integers(0, 50),
    ),
    max_size=8,
    unique_by=lambda b: b.block_id,
)


@given(st.integers(0, 20_000), block_lists, st.one_of(st.none(), st.integers(-5_000, 40_000)))
def test_debit_parts_add_up_and_never_overdraw_a_block(
    units: int, blocks: list[BlockLeft], balance: int | None
) -> None:
    d = debit(units, blocks, on=ON, balance=balance)
    assert d.covered + d.overage == units
    assert d.overage >= 0 and d.from_credit >= 0
    left = {b.block_id: b for b in blocks}
    drawn = [block_id for block_id, _ in d.from_blocks]
    assert len(drawn) == len(set(drawn))
    for block_id, taken in d.from_blocks:
        block = left[block_id]
        assert 0 < taken <= block.left
        assert block.expires_on is None or block.expires_on >= ON
    if balance is None:
        assert d.from_credit == 0
    else:
        assert d.covered <= max(0, available(balance, blocks, on=ON))


@given(st.integers(1, 5_000), block_lists)
def test_debit_takes_a_later_block_only_when_earlier_ones_are_empty(
    units: int, blocks: list[BlockLeft]
) -> None:
    d = debit(units, blocks, on=ON)
    order = [b.block_id for b in usable(blocks, ON)]
    taken = dict(d.from_blocks)
    left = {b.block_id: b.left for b in blocks}
    for earlier, later in itertools.pairwise(order):
        if later in taken:
            assert taken.get(earlier) == left[earlier]


def test_check_overdraft_allows_down_to_minus_the_limit() -> None:
    check_overdraft(60, 60, limit=0, unit="minutes")
    check_overdraft(60, 180, limit=120, unit="minutes")
    check_overdraft(-500, 60, limit=None, unit="minutes")  # no limit


def test_check_overdraft_refuses_past_the_limit_with_the_room_left() -> None:
    with pytest.raises(OverdraftExceeded) as caught:
        check_overdraft(30, 60, limit=0, unit="minutes")
    assert caught.value.code == "overdraft_exceeded"
    assert caught.value.field == "minutes"
    assert caught.value.details == {"limit": 0, "room": 30}
    with pytest.raises(OverdraftExceeded) as again:
        check_overdraft(-2, 1, limit=2, unit="incidents", field="status")
    assert again.value.field == "status" and again.value.details["room"] == 0


@pytest.mark.parametrize(
    ("before", "after", "threshold", "crossed"),
    [(180, 120, 120, True), (121, 0, 120, True), (120, 60, 120, False), (300, 121, 120, False)],
)
def test_crossed_threshold_only_when_falling_to_it(
    before: int, after: int, threshold: int, crossed: bool
) -> None:
    assert crossed_threshold(before, after, threshold) is crossed


def test_settlement_clears_only_what_is_owed() -> None:
    assert settlement(-45) == 45
    assert settlement(0) == 0 and settlement(30) == 0
