"""Demo data: a small desk to click through. Safe to load twice: it changes nothing then."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from deskpact.accounts import services
from deskpact.accounts.models import Organization, User
from deskpact.contracts import services as contracts
from deskpact.contracts.models import Contract, Price
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
    if not Contract.objects.exists() and not Price.objects.exists():
        added += _load_contracts()
    if not Ticket.objects.exists():
        added += _load_tickets()
    return added


# The price book: what contracts without their own rates are charged.
DEMO_PRICES: list[tuple[str, str, str]] = [
    ("hour", "EUR", "110"),
    ("overage_hour", "EUR", "135"),
    ("block_hour", "EUR", "95"),
    ("incident", "EUR", "180"),
    ("overage_incident", "EUR", "210"),
    ("block_incident", "EUR", "160"),
    ("minute", "EUR", "1.20"),
    ("hour", "USD", "120"),
    ("overage_hour", "USD", "150"),
    ("block_hour", "USD", "105"),
    ("incident", "USD", "195"),
    ("minute", "USD", "1.30"),
]


def _load_contracts() -> int:
    """Acme has a bank of hours (two blocks) and a per-minute hotline with a deposit; Globex
    an annual contract capped at 100 hours. Tickets opened afterwards fall under them."""
    admin = User.objects.get(email="admin@deskpact.example")
    manager = User.objects.get(email="agent@deskpact.example")
    acme = Organization.objects.get(name="Acme Manufacturing")
    globex = Organization.objects.get(name="Globex Corporation")
    today = timezone.localdate()
    since = date(today.year, 1, 1) - timedelta(days=365)
    for item, currency, amount in DEMO_PRICES:
        contracts.add_price(
            item=item, currency=currency, amount=Decimal(amount), effective_from=since, by=admin
        )
    bank = contracts.create_contract(
        acme,
        by=admin,
        name="Acme support bank",
        kind=Contract.Kind.BANK,
        unit=Contract.Unit.HOURS,
        starts_on=today - timedelta(days=60),
        ends_on=today + timedelta(days=305),
        channels=["web", "email", "api"],
        threshold_units=5 * 60,
        overdraft_units=10 * 60,
        account_manager=manager,
    )
    contracts.top_up_bank(
        bank, units=20 * 60, by=admin, expires_on=today + timedelta(days=180)
    )  # priced from the price book: 20 x 95.00 EUR
    contracts.top_up_bank(bank, units=10 * 60, price_minor=90000, by=admin)
    hotline = contracts.create_contract(
        acme,
        by=admin,
        name="Acme hotline",
        kind=Contract.Kind.PER_MINUTE,
        starts_on=today - timedelta(days=60),
        channels=["phone"],
        threshold_minor=5000,
        account_manager=manager,
    )
    contracts.pay_deposit(hotline, amount_minor=20000, by=admin)
    contracts.create_contract(
        globex,
        by=admin,
        name="Globex annual support",
        kind=Contract.Kind.CAPPED,
        unit=Contract.Unit.HOURS,
        starts_on=date(today.year, 1, 1),
        ends_on=date(today.year, 12, 31),
        channels=["web", "email", "phone"],
        cap_units=100 * 60,
        fee_minor=1_200_000,
        account_manager=manager,
    )
    return Contract.objects.count() + Price.objects.count()


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
    invoice = tickets.open_ticket(
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
    _log_demo_work(first, invoice, called, agent=agent, admin=people["admin@deskpact.example"])
    tickets.change_status(called, to="resolved", by=agent)
    return Ticket.objects.count()


def _log_demo_work(
    first: Ticket, invoice: Ticket, called: Ticket, *, agent: User, admin: User
) -> None:
    """Work against the demo contracts, so balances and consumption show something real."""
    now = timezone.now()
    if first.contract_id:  # the bank: 12 of its 30 hours used, at about 8 minutes a day
        contracts.log_work(first, agent=agent, minutes=480, started_at=now - timedelta(days=40))
        contracts.log_work(first, agent=agent, minutes=90, started_at=now - timedelta(days=20))
        contracts.log_work(
            first,
            agent=agent,
            minutes=150,
            started_at=now - timedelta(days=6),
            note="Reproduced the export timeout with the March data.",
        )
    if invoice.contract_id:  # the capped contract
        contracts.log_work(invoice, agent=agent, minutes=25, started_at=now - timedelta(days=2))
    if called.contract_id:  # the hotline: two agents for 12 minutes, 24 agent-minutes
        contracts.log_call(
            called,
            agents=[agent, admin],
            minutes=12,
            started_at=now - timedelta(hours=3),
            by=agent,
            note="Walked Alice through the reset.",
        )
