"""/api/v1/tickets/{key}/worklogs/ and /api/v1/calls/: agents log work, customers see none."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from deskpact.accounts.models import Organization, User
from deskpact.api.tests.support import assert_field_refused, assert_problem
from deskpact.contracts import services
from deskpact.contracts.models import Call, Contract, LedgerEntry, WorkLog
from deskpact.testing.factories import QueueFactory, UserFactory
from deskpact.tickets import services as tickets
from deskpact.tickets.models import Ticket

pytestmark = pytest.mark.django_db

ApiAs = Callable[[User], APIClient]
NOW = datetime(2026, 3, 16, 12, 0, tzinfo=UTC)
CALLS = "/api/v1/calls/"


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def worklogs(ticket: Ticket | str | int) -> str:
    key = ticket.key if isinstance(ticket, Ticket) else ticket
    return f"/api/v1/tickets/{key}/worklogs/"


def open_ticket(customer: User, channel: str = "web") -> Ticket:
    return tickets.open_ticket(
        requester=customer, submitter=customer, subject="Export fails", body="b", channel=channel
    )


@pytest.fixture
def payg(acme: Organization, admin_user: User) -> Contract:
    return services.create_contract(
        acme,
        by=admin_user,
        name="Acme as you go",
        kind="payg",
        starts_on=date(2026, 1, 1),
        hourly_rate=Decimal("96"),
    )


@pytest.fixture
def ticket(payg: Contract, customer: User) -> Ticket:
    made = open_ticket(customer)
    assert made.contract_id == payg.pk
    return made


@pytest.fixture
def colleague(db: None) -> User:
    return UserFactory.create(email="kim@desk.example", name="Kim Agent", role=User.Role.AGENT)


# Work logs -------------------------------------------------------------------------------


def test_an_agent_logs_work_rated_against_the_tickets_contract(
    api_as: ApiAs, agent: User, ticket: Ticket
) -> None:
    body = {
        "minutes": 25,
        "started_at": "2026-03-16T09:00:00Z",
        "channel": "email",
        "note": "Sent a workaround.",
    }

    response = api_as(agent).post(worklogs(ticket), body, format="json")

    assert response.status_code == 201, response.content
    made = response.json()
    assert made == {
        "id": made["id"],
        "ticket": ticket.key,
        "agent": {"id": agent.pk, "email": agent.email, "name": agent.name},
        "contract": ticket.contract_id,
        "call": None,
        "started_at": "2026-03-16T09:00:00Z",
        "minutes": 25,
        "channel": "email",
        "is_billable": True,
        "note": "Sent a workaround.",
        "logged_by": agent.pk,
        "created_at": "2026-03-16T12:00:00Z",
    }
    # 25 minutes at 96.00 EUR an hour = 40.00 EUR.
    row = LedgerEntry.objects.get(work_log_id=made["id"])
    assert (row.kind, row.part, row.units, row.charge_minor) == ("work_rated", "charged", -25, 4000)


def test_an_agent_logs_for_a_colleague_and_the_default_start_is_minutes_ago(
    api_as: ApiAs, agent: User, colleague: User, ticket: Ticket
) -> None:
    response = api_as(agent).post(
        worklogs(ticket.pk), {"minutes": 30, "agent": colleague.pk}, format="json"
    )

    assert response.status_code == 201, response.content
    made = response.json()
    assert (made["agent"]["id"], made["logged_by"]) == (colleague.pk, agent.pk)
    assert made["started_at"] == "2026-03-16T11:30:00Z"
    assert made["channel"] == "web"  # the ticket's


def test_agents_read_every_log_newest_first(
    api_as: ApiAs, agent: User, colleague: User, ticket: Ticket
) -> None:
    first = services.log_work(ticket, agent=agent, minutes=10, started_at=NOW - timedelta(hours=5))
    second = services.log_work(
        ticket, agent=colleague, minutes=20, started_at=NOW - timedelta(hours=1), note="internal"
    )

    response = api_as(agent).get(worklogs(ticket))

    assert response.status_code == 200
    assert [row["id"] for row in response.json()] == [second.pk, first.pk]
    assert response.json()[0]["note"] == "internal"


def test_customers_get_not_found_for_work_logs_even_on_their_own_ticket(
    api_as: ApiAs, customer: User, agent: User, ticket: Ticket
) -> None:
    services.log_work(ticket, agent=agent, minutes=10, note="Customer sounds annoyed.")
    client = api_as(customer)

    assert client.get(f"/api/v1/tickets/{ticket.key}/").status_code == 200
    assert_problem(client.get(worklogs(ticket)), 404, "not_found")
    assert_problem(client.post(worklogs(ticket), {"minutes": 5}, format="json"), 404, "not_found")
    assert WorkLog.objects.count() == 1


def test_a_ticket_outside_the_agents_queues_is_not_found(
    api_as: ApiAs, customer: User, ticket: Ticket
) -> None:
    elsewhere = UserFactory.create(role=User.Role.AGENT)
    elsewhere.queues.add(QueueFactory.create())

    assert_problem(api_as(elsewhere).get(worklogs(ticket)), 404, "ticket_not_found")
    assert_problem(api_as(elsewhere).get(worklogs("DP-999999")), 404, "ticket_not_found")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"minutes": -15}, "minutes"),
        ({"minutes": 0}, "minutes"),
        ({"minutes": 2.5}, "minutes"),
        ({"minutes": 24 * 60 + 1}, "minutes"),
        ({"minutes": 10, "channel": "fax"}, "channel"),
        ({"minutes": 10, "started_at": "2026-03-17T12:00:00Z"}, "started_at"),
        ({"minutes": 10, "started_at": "2025-12-31T12:00:00Z"}, "started_at"),
        ({"minutes": 10, "agent": 999_999}, "agent"),
        ({"minutes": 10, "note": "x" * 5001}, "note"),
    ],
)
def test_bad_work_logs_are_refused_by_name_and_nothing_is_recorded(
    api_as: ApiAs, agent: User, ticket: Ticket, body: dict[str, Any], field: str
) -> None:
    assert_field_refused(api_as(agent).post(worklogs(ticket), body, format="json"), field)
    assert not WorkLog.objects.exists()
    assert not LedgerEntry.objects.filter(kind="work_rated").exists()


def test_work_is_logged_by_agents_only(
    api_as: ApiAs, agent: User, customer: User, ticket: Ticket
) -> None:
    response = api_as(agent).post(
        worklogs(ticket), {"minutes": 10, "agent": customer.pk}, format="json"
    )

    assert_field_refused(response, "agent")
    assert not WorkLog.objects.exists()


def test_a_price_book_gap_refuses_the_log(
    api_as: ApiAs, admin_user: User, agent: User, globex: Organization, other_customer: User
) -> None:
    services.create_contract(
        globex, by=admin_user, name="Globex as you go", kind="payg", starts_on=date(2026, 1, 1)
    )
    services.add_price(
        item="hour",
        currency="EUR",
        amount=Decimal("90"),
        effective_from=date(2026, 3, 1),
        by=admin_user,
    )
    ticket = open_ticket(other_customer)
    client = api_as(agent)

    before = client.post(
        worklogs(ticket), {"minutes": 60, "started_at": "2026-02-27T10:00:00Z"}, format="json"
    )
    body = assert_problem(before, 400, "price_missing")
    assert "started_at" in body["errors"]
    assert "2026-02-27" in body["detail"]
    assert not WorkLog.objects.exists()
    # From 1 March the book has a price: 60 minutes at 90.00 EUR.
    after = client.post(
        worklogs(ticket), {"minutes": 60, "started_at": "2026-03-02T10:00:00Z"}, format="json"
    )
    assert after.status_code == 201, after.content
    assert LedgerEntry.objects.get(work_log_id=after.json()["id"]).charge_minor == 9000


@pytest.fixture
def hotline(acme: Organization, admin_user: User) -> Contract:
    return services.create_contract(
        acme,
        by=admin_user,
        name="Acme hotline",
        kind="per_minute",
        starts_on=date(2026, 1, 1),
        channels=["phone"],
        minute_rate=Decimal("2.5"),
    )


def test_a_per_minute_log_without_a_deposit_is_refused(
    api_as: ApiAs, agent: User, customer: User, hotline: Contract
) -> None:
    ticket = open_ticket(customer, channel="phone")
    assert ticket.contract_id == hotline.pk

    response = api_as(agent).post(worklogs(ticket), {"minutes": 10}, format="json")

    body = assert_problem(response, 409, "deposit_required")
    assert "contract" in body["errors"]
    assert not WorkLog.objects.exists()


# Calls -----------------------------------------------------------------------------------


def test_three_agents_on_a_14_minute_call_make_42_agent_minutes(
    api_as: ApiAs,
    admin_user: User,
    agent: User,
    colleague: User,
    customer: User,
    hotline: Contract,
) -> None:
    services.pay_deposit(hotline, amount_minor=20000, by=admin_user)
    ticket = open_ticket(customer, channel="phone")
    body = {
        "ticket": ticket.key,
        "agents": [agent.pk, colleague.pk, admin_user.pk],
        "minutes": 14,
        "started_at": "2026-03-16T10:00:00Z",
        "note": "Restore walkthrough.",
    }

    response = api_as(agent).post(CALLS, body, format="json")

    assert response.status_code == 201, response.content
    call = response.json()
    assert (call["ticket"], call["minutes"], call["agent_minutes"]) == (ticket.key, 14, 42)
    assert sorted(log["agent"]["id"] for log in call["logs"]) == sorted(
        [agent.pk, colleague.pk, admin_user.pk]
    )
    assert {log["channel"] for log in call["logs"]} == {"phone"}
    # 42 agent-minutes at 2.50 EUR = 105.00 EUR, drawn from the 200.00 EUR deposit.
    balance = api_as(customer).get(f"/api/v1/contracts/{hotline.pk}/balance/").json()
    assert (balance["used"], balance["prepaid_minor"]) == (42, 20000 - 10500)


def test_a_per_minute_call_without_a_deposit_records_nothing(
    api_as: ApiAs, agent: User, colleague: User, customer: User, hotline: Contract
) -> None:
    ticket = open_ticket(customer, channel="phone")
    body = {
        "ticket": ticket.key,
        "agents": [agent.pk, colleague.pk],
        "minutes": 14,
        "started_at": "2026-03-16T10:00:00Z",
    }

    assert_problem(api_as(agent).post(CALLS, body, format="json"), 409, "deposit_required")
    assert not Call.objects.exists()
    assert not WorkLog.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ticket": "DP-999999"}, "ticket"),
        ({"ticket": "printer"}, "ticket"),
        ({"agents": []}, "agents"),
        ({"agents": [999_999]}, "agents.0"),
        ({"minutes": -14}, "minutes"),
        ({"started_at": None}, "started_at"),
    ],
)
def test_bad_calls_are_refused_by_name(
    api_as: ApiAs, agent: User, ticket: Ticket, change: dict[str, Any], field: str
) -> None:
    body = {"ticket": ticket.key, "agents": [agent.pk], "minutes": 14, "started_at": NOW}
    body.update(change)

    assert_field_refused(api_as(agent).post(CALLS, body, format="json"), field)
    assert not Call.objects.exists()


def test_a_customer_on_a_call_is_refused_as_not_an_agent(
    api_as: ApiAs, agent: User, customer: User, ticket: Ticket
) -> None:
    body = {"ticket": ticket.key, "agents": [agent.pk, customer.pk], "minutes": 5}
    body["started_at"] = NOW.isoformat()

    errors = assert_field_refused(api_as(agent).post(CALLS, body, format="json"), "agents")
    assert customer.email in errors[0]["message"]


def test_recent_calls_filter_by_ticket_in_constant_queries(
    api_as: ApiAs, agent: User, colleague: User, customer: User, ticket: Ticket
) -> None:
    other = open_ticket(customer)
    client = api_as(agent)

    def call(on: Ticket, hours: int) -> Call:
        return services.log_call(
            on,
            agents=[agent, colleague],
            minutes=5,
            started_at=NOW - timedelta(hours=hours),
            by=agent,
        )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(CALLS).status_code == 200
        return len(captured)

    older, newer = call(ticket, 5), call(ticket, 2)
    few = queries()
    elsewhere = call(other, 1)
    for hours in range(6, 12):
        call(other, hours)

    assert queries() == few
    listed = client.get(CALLS, {"ticket": ticket.key}).json()["results"]
    assert [row["id"] for row in listed] == [newer.pk, older.pk]
    assert client.get(CALLS, {"ticket": str(other.pk)}).json()["results"][0]["id"] == elsewhere.pk
    assert_field_refused(client.get(CALLS, {"ticket": "printer"}), "ticket")


def test_customers_are_refused_the_calls(api_as: ApiAs, customer: User) -> None:
    assert_problem(api_as(customer).get(CALLS), 403, "permission_denied")
    assert_problem(api_as(customer).post(CALLS, {}, format="json"), 403, "permission_denied")


# The ticket's contract -------------------------------------------------------------------


def test_tickets_show_their_contract_and_entitlement(
    api_as: ApiAs, customer: User, ticket: Ticket, payg: Contract
) -> None:
    body = api_as(customer).get(f"/api/v1/tickets/{ticket.key}/").json()

    assert (body["contract"], body["entitlement"]) == (payg.pk, "entitled")
    listed = api_as(customer).get("/api/v1/tickets/").json()["results"][0]
    assert (listed["contract"], listed["entitlement"]) == (payg.pk, "entitled")


def test_an_agent_moves_a_ticket_to_another_contract(
    api_as: ApiAs, admin_user: User, agent: User, acme: Organization, ticket: Ticket
) -> None:
    agreement = services.create_contract(
        acme, by=admin_user, name="Acme updates", kind="agreement", starts_on=date(2026, 1, 1)
    )
    client = api_as(agent)

    moved = client.patch(
        f"/api/v1/tickets/{ticket.key}/", {"contract": agreement.pk}, format="json"
    )

    assert moved.status_code == 200, moved.content
    assert (moved.json()["contract"], moved.json()["entitlement"]) == (agreement.pk, "entitled")
    none = client.patch(f"/api/v1/tickets/{ticket.key}/", {"contract": None}, format="json")
    assert (none.json()["contract"], none.json()["entitlement"]) == (None, "no_contract")


def test_a_contract_change_and_a_refused_status_change_are_all_or_nothing(
    api_as: ApiAs, admin_user: User, agent: User, acme: Organization, ticket: Ticket
) -> None:
    agreement = services.create_contract(
        acme, by=admin_user, name="Acme updates", kind="agreement", starts_on=date(2026, 1, 1)
    )
    tickets.change_status(ticket, to="closed", by=agent)

    response = api_as(agent).patch(
        f"/api/v1/tickets/{ticket.key}/",
        {"contract": agreement.pk, "status": "new"},
        format="json",
    )

    assert response.status_code == 409, response.content
    ticket.refresh_from_db()
    assert ticket.contract_id != agreement.pk


def test_a_ticket_cannot_move_to_another_organizations_contract(
    api_as: ApiAs, admin_user: User, agent: User, globex: Organization, ticket: Ticket
) -> None:
    theirs = services.create_contract(
        globex, by=admin_user, name="Globex updates", kind="agreement", starts_on=date(2026, 1, 1)
    )
    client = api_as(agent)
    path = f"/api/v1/tickets/{ticket.key}/"

    assert_field_refused(client.patch(path, {"contract": theirs.pk}, format="json"), "contract")
    assert_field_refused(client.patch(path, {"contract": 999_999}, format="json"), "contract")
    ticket.refresh_from_db()
    assert ticket.contract is not None and ticket.contract.organization_id != globex.pk


def test_customers_do_not_change_a_tickets_contract(
    api_as: ApiAs, customer: User, ticket: Ticket
) -> None:
    response = api_as(customer).patch(
        f"/api/v1/tickets/{ticket.key}/", {"contract": None}, format="json"
    )

    assert_problem(response, 403, "not_allowed")
    ticket.refresh_from_db()
    assert ticket.contract_id is not None
