"""A contract's balance, top-ups and ledger through the API, with hand-computed figures."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from rest_framework.test import APIClient

from deskpact.accounts.models import Organization, User
from deskpact.api.tests.support import assert_field_refused, assert_problem
from deskpact.contracts import services
from deskpact.contracts.models import BankBlock, Contract, LedgerEntry
from deskpact.tickets import services as tickets
from deskpact.tickets.models import Ticket

pytestmark = pytest.mark.django_db

ApiAs = Callable[[User], APIClient]
NOW = datetime(2026, 3, 16, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def url(contract: Contract, path: str = "") -> str:
    return f"/api/v1/contracts/{contract.pk}/{path}"


def open_ticket(customer: User) -> Ticket:
    return tickets.open_ticket(
        requester=customer, submitter=customer, subject="Export fails", body="b", channel="web"
    )


def log(client: APIClient, ticket: Ticket, minutes: int, started_at: datetime) -> Any:
    response = client.post(
        f"/api/v1/tickets/{ticket.key}/worklogs/",
        {"minutes": minutes, "started_at": started_at.isoformat()},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def bank(acme: Organization, admin_user: User) -> Contract:
    """10 h + 10 h, the first block expiring first; logs round up to a quarter hour."""
    contract = services.create_contract(
        acme,
        by=admin_user,
        name="Acme bank",
        kind="bank",
        unit="hours",
        starts_on=date(2026, 1, 1),
        threshold_units=120,
        rounding_minutes=15,
        overage_rate=Decimal("120"),
    )
    return contract


def top_up(client: APIClient, contract: Contract, body: dict[str, Any]) -> Any:
    response = client.post(url(contract, "topups/"), body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_a_bank_balance_after_two_blocks_and_two_logs(
    api_as: ApiAs, admin_user: User, agent: User, customer: User, bank: Contract
) -> None:
    admin = api_as(admin_user)
    later = top_up(admin, bank, {"units": 600, "price_minor": 90000})
    sooner = top_up(admin, bank, {"units": 600, "price_minor": 90000, "expires_on": "2026-06-30"})
    ticket = open_ticket(customer)
    assert ticket.contract_id == bank.pk
    agent_client = api_as(agent)
    log(agent_client, ticket, 50, NOW - timedelta(hours=3))  # rounded up to 60
    log(agent_client, ticket, 20, NOW - timedelta(hours=1))  # rounded up to 30

    balance = api_as(customer).get(url(bank, "balance/"))

    assert balance.status_code == 200, balance.content
    assert balance.json() == {
        "contract": bank.pk,
        "unit": "hours",
        "currency": "EUR",
        "units": 1200 - 90,
        "used": 90,
        "remaining": 1110,
        "purchased": 1200,
        "overage": 0,
        "prepaid_minor": 0,
        "charged_minor": 180000,
        # 90 minutes in the last 90 days is 1 a day: 1110 minutes last 1110 days more.
        "run_out_on": (date(2026, 3, 16) + timedelta(days=1110)).isoformat(),
        "warnings": [],
    }
    topups = api_as(customer).get(url(bank, "topups/")).json()
    assert (topups["units_left"], topups["deposit_left_minor"]) == (1110, None)
    left = {row["id"]: row["left"] for row in topups["topups"]}
    # The block expiring first is drawn first, though it was bought second.
    assert left == {sooner["id"]: 510, later["id"]: 600}
    assert [row["id"] for row in topups["topups"]] == [sooner["id"], later["id"]]


def test_a_bank_block_priced_from_the_price_book(
    api_as: ApiAs, admin_user: User, bank: Contract
) -> None:
    services.add_price(
        item="block_hour",
        currency="EUR",
        amount=Decimal("87.5"),
        effective_from=date(2026, 1, 1),
        by=admin_user,
    )

    block = top_up(api_as(admin_user), bank, {"units": 90, "expires_on": "2026-12-31"})

    # 1.5 hours at 87.50 EUR = 131.25 EUR.
    assert block == {
        "kind": "block",
        "id": block["id"],
        "units": 90,
        "left": 90,
        "amount_minor": 13125,
        "currency": "EUR",
        "at": "2026-03-16T12:00:00Z",
        "expires_on": "2026-12-31",
    }
    assert LedgerEntry.objects.get(block_id=block["id"]).charge_minor == 13125


def test_a_block_without_a_price_in_the_book_is_refused(
    api_as: ApiAs, admin_user: User, bank: Contract
) -> None:
    response = api_as(admin_user).post(url(bank, "topups/"), {"units": 600}, format="json")

    body = assert_problem(response, 400, "price_missing")
    assert "block_hour" in body["detail"]
    assert not BankBlock.objects.exists()


def test_a_top_up_in_another_currency_is_refused(
    api_as: ApiAs, admin_user: User, bank: Contract
) -> None:
    response = api_as(admin_user).post(
        url(bank, "topups/"), {"units": 600, "price_minor": 90000, "currency": "usd"}, format="json"
    )

    errors = assert_field_refused(response, "currency")
    assert "EUR" in errors[0]["message"]
    assert not BankBlock.objects.exists()
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "units"),
        ({"units": 0}, "units"),
        ({"units": -60}, "units"),
        ({"units": 60, "price_minor": -1}, "price_minor"),
        ({"units": 60, "price_minor": 1, "expires_on": "2026-03-01"}, "expires_on"),
        ({"amount_minor": 5000}, "amount_minor"),
    ],
)
def test_bad_bank_top_ups_are_refused_by_name(
    api_as: ApiAs, admin_user: User, bank: Contract, body: dict[str, Any], field: str
) -> None:
    assert_field_refused(api_as(admin_user).post(url(bank, "topups/"), body, format="json"), field)
    assert not BankBlock.objects.exists()


def test_a_bank_past_its_overdraft_limit_refuses_the_log(
    api_as: ApiAs, admin_user: User, agent: User, customer: User, acme: Organization
) -> None:
    contract = services.create_contract(
        acme,
        by=admin_user,
        name="Small bank",
        kind="bank",
        unit="hours",
        starts_on=date(2026, 1, 1),
        overdraft_units=10,
        overage_rate=Decimal("120"),
    )
    top_up(api_as(admin_user), contract, {"units": 60, "price_minor": 9000})
    ticket = open_ticket(customer)

    response = api_as(agent).post(
        f"/api/v1/tickets/{ticket.key}/worklogs/", {"minutes": 90}, format="json"
    )

    body = assert_problem(response, 409, "overdraft_exceeded")
    assert "minutes" in body["errors"]
    assert not ticket.work_logs.exists()
    # Within the limit, the part beyond the bank is overage: 30 min at 120/h = 60.00 EUR.
    log(api_as(agent), ticket, 70, NOW - timedelta(hours=2))
    balance = api_as(agent).get(url(contract, "balance/")).json()
    assert (balance["units"], balance["used"], balance["overage"]) == (-10, 70, 10)
    assert balance["charged_minor"] == 9000 + 2000  # 10 min at 120/h = 20.00 EUR
    assert balance["warnings"] == ["The bank is used up; work is billed as overage."]


def test_a_capped_contract_with_110_hours_used_has_10_hours_of_overage(
    api_as: ApiAs, admin_user: User, agent: User, customer: User, acme: Organization
) -> None:
    contract = services.create_contract(
        acme,
        by=admin_user,
        name="Annual cap",
        kind="capped",
        unit="hours",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        cap_units=100 * 60,
        fee_minor=1_200_000,
        overage_rate=Decimal("110"),
    )
    ticket = open_ticket(customer)
    client = api_as(agent)
    for day in range(5):  # 5 x 22 h = 110 h
        log(client, ticket, 22 * 60, NOW - timedelta(days=10 - day))

    balance = api_as(customer).get(url(contract, "balance/")).json()

    assert (balance["used"], balance["overage"], balance["remaining"]) == (6600, 600, -600)
    # The fee, and 10 hours at 110.00 EUR.
    assert balance["charged_minor"] == 1_200_000 + 110_000
    assert balance["warnings"] == ["The cap is reached: further work is overage."]


def test_a_per_minute_contract_takes_deposits(
    api_as: ApiAs, admin_user: User, customer: User, acme: Organization
) -> None:
    contract = services.create_contract(
        acme,
        by=admin_user,
        name="Hotline",
        kind="per_minute",
        starts_on=date(2026, 1, 1),
        channels=["phone"],
        minute_rate=Decimal("2.5"),
    )
    client = api_as(admin_user)

    deposit = top_up(client, contract, {"amount_minor": 20000, "currency": "EUR"})
    top_up(client, contract, {"amount_minor": 5000})

    assert (deposit["kind"], deposit["amount_minor"], deposit["units"]) == ("deposit", 20000, None)
    topups = api_as(customer).get(url(contract, "topups/")).json()
    assert (topups["deposit_left_minor"], topups["units_left"]) == (25000, None)
    # Paid at the same moment: the later row first.
    assert [row["amount_minor"] for row in topups["topups"]] == [5000, 20000]
    assert api_as(customer).get(url(contract, "balance/")).json()["prepaid_minor"] == 25000
    wrong = client.post(url(contract, "topups/"), {"units": 60}, format="json")
    assert_field_refused(wrong, "units")
    other = client.post(
        url(contract, "topups/"), {"amount_minor": 100, "currency": "CHF"}, format="json"
    )
    assert_field_refused(other, "currency")
    assert LedgerEntry.objects.filter(kind="deposit_paid").count() == 2


def test_only_banks_and_per_minute_contracts_are_topped_up(
    api_as: ApiAs, admin_user: User, acme: Organization
) -> None:
    agreement = services.create_contract(
        acme, by=admin_user, name="Updates", kind="agreement", starts_on=date(2026, 1, 1)
    )

    response = api_as(admin_user).post(url(agreement, "topups/"), {"units": 60}, format="json")

    assert_problem(response, 409, "contract_refused")
    assert not BankBlock.objects.exists()


def test_the_ledger_pages_newest_first_through_every_row(
    api_as: ApiAs, admin_user: User, agent: User, customer: User, bank: Contract
) -> None:
    admin = api_as(admin_user)
    with time_machine.travel(NOW - timedelta(days=5), tick=False):
        top_up(admin, bank, {"units": 600, "price_minor": 90000})
    ticket = open_ticket(customer)
    for hours in (30, 20, 10):
        log(api_as(agent), ticket, 15, NOW - timedelta(hours=hours))
    expected = list(
        LedgerEntry.objects.filter(contract=bank)
        .order_by("-at", "-id")
        .values_list("id", flat=True)
    )
    assert len(expected) == 4

    seen: list[int] = []
    page = api_as(customer).get(url(bank, "ledger/"), {"page_size": 3}).json()
    seen += [row["id"] for row in page["results"]]
    assert page["next"]
    page = api_as(customer).get(page["next"]).json()
    seen += [row["id"] for row in page["results"]]

    assert seen == expected
    assert page["next"] is None
    newest = api_as(customer).get(url(bank, "ledger/")).json()["results"][0]
    assert newest == {
        "id": expected[0],
        "kind": "work_rated",
        "part": "covered",
        "at": (NOW - timedelta(hours=10)).isoformat().replace("+00:00", "Z"),
        "recorded_at": "2026-03-16T12:00:00Z",
        "units": -15,
        "charge_minor": 0,
        "prepaid_minor": 0,
        "currency": "EUR",
        "rate": None,
        "quantity": "0.2500",
        "ticket": ticket.key,
        "work_log": newest["work_log"],
        "block": newest["block"],
        "corrects": None,
        "description": "From the bank",
    }
    oldest = LedgerEntry.objects.get(pk=expected[-1])
    assert (oldest.kind, oldest.units, oldest.charge_minor) == ("block_purchased", 600, 90000)


def test_a_forged_ledger_cursor_is_a_bad_parameter(
    api_as: ApiAs, agent: User, bank: Contract
) -> None:
    client = api_as(agent)
    position = base64.b64encode(b"p=1 OR 1=1").decode()

    assert_field_refused(client.get(url(bank, "ledger/"), {"cursor": position}), "cursor")
    assert_field_refused(client.get(url(bank, "ledger/"), {"cursor": "ü"}), "cursor")
