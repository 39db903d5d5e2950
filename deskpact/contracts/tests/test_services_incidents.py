"""Incidents: consumed once at resolution, windows, waivers, caps and the day's price."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from deskpact.accounts.models import Organization, User
from deskpact.contracts import ledger, services
from deskpact.contracts.models import LedgerEntry, Price
from deskpact.contracts.tests.conftest import MakeContract, OpenTicket
from deskpact.contracts.tests.support import at, rows
from deskpact.tickets import services as tickets
from deskpact.tickets.models import Ticket

pytestmark = pytest.mark.django_db
Kind, Part = LedgerEntry.Kind, LedgerEntry.Part
RESOLVED, CLOSED = Ticket.Status.RESOLVED, Ticket.Status.CLOSED


def test_five_hours_under_a_120_minute_window_is_three_incidents(
    make_contract: MakeContract, open_for: OpenTicket, initech: Organization, alice: User, sam: User
) -> None:
    contract = make_contract(initech, "per_incident", incident_rate=Decimal("80.00"))
    ticket = open_for(alice)
    services.log_work(ticket, agent=sam, minutes=180, at=at("2026-03-02", 12))
    services.log_work(ticket, agent=sam, minutes=120, at=at("2026-03-02", 15))
    assert [r[:3] for r in rows(contract)] == [(Kind.WORK_RATED, Part.TRACKED, 0)] * 2
    tickets.change_status(ticket, to=RESOLVED, by=sam, at=at("2026-03-02", 16))
    assert rows(contract, kind=Kind.INCIDENT_CONSUMED) == [
        (Kind.INCIDENT_CONSUMED, Part.CHARGED, -3, 24_000, 0)
    ]
    entry = LedgerEntry.objects.get(kind=Kind.INCIDENT_CONSUMED)
    assert entry.quantity == Decimal(3) and entry.ticket_id == ticket.pk


def test_a_resolved_ticket_without_work_is_one_incident_and_rounding_counts(
    make_contract: MakeContract, open_for: OpenTicket, initech: Organization, alice: User, sam: User
) -> None:
    contract = make_contract(
        initech, "per_incident", incident_rate=Decimal("80.00"), rounding_minutes=30
    )
    quiet = open_for(alice)
    tickets.change_status(quiet, to=RESOLVED, by=sam, at=at("2026-03-02", 16))
    busy = open_for(alice)
    services.log_work(busy, agent=sam, minutes=100, at=at("2026-03-02", 12))  # 120
    services.log_work(busy, agent=sam, minutes=1, at=at("2026-03-02", 13))  # 30 -> 150
    tickets.change_status(busy, to=CLOSED, by=sam, at=at("2026-03-02", 17))
    assert rows(contract, ticket=quiet, kind=Kind.INCIDENT_CONSUMED) == [
        (Kind.INCIDENT_CONSUMED, Part.CHARGED, -1, 8_000, 0)
    ]
    assert rows(contract, ticket=busy, kind=Kind.INCIDENT_CONSUMED) == [
        (Kind.INCIDENT_CONSUMED, Part.CHARGED, -2, 16_000, 0)
    ]


def test_product_defect_is_waived(
    make_contract: MakeContract, open_for: OpenTicket, initech: Organization, alice: User, sam: User
) -> None:
    contract = make_contract(initech, "per_incident", incident_rate=Decimal("80.00"))
    ticket = open_for(alice)
    services.log_work(ticket, agent=sam, minutes=45, at=at("2026-03-02", 12))
    tickets.set_cause(ticket, cause="product_defect", by=sam, at=at("2026-03-02", 13))
    tickets.change_status(ticket, to=RESOLVED, by=sam, at=at("2026-03-02", 14))
    assert rows(contract, kind=Kind.INCIDENT_CONSUMED) == [
        (Kind.INCIDENT_CONSUMED, Part.WAIVED, -1, 0, 0)
    ]
    assert "product defect" in LedgerEntry.objects.get(part=Part.WAIVED).description
    assert ledger.balance(contract).charged_minor == 0


def test_an_incident_is_consumed_once_however_often_the_ticket_is_reopened(
    make_contract: MakeContract, open_for: OpenTicket, initech: Organization, alice: User, sam: User
) -> None:
    contract = make_contract(initech, "per_incident", incident_rate=Decimal("80.00"))
    ticket = open_for(alice)
    services.log_work(ticket, agent=sam, minutes=60, at=at("2026-03-02", 10))
    tickets.change_status(ticket, to=RESOLVED, by=sam, at=at("2026-03-02", 11))
    tickets.post_reply(ticket, author=alice, body="Still broken.", at=at("2026-03-03", 9))
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    services.log_work(ticket, agent=sam, minutes=200, at=at("2026-03-03", 12))
    tickets.change_status(ticket, to=RESOLVED, by=sam, at=at("2026-03-03", 16))
    tickets.change_status(ticket, to=Ticket.Status.OPEN, by=sam, at=at("2026-03-04", 9))
    tickets.change_status(ticket, to=CLOSED, by=sam, at=at("2026-03-04", 10))
    assert rows(contract, kind=Kind.INCIDENT_CONSUMED) == [
        (Kind.INCIDENT_CONSUMED, Part.CHARGED, -1, 8_000, 0)
    ]
    assert services.consume_incident(ticket, at=at("2026-03-05")) == []


def test_incident_price_is_the_one_in_force_on_the_resolution_day(
    make_contract: MakeContract,
    open_for: OpenTicket,
    initech: Organization,
    alice: User,
    sam: User,
    price: Callable[..., Price],
) -> None:
    price("incident", "EUR", "100.00", "2026-01-01")
    price("incident", "EUR", "120.00", "2026-04-01")
    contract = make_contract(initech, "per_incident")
    ticket = open_for(alice)
    services.log_work(ticket, agent=sam, minutes=30, at=at("2026-03-31", 12))
    tickets.change_status(ticket, to=RESOLVED, by=sam, at=at("2026-04-01", 9))
    assert rows(contract, kind=Kind.INCIDENT_CONSUMED) == [
        (Kind.INCIDENT_CONSUMED, Part.CHARGED, -1, 12_000, 0)
    ]


def test_per_incident_in_yen(
    make_contract: MakeContract, open_for: OpenTicket, nakamura: Organization, yui: User, sam: User
) -> None:
    contract = make_contract(nakamura, "per_incident", incident_rate=Decimal("12345.5"))
    ticket = open_for(yui)
    services.log_work(ticket, agent=sam, minutes=241, at=at("2026-03-02", 12))  # 3 windows
    tickets.change_status(ticket, to=RESOLVED, by=sam, at=at("2026-03-02", 18))
    assert rows(contract, kind=Kind.INCIDENT_CONSUMED) == [
        (Kind.INCIDENT_CONSUMED, Part.CHARGED, -3, 37_037, 0)  # 37036.5 -> 37037 yen
    ]


def test_cap_of_two_incidents_splits_the_ticket_that_crosses_it(
    make_contract: MakeContract, open_for: OpenTicket, initech: Organization, alice: User, sam: User
) -> None:
    contract = make_contract(
        initech, "capped", unit="incidents", cap_units=2, overage_rate=Decimal("250.00")
    )
    first = open_for(alice)
    services.log_work(first, agent=sam, minutes=30, at=at("2026-03-02", 10))
    tickets.change_status(first, to=RESOLVED, by=sam, at=at("2026-03-02", 11))
    second = open_for(alice)
    services.log_work(second, agent=sam, minutes=300, at=at("2026-03-02", 12))  # 3 incidents
    tickets.change_status(second, to=RESOLVED, by=sam, at=at("2026-03-02", 18))
    third = open_for(alice)
    tickets.change_status(third, to=RESOLVED, by=sam, at=at("2026-03-03", 9))
    assert rows(contract, kind=Kind.INCIDENT_CONSUMED) == [
        (Kind.INCIDENT_CONSUMED, Part.COVERED, -1, 0, 0),
        (Kind.INCIDENT_CONSUMED, Part.COVERED, -1, 0, 0),
        (Kind.INCIDENT_CONSUMED, Part.OVERAGE, -2, 50_000, 0),
        (Kind.INCIDENT_CONSUMED, Part.OVERAGE, -1, 25_000, 0),
    ]
    b = ledger.balance(contract)
    assert (b.used, b.overage, b.remaining(contract), b.charged_minor) == (5, 3, -3, 75_000)


def test_payg_in_incidents_charges_each_resolved_ticket(
    make_contract: MakeContract, open_for: OpenTicket, initech: Organization, alice: User, sam: User
) -> None:
    contract = make_contract(
        initech,
        "payg",
        unit="incidents",
        incident_rate=Decimal("99.95"),
        incident_window_minutes=60,
    )
    ticket = open_for(alice)
    services.log_work(ticket, agent=sam, minutes=61, at=at("2026-03-02", 10))
    tickets.change_status(ticket, to=RESOLVED, by=sam, at=at("2026-03-02", 12))
    assert rows(contract, kind=Kind.INCIDENT_CONSUMED) == [
        (Kind.INCIDENT_CONSUMED, Part.CHARGED, -2, 19_990, 0)
    ]
