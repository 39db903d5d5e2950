"""Demo data: a small desk to click through. Safe to load twice: it changes nothing then."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from deskpact.accounts import services
from deskpact.accounts.models import Organization, User

DEMO_PASSWORD = "harbour-lantern-42"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str


DEMO_ORGANIZATIONS: list[dict[str, Any]] = [
    {
        "name": "Acme Manufacturing",
        "domains": ["acme.example"],
        "currency": "EUR",
        "time_zone": "Europe/Berlin",
        "tax_rate": Decimal("19"),
        "shares_tickets": True,
    },
    {
        "name": "Globex Corporation",
        "domains": ["globex.example"],
        "currency": "USD",
        "time_zone": "America/New_York",
        "tax_rate": Decimal("0"),
        "shares_tickets": False,
    },
]

DEMO_PEOPLE: list[dict[str, Any]] = [
    {"email": "admin@deskpact.example", "name": "Ada Admin", "role": "admin", "org": None},
    {"email": "agent@deskpact.example", "name": "Sam Agent", "role": "agent", "org": None},
    {
        "email": "alice@acme.example",
        "name": "Alice Acme",
        "role": "user",
        "org": "Acme Manufacturing",
    },
    {
        "email": "bob@globex.example",
        "name": "Bob Globex",
        "role": "user",
        "org": "Globex Corporation",
    },
]


def demo_logins() -> list[DemoLogin]:
    return [DemoLogin(p["email"], p["role"]) for p in DEMO_PEOPLE]


@transaction.atomic
def load_demo() -> int:
    """Create what is missing of the demo desk; return how many rows were added."""
    added = 0
    for spec in DEMO_ORGANIZATIONS:
        if not Organization.objects.filter(name__iexact=spec["name"]).exists():
            fields = {k: v for k, v in spec.items() if k != "domains"}
            services.save_organization(Organization(), by=None, domains=spec["domains"], **fields)
            added += 1
    for person in DEMO_PEOPLE:
        if User.objects.filter(email__iexact=person["email"]).exists():
            continue
        org = Organization.objects.get(name=person["org"]) if person["org"] else None
        services.create_user(
            email=person["email"],
            name=person["name"],
            role=person["role"],
            organization=org,
            password=DEMO_PASSWORD,
            by=None,
        )
        added += 1
    return added
