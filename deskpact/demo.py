"""Demo data: a small desk to click through. Safe to load twice: it changes nothing then."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from deskpact.accounts import services
from deskpact.accounts.models import Organization, User
from deskpact.tickets import services as tickets
from deskpact.tickets.models import Queue, Ticket

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
    added += _load_queues()
    if not Ticket.objects.exists():
        added += _load_tickets()
    return added


DEMO_QUEUES: list[dict[str, Any]] = [
    {
        "name": "Support",
        "slug": "support",
        "email_address": "support@deskpact.example",
        "is_default": True,
    },
    {"name": "Billing", "slug": "billing", "email_address": "billing@deskpact.example"},
]


def _load_queues() -> int:
    added = 0
    for spec in DEMO_QUEUES:
        _, created = Queue.objects.get_or_create(slug=spec["slug"], defaults=spec)
        added += created
    return added


def _load_tickets() -> int:
    """A few tickets in different states, so every queue and page has something to show."""
    people = {u.email: u for u in User.objects.all()}
    agent, alice = people["agent@deskpact.example"], people["alice@acme.example"]
    bob = people["bob@globex.example"]
    billing = Queue.objects.get(slug="billing")
    first = tickets.open_ticket(
        requester=alice,
        submitter=alice,
        channel="web",
        subject="Export to CSV fails",
        body="Exporting the March report stops at 80% with an error.",
    )
    tickets.assign_ticket(first, owner=agent, by=agent)
    tickets.post_reply(first, author=agent, body="Thanks Alice, which browser do you use?")
    tickets.post_note(first, author=agent, body="Probably the known timeout in the exporter.")
    tickets.change_status(first, to="pending", by=agent)
    tickets.open_ticket(
        requester=bob,
        submitter=bob,
        channel="email",
        subject="Invoice address is wrong",
        body="Please change our invoice address to 1 Main Street.",
        queue=billing,
    )
    called = tickets.open_ticket(
        requester=alice,
        submitter=agent,
        channel="phone",
        subject="Cannot sign in",
        body="Alice called: password reset mail does not arrive.",
        owner=agent,
        priority=Ticket.Priority.HIGH,
    )
    tickets.post_reply(called, author=agent, body="The reset mail was in spam; all good now.")
    tickets.set_cause(called, cause=Ticket.Cause.CONFIGURATION, by=agent)
    tickets.change_status(called, to="resolved", by=agent)
    return Ticket.objects.count()
