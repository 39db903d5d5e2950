"""Prepaid banks: blocks oldest-expiring first, warnings once per crossing, exhaustion."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail

from deskpact.accounts.models import Organization, User
from deskpact.contracts import ledger, services
from deskpact.contracts.errors import OverdraftExceeded
from deskpact.contracts.models import BalanceWarning, BankBlock, LedgerEntry, Price, WorkLog
from deskpact.contracts.tests.conftest import MakeContract, OpenTicket
from deskpact.contracts.tests.support import at, counts, rows
from deskpact.testing.factories import UserFactory
from deskpact.tickets import services as tickets
from deskpact.tickets.models import Ticket

pytestmark = pytest.mark.django_db
Kind, Part = LedgerEntry.Kind, LedgerEntry.Part


def warning_mails() -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if m.subject.startswith("Low balance")]


def test_bank_of_20_hours_debits_oldest_expiring_first_and_warns_once_per_crossing(
    make_contract: MakeContract,
    open_for: OpenTicket,
    initech: Organization,
    alice: User,
    sam: User,
    admin: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    manager = UserFactory.create(email="max@desk.example", role=User.Role.AGENT)
    contract = make_contract(
        initech, "bank", unit="hours", threshold_units=120, account_manager=manager
    )
    late = services.top_up_bank(
        contract,
        units=600,
        by=admin,
        price_minor=80_000,
        expires_on=date(2026, 12, 31),
        at=at("2026-01-05"),
    )
    soon = services.top_up_bank(
        contract,
        units=600,
        by=admin,
        price_minor=80_000,
        expires_on=date(2026, 6, 30),
        at=at("2026-01-06"),
    )
    assert ledger.balance(contract).units == 1200  # 20 h
    ticket = open_for(alice)
    mail.outbox.clear()

    def log(minutes: int, day: str) -> WorkLog:
        # Warnings are sent once the transaction commits, as they are in production.
        with django_capture_on_commit_callbacks(execute=True):
            return services.log_work(ticket, agent=sam, minutes=minutes, at=at(day, 20))

    first = log(660, "2026-03-02")
    assert list(
        LedgerEntry.objects.filter(work_log=first)
        .order_by("id")
        .values_list("part", "block_id", "units", "charge_minor")
    ) == [(Part.COVERED, soon.pk, -600, 0), (Part.COVERED, late.pk, -60, 0)]
    assert ledger.balance(contract).units == 540
    assert BalanceWarning.objects.count() == 0

    log(420, "2026-03-03")  # to 120: the crossing
    log(30, "2026-03-04")  # to 90
    log(60, "2026-03-05")  # to 30
    warning = BalanceWarning.objects.get()
    assert (warning.measure, warning.balance) == ("units", 120)
    assert warning.armed_by.block == soon  # the last top-up before the crossing
    sent = warning_mails()
    assert len(sent) == 1
    assert sorted(sent[0].to) == ["alice@initech.example", "max@desk.example"]
    assert "2.00 hours left" in sent[0].body
    assert {b.block_id: b.left for b in ledger.blocks_left(contract)} == {soon.pk: 0, late.pk: 30}

    topped = services.top_up_bank(
        contract, units=300, by=admin, price_minor=40_000, at=at("2026-03-06")
    )
    assert ledger.balance(contract).units == 330
    log(200, "2026-03-07")  # to 130
    assert BalanceWarning.objects.count() == 1
    log(15, "2026-03-08")  # to 115: the next crossing
    log(15, "2026-03-09")  # to 100
    assert BalanceWarning.objects.count() == 2
    again = BalanceWarning.objects.order_by("-id").first()
    assert again is not None and again.armed_by.block == topped and again.balance == 115
    assert len(warning_mails()) == 2
    b = ledger.balance(contract)
    assert (b.units, b.purchased, b.used, b.overage) == (100, 1500, 1400, 0)
    assert b.charged_minor == 200_000


def test_block_price_from_the_price_book_and_a_bank_of_incidents_in_yen(
    make_contract: MakeContract,
    open_for: OpenTicket,
    initech: Organization,
    nakamura: Organization,
    yui: User,
    sam: User,
    admin: User,
    price: Callable[..., Price],
) -> None:
    price("block_hour", "EUR", "75.00", "2026-01-01")
    price("block_incident", "JPY", "19990", "2026-01-01")
    price("overage_incident", "JPY", "25000.5", "2026-01-01")
    hours = make_contract(initech, "bank", unit="hours")
    block = services.top_up_bank(hours, units=10 * 60 + 20, by=admin, at=at("2026-02-01"))
    assert block.price_minor == 77_500  # 10 h 20 min x 75.00
    assert rows(hours) == [(Kind.BLOCK_PURCHASED, Part.CHARGED, 620, 77_500, 0)]

    incidents = make_contract(nakamura, "bank", unit="incidents", incident_window_minutes=120)
    soon = services.top_up_bank(
        incidents, units=1, by=admin, expires_on=date(2026, 4, 30), at=at("2026-02-01")
    )
    later = services.top_up_bank(incidents, units=2, by=admin, at=at("2026-02-02"))
    assert (soon.price_minor, later.price_minor) == (19_990, 39_980)  # yen: no decimals
    ticket = open_for(yui)
    assert ticket.contract == incidents
    services.log_work(ticket, agent=sam, minutes=300, at=at("2026-03-02", 20))  # 3 incidents
    tickets.change_status(ticket, to=Ticket.Status.RESOLVED, by=sam, at=at("2026-03-03"))
    assert list(
        LedgerEntry.objects.filter(ticket=ticket, kind=Kind.INCIDENT_CONSUMED)
        .order_by("id")
        .values_list("part", "block_id", "units")
    ) == [(Part.COVERED, soon.pk, -1), (Part.COVERED, later.pk, -2)]
    second = open_for(yui, day="2026-03-04")
    tickets.change_status(second, to=Ticket.Status.RESOLVED, by=sam, at=at("2026-03-05"))
    assert rows(incidents, ticket=second) == [
        (Kind.INCIDENT_CONSUMED, Part.OVERAGE, -1, 25_001, 0)  # 25000.5 yen, half up
    ]
    assert ledger.balance(incidents).units == -1


def test_overage_bank_with_an_overdraft_limit_refuses_a_log_beyond_it(
    make_contract: MakeContract,
    open_for: OpenTicket,
    initech: Organization,
    alice: User,
    sam: User,
    admin: User,
) -> None:
    contract = make_contract(
        initech,
        "bank",
        unit="hours",
        exhaustion="overage",
        overdraft_units=30,
        overage_rate=Decimal("150.00"),
    )
    services.top_up_bank(contract, units=60, by=admin, price_minor=9_000, at=at("2026-02-01"))
    ticket = open_for(alice)
    services.log_work(ticket, agent=sam, minutes=80, at=at("2026-03-02", 12))
    assert rows(contract)[1:] == [
        (Kind.WORK_RATED, Part.COVERED, -60, 0, 0),
        (Kind.WORK_RATED, Part.OVERAGE, -20, 5_000, 0),  # 20 min x 150.00 / h
    ]
    before = counts()
    with pytest.raises(OverdraftExceeded) as refused:
        services.log_work(ticket, agent=sam, minutes=20, at=at("2026-03-02", 13))
    assert refused.value.code == "overdraft_exceeded" and refused.value.field == "minutes"
    assert refused.value.details == {"limit": 30, "room": 10}
    assert counts() == before
    services.log_work(ticket, agent=sam, minutes=20, is_billable=False, at=at("2026-03-02", 14))
    services.log_work(ticket, agent=sam, minutes=10, at=at("2026-03-02", 15))
    assert ledger.balance(contract).units == -30
    assert tickets_state(open_for(alice, day="2026-03-03")) == "exhausted"

    # A top-up clears the overage already billed: the new block starts whole.
    block = services.top_up_bank(
        contract, units=120, by=admin, price_minor=18_000, at=at("2026-03-04")
    )
    assert rows(contract)[-2:] == [
        (Kind.ADJUSTMENT, Part.OVERAGE, 30, 0, 0),
        (Kind.BLOCK_PURCHASED, Part.CHARGED, 120, 18_000, 0),
    ]
    assert ledger.balance(contract).units == 120
    log = services.log_work(ticket, agent=sam, minutes=120, at=at("2026-03-05", 12))
    assert list(LedgerEntry.objects.filter(work_log=log).values_list("part", "block_id")) == [
        (Part.COVERED, block.pk)
    ]
    b = ledger.balance(contract)
    assert (b.units, b.purchased, b.used, b.overage) == (0, 180, 210, 30)
    assert tickets_state(open_for(alice, day="2026-03-06")) == "entitled"  # 30 of room at 0
    assert b.charged_minor == 9_000 + 5_000 + 2_500 + 18_000


def tickets_state(ticket: Ticket) -> str:
    return ticket.entitlement


def test_blocking_bank_flags_new_tickets_exhausted_and_bills_work_still_logged(
    make_contract: MakeContract,
    open_for: OpenTicket,
    initech: Organization,
    alice: User,
    sam: User,
    admin: User,
) -> None:
    contract = make_contract(
        initech, "bank", unit="hours", exhaustion="block", overage_rate=Decimal("150.00")
    )
    assert open_for(alice, day="2026-01-10").entitlement == "exhausted"  # nothing bought yet
    services.top_up_bank(contract, units=60, by=admin, price_minor=9_000, at=at("2026-02-01"))
    ticket = open_for(alice)
    assert (ticket.contract, ticket.entitlement) == (contract, "entitled")
    services.log_work(ticket, agent=sam, minutes=60, at=at("2026-03-02", 12))
    blocked = open_for(alice, day="2026-03-03")
    assert (blocked.contract, blocked.entitlement) == (contract, "exhausted")
    services.log_work(blocked, agent=sam, minutes=30, at=at("2026-03-03", 12))
    assert rows(contract)[-1] == (Kind.WORK_RATED, Part.OVERAGE, -30, 7_500, 0)
    services.top_up_bank(contract, units=600, by=admin, price_minor=90_000, at=at("2026-03-04"))
    assert ledger.balance(contract).units == 600
    assert open_for(alice, day="2026-03-05").entitlement == "entitled"


def test_expire_blocks_writes_off_what_is_left_once(
    make_contract: MakeContract,
    open_for: OpenTicket,
    initech: Organization,
    alice: User,
    sam: User,
    admin: User,
) -> None:
    contract = make_contract(initech, "bank", unit="hours")
    old = services.top_up_bank(
        contract,
        units=300,
        by=admin,
        price_minor=1,
        expires_on=date(2026, 3, 31),
        at=at("2026-01-02"),
    )
    keeps = services.top_up_bank(
        contract,
        units=120,
        by=admin,
        price_minor=1,
        expires_on=date(2026, 12, 31),
        at=at("2026-01-03"),
    )
    ticket = open_for(alice)
    services.log_work(ticket, agent=sam, minutes=200, at=at("2026-03-02", 12))
    assert services.expire_blocks(on=date(2026, 3, 31)) == 0  # usable on its last day
    assert services.expire_blocks(on=date(2026, 4, 1), at=at("2026-04-01", 2)) == 1
    assert rows(contract, kind=Kind.EXPIRY) == [(Kind.EXPIRY, Part.TRACKED, -100, 0, 0)]
    expiry = LedgerEntry.objects.get(kind=Kind.EXPIRY)
    assert expiry.block == old and expiry.quantity == Decimal("1.6667")
    assert services.expire_blocks(on=date(2026, 4, 2)) == 0
    assert services.expire_blocks(on=date(2026, 5, 1)) == 0
    assert LedgerEntry.objects.filter(kind=Kind.EXPIRY).count() == 1
    assert ledger.balance(contract).units == 120
    assert {b.block_id: b.left for b in ledger.blocks_left(contract)} == {old.pk: 0, keeps.pk: 120}
    assert BankBlock.objects.count() == 2


def test_a_block_expired_but_not_yet_written_off_is_not_spent(
    make_contract: MakeContract,
    open_for: OpenTicket,
    initech: Organization,
    alice: User,
    sam: User,
    admin: User,
) -> None:
    contract = make_contract(initech, "bank", unit="hours", overage_rate=Decimal("60.00"))
    services.top_up_bank(
        contract,
        units=60,
        by=admin,
        price_minor=0,
        expires_on=date(2026, 2, 28),
        at=at("2026-01-02"),
    )
    ticket = open_for(alice)
    services.log_work(ticket, agent=sam, minutes=45, at=at("2026-03-02", 12))
    assert rows(contract)[-1] == (Kind.WORK_RATED, Part.OVERAGE, -45, 4_500, 0)
    assert services.expire_blocks(on=date(2026, 3, 2)) == 1
    assert ledger.balance(contract).units == -45


def test_goodwill_credit_is_spent_after_the_blocks(
    make_contract: MakeContract,
    open_for: OpenTicket,
    initech: Organization,
    alice: User,
    sam: User,
    admin: User,
) -> None:
    contract = make_contract(initech, "bank", unit="hours", overage_rate=Decimal("60.00"))
    services.top_up_bank(contract, units=60, by=admin, price_minor=0, at=at("2026-01-02"))
    services.adjust(
        contract, by=admin, reason="Goodwill for the outage", units=30, at=at("2026-02-01")
    )
    ticket = open_for(alice)
    log = services.log_work(ticket, agent=sam, minutes=100, at=at("2026-03-02", 12))
    assert list(
        LedgerEntry.objects.filter(work_log=log)
        .order_by("id")
        .values_list("part", "units", "charge_minor")
    ) == [(Part.COVERED, -60, 0), (Part.COVERED, -30, 0), (Part.OVERAGE, -10, 1_000)]
    assert ledger.balance(contract).units == -10
