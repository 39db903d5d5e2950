"""Fixtures for the billing tests: people, organizations in several currencies and zones,
and helpers to put rows on the ledger through the contracts' own services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from deskpact.accounts.models import Organization, User
from deskpact.contracts import services as contracts
from deskpact.contracts.models import Contract, Price
from deskpact.testing.factories import OrganizationFactory, UserFactory
from deskpact.tickets import services as tickets
from deskpact.tickets.models import Ticket

MakeContract = Callable[..., Contract]
OpenTicket = Callable[..., Ticket]


def at(day: str, hour: int = 9, minute: int = 0) -> datetime:
    """An aware UTC time on an ISO day."""
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), UTC).replace(
        hour=hour, minute=minute
    )


@pytest.fixture
def admin(db: None) -> User:
    return UserFactory.create(email="ada@desk.example", name="Ada Admin", role=User.Role.ADMIN)


@pytest.fixture
def sam(db: None) -> User:
    return UserFactory.create(email="sam@desk.example", name="Sam Agent", role=User.Role.AGENT)


@pytest.fixture
def kim(db: None) -> User:
    return UserFactory.create(email="kim@desk.example", name="Kim Agent", role=User.Role.AGENT)


@pytest.fixture
def initech(db: None) -> Organization:
    """EUR, Europe/Berlin, 19 % tax."""
    return OrganizationFactory.create(
        name="Initech", currency="EUR", time_zone="Europe/Berlin", tax_rate=Decimal("19")
    )


@pytest.fixture
def alice(initech: Organization) -> User:
    return UserFactory.create(email="alice@initech.example", name="Alice", organization=initech)


@pytest.fixture
def make_contract(admin: User) -> MakeContract:
    """A contract for 2026 unless told otherwise, created on 15 December 2025."""

    def make(organization: Organization, kind: str, **fields: Any) -> Contract:
        fields.setdefault("name", f"{organization.name} {kind}")
        fields.setdefault("starts_on", date(2026, 1, 1))
        fields.setdefault("ends_on", date(2026, 12, 31))
        return contracts.create_contract(
            organization, by=admin, kind=kind, at=at("2025-12-15"), **fields
        )

    return make


@pytest.fixture
def open_for() -> OpenTicket:
    """A ticket opened by its requester through the desk's own door."""

    def make(requester: User, *, when: datetime, channel: str = "web") -> Ticket:
        return tickets.open_ticket(
            requester=requester,
            submitter=requester,
            subject="The export stops halfway",
            body="It stops at 50%.",
            channel=channel,
            at=when,
        )

    return make


@pytest.fixture
def price(admin: User) -> Callable[[str, str, str, str], Price]:
    def add(item: str, currency: str, amount: str, effective_from: str) -> Price:
        return contracts.add_price(
            item=item,
            currency=currency,
            amount=Decimal(amount),
            effective_from=date.fromisoformat(effective_from),
            by=admin,
        )

    return add
