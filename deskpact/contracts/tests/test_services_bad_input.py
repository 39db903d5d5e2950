"""Bad input is refused with an error naming the field, and nothing is written."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from deskpact.accounts.models import Organization, User
from deskpact.contracts import services
from deskpact.contracts.errors import PriceGap
from deskpact.contracts.models import Contract, Price
from deskpact.contracts.tests.conftest import MakeContract, OpenTicket
from deskpact.contracts.tests.support import at, counts
from deskpact.tickets import services as tickets
from deskpact.tickets.models import Ticket

pytestmark = pytest.mark.django_db


@contextmanager
def refused(field: str, error: type[Exception] = ValidationError) -> Iterator[None]:
    """Expect `error` naming `field`, and no row written."""
    before = counts()
    with pytest.raises(error) as caught:
        yield
    exc: Any = caught.value
    if isinstance(exc, ValidationError):
        assert field in exc.message_dict, exc.message_dict
    else:
        assert exc.field == field
    assert counts() == before


@pytest.mark.parametrize("minutes", [0, -15, 1441, 2.5, True])
def test_minutes_must_be_a_positive_whole_number(
    make_contract: MakeContract,
    open_for: OpenTicket,
    initech: Organization,
    alice: User,
    sam: User,
    minutes: Any,
) -> None:
    make_contract(initech, "payg", hourly_rate=Decimal("90"))
    ticket = open_for(alice)
    with refused("minutes"):
        services.log_work(ticket, agent=sam, minutes=minutes, at=at("2026-03-02", 12))
    with refused("minutes"):
        services.log_call(
            ticket, agents=[sam], minutes=minutes, started_at=at("2026-03-02", 10), by=sam
        )


def test_a_log_outside_the_term_of_an_ended_contract_is_refused(
    make_contract: MakeContract,
    open_for: OpenTicket,
    initech: Organization,
    alice: User,
    sam: User,
    admin: User,
) -> None:
    contract = make_contract(initech, "payg", hourly_rate=Decimal("90"))
    ticket = open_for(alice)
    tickets.change_status(ticket, to=Ticket.Status.CLOSED, by=sam, at=at("2026-03-03"))
    services.end_contract(contract, on=date(2026, 3, 31), by=admin)
    with refused("started_at"):
        services.log_work(ticket, agent=sam, minutes=30, at=at("2026-04-01", 12))
    # Work done within the term is still rated after the contract ended.
    services.log_work(
        ticket, agent=sam, minutes=30, started_at=at("2026-03-31", 9), at=at("2026-04-01", 12)
    )


def test_a_term_that_ends_before_it_starts_is_refused(
    make_contract: MakeContract, initech: Organization
) -> None:
    with refused("ends_on"):
        make_contract(initech, "agreement", starts_on=date(2026, 5, 1), ends_on=date(2026, 4, 30))


def test_overlapping_contracts_of_the_same_kind_are_refused(
    make_contract: MakeContract, initech: Organization, nakamura: Organization
) -> None:
    make_contract(initech, "agreement")
    with refused("starts_on"):
        make_contract(initech, "agreement", starts_on=date(2026, 12, 31), ends_on=None)
    make_contract(initech, "agreement", starts_on=date(2027, 1, 1), ends_on=None)
    make_contract(initech, "payg")  # another kind may run alongside
    make_contract(nakamura, "agreement")  # and another organization
    assert Contract.objects.count() == 4


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "capped", "unit": "hours"}, "cap_units"),
        ({"kind": "bank"}, "unit"),
        ({"kind": "payg", "channels": ["fax"]}, "channels"),
        ({"kind": "payg", "channels": []}, "channels"),
        ({"kind": "payg", "hourly_rate": Decimal("-1")}, "hourly_rate"),
        ({"kind": "payg", "fee_minor": -100}, "fee_minor"),
        ({"kind": "payg", "rounding_minutes": 0}, "rounding_minutes"),
        ({"kind": "payg", "exhaustion": "maybe"}, "exhaustion"),
        ({"kind": "teleport"}, "kind"),
    ],
)
def test_contract_fields_are_checked(
    initech: Organization, admin: User, fields: dict[str, Any], field: str
) -> None:
    kind = fields.pop("kind")
    with refused(field):
        services.create_contract(
            initech, by=admin, name="Bad", kind=kind, starts_on=date(2026, 1, 1), **fields
        )


def test_more_named_contacts_than_allowed_are_refused(
    initech: Organization, admin: User, alice: User, bob: User, yui: User
) -> None:
    with refused("authorized_contacts"):
        services.create_contract(
            initech,
            by=admin,
            name="Named",
            kind="agreement",
            starts_on=date(2026, 1, 1),
            contacts_policy="named",
            max_named_contacts=1,
            authorized_contacts=[alice, bob],
        )
    with refused("authorized_contacts"):
        services.create_contract(
            initech,
            by=admin,
            name="Named",
            kind="agreement",
            starts_on=date(2026, 1, 1),
            contacts_policy="named",
            authorized_contacts=[yui],
        )


def test_a_top_up_in_another_currency_is_refused(
    make_contract: MakeContract, initech: Organization, admin: User
) -> None:
    contract = make_contract(initech, "bank", unit="hours")
    with refused("currency"):
        services.top_up_bank(
            contract, units=600, by=admin, price_minor=50_000, currency="USD", at=at("2026-02-01")
        )
    with refused("units"):
        services.top_up_bank(contract, units=0, by=admin, price_minor=0, at=at("2026-02-01"))
    with refused("expires_on"):
        services.top_up_bank(
            contract,
            units=60,
            by=admin,
            price_minor=0,
            expires_on=date(2026, 1, 31),
            at=at("2026-02-01"),
        )
    services.top_up_bank(
        contract, units=600, by=admin, price_minor=50_000, currency="EUR", at=at("2026-02-01")
    )


def test_a_price_book_gap_for_the_work_day_is_refused(
    make_contract: MakeContract,
    open_for: OpenTicket,
    initech: Organization,
    alice: User,
    sam: User,
    price: Callable[..., Price],
) -> None:
    price("hour", "EUR", "90.00", "2026-04-01")
    price("hour", "USD", "95.00", "2026-01-01")  # another currency does not fill the gap
    make_contract(initech, "payg")
    ticket = open_for(alice)
    with refused("started_at", PriceGap):
        services.log_work(ticket, agent=sam, minutes=30, at=at("2026-03-31", 12))
    services.log_work(ticket, agent=sam, minutes=30, at=at("2026-04-01", 12))


def test_a_price_gap_at_resolution_refuses_the_resolution(
    make_contract: MakeContract, open_for: OpenTicket, initech: Organization, alice: User, sam: User
) -> None:
    make_contract(initech, "per_incident")
    ticket = open_for(alice)
    with refused("resolved_at", PriceGap):
        tickets.change_status(ticket, to=Ticket.Status.RESOLVED, by=sam, at=at("2026-03-02"))
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.NEW


def test_a_deposit_and_adjustments_need_sound_amounts(
    make_contract: MakeContract, initech: Organization, admin: User
) -> None:
    contract = make_contract(initech, "per_minute", channels=["phone"])
    with refused("amount_minor"):
        services.pay_deposit(contract, amount_minor=-1, by=admin)
    with refused("currency"):
        services.pay_deposit(contract, amount_minor=100, currency="JPY", by=admin)
    with refused("reason"):
        services.adjust(contract, by=admin, reason="  ", units=5)
    with refused("units"):
        services.adjust(contract, by=admin, reason="Nothing", units=0)
