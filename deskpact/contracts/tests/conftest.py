"""Fixtures for the contracts tests: a desk with people, contracts and tickets on fixed days."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from deskpact.accounts.models import Organization, User
from deskpact.contracts import services
from deskpact.contracts.models import Contract, Price
from deskpact.contracts.tests.support import YEAR_END, YEAR_START, at
from deskpact.testing.factories import OrganizationFactory, UserFactory
from deskpact.tickets import services as tickets
from deskpact.tickets.models import Ticket


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
def lee(db: None) -> User:
    return UserFactory.create(email="lee@desk.example", name="Lee Agent", role=User.Role.AGENT)


@pytest.fixture
def initech(db: None) -> Organization:
    return OrganizationFactory.create(name="Initech", currency="EUR")


@pytest.fixture
def alice(initech: Organization) -> User:
    return UserFactory.create(email="alice@initech.example", name="Alice", organization=initech)


@pytest.fixture
def bob(initech: Organization) -> User:
    return UserFactory.create(email="bob@initech.example", name="Bob", organization=initech)


@pytest.fixture
def nakamura(db: None) -> Organization:
    return OrganizationFactory.create(name="Nakamura KK", currency="JPY", time_zone="Asia/Tokyo")


@pytest.fixture
def yui(nakamura: Organization) -> User:
    return UserFactory.create(email="yui@nakamura.example", name="Yui", organization=nakamura)


MakeContract = Callable[..., Contract]
OpenTicket = Callable[..., Ticket]


@pytest.fixture
def make_contract(admin: User) -> MakeContract:
    """A contract for the year 2026 unless told otherwise."""

    def make(organization: Organization, kind: str, **fields: Any) -> Contract:
        fields.setdefault("name", f"{organization.name} {kind}")
        fields.setdefault("starts_on", YEAR_START)
        fields.setdefault("ends_on", YEAR_END)
        return services.create_contract(
            organization, by=admin, kind=kind, at=at("2025-12-15"), **fields
        )

    return make


@pytest.fixture
def open_for() -> OpenTicket:
    """A ticket opened by its requester through the desk's own door."""

    def make(requester: User, *, day: str = "2026-03-02", channel: str = "web") -> Ticket:
        return tickets.open_ticket(
            requester=requester,
            submitter=requester,
            subject="The export stops halfway",
            body="It stops at 50%.",
            channel=channel,
            at=at(day, 8),
        )

    return make


@pytest.fixture
def price(admin: User) -> Callable[[str, str, str, str], Price]:
    def add(item: str, currency: str, amount: str, effective_from: str) -> Price:
        return services.add_price(
            item=item,
            currency=currency,
            amount=Decimal(amount),
            effective_from=date.fromisoformat(effective_from),
            by=admin,
        )

    return add
