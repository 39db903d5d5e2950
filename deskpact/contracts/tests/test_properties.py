"""Properties of the ledger over random sequences of work, top-ups and resolutions.

Each example runs in a savepoint that is rolled back, so examples share nothing.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deskpact.accounts.models import Organization, User
from deskpact.contracts import ledger, rating, services
from deskpact.contracts.errors import OverdraftExceeded
from deskpact.contracts.models import LedgerEntry, WorkLog
from deskpact.contracts.tests.conftest import MakeContract, OpenTicket
from deskpact.contracts.tests.support import at
from deskpact.tickets import services as tickets
from deskpact.tickets.models import Ticket

pytestmark = pytest.mark.django_db
Kind, Part = LedgerEntry.Kind, LedgerEntry.Part
BOUNDED = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class Rollback(Exception):
    pass


def in_savepoint(run: object) -> None:
    try:
        with transaction.atomic():
            run()  # type: ignore[operator]
            raise Rollback
    except Rollback:
        pass


bank_steps = st.lists(
    st.one_of(
        st.tuples(st.just("log"), st.integers(1, 400), st.booleans()),
        st.tuples(st.just("top_up"), st.integers(1, 600), st.just(True)),
        st.tuples(st.just("adjust"), st.integers(-200, 200).filter(bool), st.just(True)),
    ),
    min_size=1,
    max_size=14,
)


@BOUNDED
@given(
    steps=bank_steps,
    limit=st.one_of(st.none(), st.integers(0, 300)),
    rounding=st.sampled_from([1, 6, 15]),
)
def test_a_bank_balance_is_what_was_bought_less_what_was_used_and_never_past_the_limit(
    make_contract: MakeContract,
    open_for: OpenTicket,
    initech: Organization,
    alice: User,
    sam: User,
    admin: User,
    steps: list[tuple[str, int, bool]],
    limit: int | None,
    rounding: int,
) -> None:
    def run() -> None:
        contract = make_contract(
            initech,
            "bank",
            unit="hours",
            exhaustion="overage",
            overdraft_units=limit,
            rounding_minutes=rounding,
            overage_rate=Decimal("100.00"),
        )
        ticket = open_for(alice)
        expected = 0  # the bank as the spec tells it, step by step
        for n, (step, amount, billable) in enumerate(steps):
            when = at("2026-03-02", 10, n)
            if step == "top_up":
                services.top_up_bank(contract, units=amount, by=admin, price_minor=0, at=when)
                expected = max(expected, 0) + amount  # billed overage is not owed twice
            elif step == "adjust" and limit is not None and expected + amount < -limit:
                with pytest.raises(OverdraftExceeded):
                    services.adjust(contract, by=admin, reason="Correction", units=amount, at=when)
            elif step == "adjust":
                services.adjust(contract, by=admin, reason="Correction", units=amount, at=when)
                expected += amount
            else:
                charged = rating.round_minutes(amount, increment=rounding) if billable else 0
                if limit is not None and charged and expected - charged < -limit:
                    with pytest.raises(OverdraftExceeded):
                        services.log_work(
                            ticket, agent=sam, minutes=amount, is_billable=billable, at=when
                        )
                else:
                    log = services.log_work(
                        ticket, agent=sam, minutes=amount, is_billable=billable, at=when
                    )
                    expected -= charged
                    parts = LedgerEntry.objects.filter(work_log=log)
                    assert -sum(p.units for p in parts) == charged  # no minute lost or made
                    assert all(p.units <= 0 for p in parts)
            b = ledger.balance(contract)
            assert b.units == expected
            if limit is not None:
                assert b.units >= -limit
            by_kind = dict(
                LedgerEntry.objects.filter(contract=contract)
                .values_list("kind")
                .annotate(total=Sum("units"))
                .values_list("kind", "total")
            )
            assert b.units == (
                by_kind.get(Kind.BLOCK_PURCHASED, 0)
                + by_kind.get(Kind.WORK_RATED, 0)
                + by_kind.get(Kind.ADJUSTMENT, 0)
            )
            assert b.purchased - b.used == by_kind.get(Kind.BLOCK_PURCHASED, 0) + by_kind.get(
                Kind.WORK_RATED, 0
            )
            for block in ledger.blocks_left(contract):
                assert block.left >= 0  # no block ever gives more than it holds

    in_savepoint(run)


@BOUNDED
@given(
    logs=st.lists(st.integers(1, 900), min_size=1, max_size=12),
    cap=st.integers(1, 3000),
    rounding=st.sampled_from([1, 10, 30]),
    minimum=st.sampled_from([0, 15]),
)
def test_cap_splits_lose_or_invent_no_minute(
    make_contract: MakeContract,
    open_for: OpenTicket,
    initech: Organization,
    alice: User,
    sam: User,
    logs: list[int],
    cap: int,
    rounding: int,
    minimum: int,
) -> None:
    def run() -> None:
        contract = make_contract(
            initech,
            "capped",
            unit="hours",
            cap_units=cap,
            rounding_minutes=rounding,
            minimum_minutes=minimum,
            overage_rate=Decimal("120.00"),
        )
        ticket = open_for(alice)
        for n, minutes in enumerate(logs):
            services.log_work(ticket, agent=sam, minutes=minutes, at=at("2026-03-02", 10, n))
        rounded = [rating.round_minutes(m, increment=rounding, minimum=minimum) for m in logs]
        entries = LedgerEntry.objects.filter(contract=contract, kind=Kind.WORK_RATED)
        covered = -sum(e.units for e in entries if e.part == Part.COVERED)
        overage = -sum(e.units for e in entries if e.part == Part.OVERAGE)
        assert covered + overage == sum(rounded)
        assert covered == min(cap, sum(rounded))
        assert sum(e.charge_minor for e in entries if e.part == Part.COVERED) == 0
        for log in WorkLog.objects.filter(contract=contract):
            parts = entries.filter(work_log=log)
            assert 1 <= parts.count() <= 2
            assert -sum(p.units for p in parts) == rating.round_minutes(
                log.minutes, increment=rounding, minimum=minimum
            )

    in_savepoint(run)


ticket_steps = st.lists(
    st.tuples(
        st.sampled_from(["log", "resolve", "reopen", "reply", "close"]),
        st.integers(0, 2),
        st.integers(1, 300),
    ),
    min_size=1,
    max_size=16,
)


@BOUNDED
@given(steps=ticket_steps, kind=st.sampled_from(["per_incident", "capped", "bank"]))
def test_an_incident_is_never_consumed_twice(
    make_contract: MakeContract,
    open_for: OpenTicket,
    initech: Organization,
    alice: User,
    sam: User,
    admin: User,
    steps: list[tuple[str, int, int]],
    kind: str,
) -> None:
    def run() -> None:
        extra: dict[str, object] = {"incident_rate": Decimal("80.00")}
        if kind != "per_incident":
            extra = {"unit": "incidents", "overage_rate": Decimal("200.00")}
        if kind == "capped":
            extra["cap_units"] = 2
        contract = make_contract(initech, kind, **extra)
        if kind == "bank":
            services.top_up_bank(contract, units=3, by=admin, price_minor=0, at=at("2026-03-01"))
        three = [open_for(alice) for _ in range(3)]
        consumed_at_first_resolution: dict[int, int] = {}
        for n, (step, which, minutes) in enumerate(steps):
            ticket = three[which]
            ticket.refresh_from_db()
            when = at("2026-03-02", 10, n)
            status = ticket.status
            if status == Ticket.Status.CLOSED:
                continue
            if step == "log":
                services.log_work(ticket, agent=sam, minutes=minutes, at=when)
            elif step == "resolve" and status != Ticket.Status.RESOLVED:
                tickets.change_status(ticket, to=Ticket.Status.RESOLVED, by=sam, at=when)
            elif step == "close":
                tickets.change_status(ticket, to=Ticket.Status.CLOSED, by=sam, at=when)
            elif step == "reopen" and status == Ticket.Status.RESOLVED:
                tickets.change_status(ticket, to=Ticket.Status.OPEN, by=sam, at=when)
            elif step == "reply":
                tickets.post_reply(ticket, author=alice, body="Any news?", at=when)
            if ticket.pk not in consumed_at_first_resolution:
                found = LedgerEntry.objects.filter(ticket=ticket, kind=Kind.INCIDENT_CONSUMED)
                if found.exists():
                    consumed_at_first_resolution[ticket.pk] = -sum(e.units for e in found)
        for ticket in three:
            entries = LedgerEntry.objects.filter(ticket=ticket, kind=Kind.INCIDENT_CONSUMED)
            total = -sum(e.units for e in entries)
            if ticket.pk in consumed_at_first_resolution:
                assert total == consumed_at_first_resolution[ticket.pk] >= 1
                parts = list(entries.values_list("part", "block_id"))
                assert len(parts) == len(set(parts))  # one row per part and block
            else:
                assert total == 0

    in_savepoint(run)
