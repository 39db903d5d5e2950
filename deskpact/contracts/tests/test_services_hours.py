"""Work in hours under agreements, caps and pay-as-you-go: hand-computed worked examples."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from deskpact.accounts.models import Organization, User
from deskpact.contracts import ledger, services
from deskpact.contracts.models import LedgerEntry, Price, WorkLog
from deskpact.contracts.tests.conftest import MakeContract, OpenTicket
from deskpact.contracts.tests.support import at, rows

pytestmark = pytest.mark.django_db
Kind, Part = LedgerEntry.Kind, LedgerEntry.Part


# --- agreement ---------------------------------------------------------------------------


def test_agreement_tracks_work_without_charging_and_bills_the_fee(
    make_contract: MakeContract, open_for: OpenTicket, initech: Organization, alice: User, sam: User
) -> None:
    contract = make_contract(initech, "agreement", fee_minor=1_200_000)
    ticket = open_for(alice)
    assert ticket.contract == contract
    services.log_work(ticket, agent=sam, minutes=90, at=at("2026-03-02", 11))
    assert rows(contract) == [
        (Kind.FEE_DUE, Part.CHARGED, 0, 1_200_000, 0),
        (Kind.WORK_RATED, Part.TRACKED, -90, 0, 0),
    ]
    b = ledger.balance(contract)
    assert (b.used, b.charged_minor, b.overage) == (90, 1_200_000, 0)
    entry = LedgerEntry.objects.get(contract=contract, kind=Kind.WORK_RATED)
    assert entry.quantity == Decimal("1.5000") and entry.work_log is not None


def test_agreement_rounds_each_log_to_the_increment_and_minimum(
    make_contract: MakeContract, open_for: OpenTicket, initech: Organization, alice: User, sam: User
) -> None:
    contract = make_contract(initech, "agreement", rounding_minutes=15, minimum_minutes=30)
    ticket = open_for(alice)
    for minutes in (7, 31, 46):  # -> 30 (minimum), 45, 60
        services.log_work(ticket, agent=sam, minutes=minutes, at=at("2026-03-02", 12))
    assert [r[2] for r in rows(contract)] == [-30, -45, -60]
    assert ledger.balance(contract).used == 135
    # The log keeps the minutes worked; the ledger holds the rounded ones.
    assert sorted(WorkLog.objects.values_list("minutes", flat=True)) == [7, 31, 46]


def test_agreement_not_billable_work_is_tracked_with_no_units(
    make_contract: MakeContract, open_for: OpenTicket, initech: Organization, alice: User, sam: User
) -> None:
    contract = make_contract(initech, "agreement")
    ticket = open_for(alice)
    services.log_work(
        ticket, agent=sam, minutes=40, is_billable=False, note="Training", at=at("2026-03-02")
    )
    services.log_work(ticket, agent=sam, minutes=20, at=at("2026-03-02", 10))
    assert rows(contract) == [
        (Kind.WORK_RATED, Part.TRACKED, 0, 0, 0),
        (Kind.WORK_RATED, Part.TRACKED, -20, 0, 0),
    ]
    assert ledger.balance(contract).used == 20


# --- capped in hours ---------------------------------------------------------------------


def test_annual_cap_of_100_hours_with_110_used_bills_10_hours_of_overage(
    make_contract: MakeContract, open_for: OpenTicket, initech: Organization, alice: User, sam: User
) -> None:
    contract = make_contract(
        initech,
        "capped",
        unit="hours",
        cap_units=100 * 60,
        overage_rate=Decimal("120.00"),
        fee_minor=900_000,
    )
    ticket = open_for(alice)
    for day in range(9):  # 9 x 10 h = 90 h
        services.log_work(ticket, agent=sam, minutes=600, at=at(f"2026-04-{day + 1:02d}", 20))
    services.log_work(ticket, agent=sam, minutes=570, at=at("2026-04-10", 20))  # 99.5 h
    crossing = services.log_work(ticket, agent=sam, minutes=90, at=at("2026-04-11", 20))
    services.log_work(ticket, agent=sam, minutes=540, at=at("2026-04-12", 20))  # 110 h
    assert rows(contract, work_log=crossing) == [
        (Kind.WORK_RATED, Part.COVERED, -30, 0, 0),
        (Kind.WORK_RATED, Part.OVERAGE, -60, 12_000, 0),  # 1 h x 120.00
    ]
    b = ledger.balance(contract)
    assert b.used == 110 * 60
    assert b.overage == 10 * 60
    assert b.remaining(contract) == -600
    overage = LedgerEntry.objects.filter(contract=contract, part=Part.OVERAGE)
    assert sum(e.charge_minor for e in overage) == 120_000  # 10 h x 120.00 EUR
    assert sum(e.quantity for e in overage) == Decimal("10.0000")
    assert b.charged_minor == 900_000 + 120_000


def test_cap_overage_takes_the_price_book_price_of_the_work_day(
    make_contract: MakeContract,
    open_for: OpenTicket,
    initech: Organization,
    alice: User,
    sam: User,
    price: Callable[..., Price],
) -> None:
    price("overage_hour", "EUR", "100.00", "2026-01-01")
    price("overage_hour", "EUR", "130.00", "2026-07-01")
    contract = make_contract(initech, "capped", unit="hours", cap_units=60)
    ticket = open_for(alice)
    june = services.log_work(ticket, agent=sam, minutes=90, at=at("2026-06-30", 18))
    july = services.log_work(ticket, agent=sam, minutes=45, at=at("2026-07-01", 18))
    assert rows(contract, work_log=june) == [
        (Kind.WORK_RATED, Part.COVERED, -60, 0, 0),
        (Kind.WORK_RATED, Part.OVERAGE, -30, 5_000, 0),  # 0.5 h x 100.00
    ]
    assert rows(contract, work_log=july) == [
        (Kind.WORK_RATED, Part.OVERAGE, -45, 9_750, 0),  # 0.75 h x 130.00
    ]
    # Work logged late still takes the price of the day it was done.
    late = services.log_work(
        ticket, agent=sam, minutes=6, started_at=at("2026-06-15"), at=at("2026-07-02")
    )
    assert rows(contract, work_log=late) == [(Kind.WORK_RATED, Part.OVERAGE, -6, 1_000, 0)]


def test_cap_rounding_applies_before_the_split(
    make_contract: MakeContract, open_for: OpenTicket, initech: Organization, alice: User, sam: User
) -> None:
    contract = make_contract(
        initech,
        "capped",
        unit="hours",
        cap_units=100,
        rounding_minutes=30,
        overage_rate=Decimal("99.99"),
    )
    ticket = open_for(alice)
    services.log_work(ticket, agent=sam, minutes=61, at=at("2026-05-04"))  # 90: covered
    services.log_work(ticket, agent=sam, minutes=5, at=at("2026-05-04", 10))  # 30: 10 + 20
    assert rows(contract) == [
        (Kind.WORK_RATED, Part.COVERED, -90, 0, 0),
        (Kind.WORK_RATED, Part.COVERED, -10, 0, 0),
        (Kind.WORK_RATED, Part.OVERAGE, -20, 3_333, 0),  # 33.33 (99.99 / 3)
    ]


# --- pay as you go in hours --------------------------------------------------------------


def test_payg_charges_the_hour_price_of_the_work_day(
    make_contract: MakeContract,
    open_for: OpenTicket,
    initech: Organization,
    alice: User,
    sam: User,
    price: Callable[..., Price],
) -> None:
    price("hour", "EUR", "90.00", "2025-01-01")
    price("hour", "EUR", "96.00", "2026-04-01")
    contract = make_contract(initech, "payg", ends_on=None)
    ticket = open_for(alice)
    services.log_work(ticket, agent=sam, minutes=50, at=at("2026-03-31", 20))  # 75.00
    services.log_work(ticket, agent=sam, minutes=50, at=at("2026-04-01", 20))  # 80.00
    services.log_work(ticket, agent=sam, minutes=7, at=at("2026-04-02", 20))  # 11.20
    assert rows(contract) == [
        (Kind.WORK_RATED, Part.CHARGED, -50, 7_500, 0),
        (Kind.WORK_RATED, Part.CHARGED, -50, 8_000, 0),
        (Kind.WORK_RATED, Part.CHARGED, -7, 1_120, 0),
    ]
    assert ledger.balance(contract).charged_minor == 16_620
    assert list(
        LedgerEntry.objects.filter(contract=contract).order_by("id").values_list("rate", flat=True)
    ) == [Decimal("90.00"), Decimal("96.00"), Decimal("96.00")]


def test_payg_own_rate_with_rounding_and_minimum(
    make_contract: MakeContract, open_for: OpenTicket, initech: Organization, alice: User, sam: User
) -> None:
    contract = make_contract(
        initech, "payg", hourly_rate=Decimal("85.50"), rounding_minutes=15, minimum_minutes=30
    )
    ticket = open_for(alice)
    services.log_work(ticket, agent=sam, minutes=10, at=at("2026-03-02", 10))  # 30 min
    services.log_work(ticket, agent=sam, minutes=46, at=at("2026-03-02", 11))  # 60 min
    assert rows(contract) == [
        (Kind.WORK_RATED, Part.CHARGED, -30, 4_275, 0),  # 42.75
        (Kind.WORK_RATED, Part.CHARGED, -60, 8_550, 0),
    ]


def test_payg_in_yen_has_no_decimals(
    make_contract: MakeContract, open_for: OpenTicket, nakamura: Organization, yui: User, sam: User
) -> None:
    contract = make_contract(nakamura, "payg", hourly_rate=Decimal("8000"))
    assert contract.currency == "JPY"
    ticket = open_for(yui)
    services.log_work(ticket, agent=sam, minutes=50, at=at("2026-03-02", 10))  # 6666.67
    services.log_work(ticket, agent=sam, minutes=1, at=at("2026-03-02", 11))  # 133.33
    services.log_work(ticket, agent=sam, minutes=15, at=at("2026-03-02", 12))  # 2000
    assert rows(contract) == [
        (Kind.WORK_RATED, Part.CHARGED, -50, 6_667, 0),
        (Kind.WORK_RATED, Part.CHARGED, -1, 133, 0),
        (Kind.WORK_RATED, Part.CHARGED, -15, 2_000, 0),
    ]
    assert {e.currency for e in LedgerEntry.objects.filter(contract=contract)} == {"JPY"}
