"""/api/v1/contracts/advice/ and /api/v1/entitlements/check/: figures, roles, bad input."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from deskpact.accounts.models import Organization, User
from deskpact.api.tests.support import assert_field_refused, assert_problem
from deskpact.contracts import services
from deskpact.contracts.models import Contract
from deskpact.tickets import services as tickets

ApiAs = Callable[[User], APIClient]
ADVICE = "/api/v1/contracts/advice/"
CHECK = "/api/v1/entitlements/check/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def worked_year(acme: Organization, customer: User, agent: User, admin_user: User) -> None:
    """Acme's year: 475 billable minutes on three tickets, two of them resolved."""
    now = timezone.now()
    long_ago = timezone.localdate() - timedelta(days=800)
    for item, amount in [
        ("hour", "90"),
        ("overage_hour", "120"),
        ("incident", "150"),
        ("block_hour", "80"),
        ("block_incident", "130"),
    ]:
        services.add_price(
            item=item,
            currency="EUR",
            amount=Decimal(amount),
            effective_from=long_ago,
            by=admin_user,
        )

    def ticket(channel: str, days: int) -> Any:
        return tickets.open_ticket(
            requester=customer,
            submitter=customer,
            subject="Reports time out",
            body="Since Monday.",
            channel=channel,
            at=now - timedelta(days=days),
        )

    first = ticket("web", 31)
    services.log_work(first, agent=agent, minutes=300, started_at=now - timedelta(days=30))
    services.log_work(first, agent=agent, minutes=75, started_at=now - timedelta(days=29))
    tickets.change_status(first, to="resolved", by=agent, at=now - timedelta(days=28))
    second = ticket("email", 21)
    services.log_work(second, agent=agent, minutes=90, started_at=now - timedelta(days=20))
    services.log_work(
        second, agent=agent, minutes=30, started_at=now - timedelta(days=19), is_billable=False
    )
    tickets.change_status(second, to="resolved", by=agent, at=now - timedelta(days=18))
    call = ticket("phone", 11)
    services.log_call(
        call, agents=[agent], minutes=10, started_at=now - timedelta(days=10), by=agent
    )


def _options(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {o["key"]: o for o in body["options"]}


def test_an_agent_gets_each_kinds_cost_for_the_year(
    api_as: ApiAs, agent: User, acme: Organization, worked_year: None
) -> None:
    response = api_as(agent).get(ADVICE, {"organization": acme.pk})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["currency"] == "EUR" and body["organization"] == acme.pk
    assert body["work"] == {
        "billable_minutes": 475,
        "unbillable_minutes": 30,
        "phone_minutes": 10,
        "logs": 5,
        "calls": 1,
        "resolved_tickets": 2,
    }
    options = _options(body)
    costs = {k: (o["cost_minor"], o["cost"]) for k, o in options.items()}
    assert costs == {
        "agreement": (None, None),  # no fee given
        "capped": (0, "0.00 EUR"),  # 7.9 h under the 100 h cap, fee 0 assumed
        "bank_hours": (80_000, "800.00 EUR"),  # one block of 10 h at 80.00
        "bank_incidents": (130_000, "1300.00 EUR"),  # 4 + 1 incidents: one block of 10
        "per_incident": (75_000, "750.00 EUR"),  # 375 min = 4 incidents, 90 min = 1
        "payg": (71_250, "712.50 EUR"),  # 450.00 + 112.50 + 135.00 + 15.00
        "per_minute": (None, None),  # the price book has no minute price
    }
    assert options["agreement"]["missing"] == ["fee"]
    assert options["per_minute"]["missing"] == ["minute"]
    assert options["per_minute"]["priced"] is False
    assert options["capped"]["fee_assumed"] is True
    assert options["capped"]["assumes"][0].startswith("Term fee 0.00 EUR assumed")
    assert body["cheapest"] == "capped"
    assert [k for k, o in options.items() if o["is_cheapest"]] == ["capped"]
    assert body["prices"]["hour"] == "90.0000"
    assert (body["starts_on"], body["ends_on"]) == (
        (
            timezone.localdate().replace(year=timezone.localdate().year - 1) + timedelta(days=1)
        ).isoformat(),
        timezone.localdate().isoformat(),
    )


def test_block_size_cap_and_fees_change_the_answer(
    api_as: ApiAs, admin_user: User, acme: Organization, worked_year: None
) -> None:
    query = {
        "organization": acme.pk,
        "block_hours": 8,
        "cap_hours": 5,
        "fee_minor": 30_000,
        "agreement_fee_minor": 100_000,
    }
    body = api_as(admin_user).get(ADVICE, query).json()
    options = _options(body)
    assert options["agreement"]["cost_minor"] == 100_000
    # 300 minutes covered, then 75, 90 and 10 minutes at 120.00: 150 + 180 + 20, plus 300.00.
    assert options["capped"]["cost_minor"] == 65_000
    assert options["capped"]["details"]["overage_minutes"] == 175
    assert options["capped"]["fee_assumed"] is False
    assert options["bank_hours"]["cost_minor"] == 64_000  # 475 min fit one block of 8 h
    assert body["cheapest"] == "bank_hours"


def test_the_advice_reads_the_same_few_queries_however_much_work_there_was(
    api_as: ApiAs, agent: User, customer: User, acme: Organization, worked_year: None
) -> None:
    client = api_as(agent)
    with CaptureQueriesContext(connection) as before:
        assert client.get(ADVICE, {"organization": acme.pk}).status_code == 200
    now = timezone.now()
    for n in range(5):
        ticket = tickets.open_ticket(
            requester=customer,
            submitter=customer,
            subject=f"Sync fails ({n})",
            body="Again.",
            channel="email",
            at=now - timedelta(days=3),
        )
        services.log_work(ticket, agent=agent, minutes=20, started_at=now - timedelta(days=2))
        tickets.change_status(ticket, to="resolved", by=agent, at=now - timedelta(days=1))
    with CaptureQueriesContext(connection) as after:
        body = client.get(ADVICE, {"organization": acme.pk}).json()
    assert body["work"]["resolved_tickets"] == 7
    # The organization, its work logs, its resolved tickets and the price book.
    assert len(before) == len(after) == 4


def test_customers_may_not_ask_for_advice(
    api_as: ApiAs, customer: User, acme: Organization
) -> None:
    assert_problem(
        api_as(customer).get(ADVICE, {"organization": acme.pk}), 403, "permission_denied"
    )
    assert_problem(APIClient().get(ADVICE, {"organization": acme.pk}), 401, "not_authenticated")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({}, "organization"),
        ({"organization": "acme"}, "organization"),
        ({"organization": 999_999}, "organization"),
        ({"block_hours": 0}, "block_hours"),
        ({"cap_hours": "lots"}, "cap_hours"),
        ({"fee_minor": -1}, "fee_minor"),
        ({"agreement_fee_minor": "12.50"}, "agreement_fee_minor"),
    ],
)
def test_bad_advice_queries_name_the_field(
    api_as: ApiAs, agent: User, acme: Organization, query: dict[str, Any], field: str
) -> None:
    params = {"organization": acme.pk, **query} if field != "organization" else query
    assert_field_refused(api_as(agent).get(ADVICE, params), field)


# --- Entitlement check for updates ---------------------------------------------------------


@pytest.fixture
def agreement(acme: Organization, admin_user: User) -> Contract:
    return services.create_contract(
        acme,
        by=admin_user,
        name="Acme agreement",
        kind="agreement",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        covered_modules=["Billing", "Inventory"],
        fee_minor=1_200_000,
    )


def test_an_agreement_covering_the_module_answers_with_the_contract(
    api_as: ApiAs, agent: User, acme: Organization, agreement: Contract
) -> None:
    query = {"organization": str(acme.pk), "module": "BILLING", "on": "2026-12-31"}
    response = api_as(agent).get(CHECK, query)
    assert response.status_code == 200, response.content
    assert response.json() == {
        "organization": acme.pk,
        "module": "BILLING",
        "on": "2026-12-31",
        "covered": True,
        "code": "covered",
        "reason": "Acme agreement (2026-01-01 to 2026-12-31) covers updates for Billing.",
        "contract": {
            "id": agreement.pk,
            "name": "Acme agreement",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "status": "active",
            "covered_modules": ["Billing", "Inventory"],
        },
    }


@pytest.mark.parametrize(
    ("module", "on", "code"),
    [
        ("Payroll", "2026-04-01", "module_not_covered"),
        ("Billing", "2027-01-01", "outside_term"),
        ("Billing", "2025-12-31", "outside_term"),
    ],
)
def test_not_covered_says_why(
    api_as: ApiAs,
    agent: User,
    acme: Organization,
    agreement: Contract,
    module: str,
    on: str,
    code: str,
) -> None:
    body = (
        api_as(agent).get(CHECK, {"organization": str(acme.pk), "module": module, "on": on}).json()
    )
    assert (body["covered"], body["code"]) == (False, code)
    assert body["reason"] and body["contract"]["id"] == agreement.pk


def test_an_ended_agreement_covers_until_its_last_day(
    api_as: ApiAs, agent: User, admin_user: User, acme: Organization, agreement: Contract
) -> None:
    services.end_contract(agreement, on=date(2026, 6, 30), by=admin_user)
    client = api_as(agent)
    base = {"organization": str(acme.pk), "module": "inventory"}
    assert client.get(CHECK, {**base, "on": "2026-06-30"}).json()["covered"] is True
    after = client.get(CHECK, {**base, "on": "2026-07-01"}).json()
    assert (after["covered"], after["code"]) == (False, "outside_term")


def test_an_organization_without_an_agreement_is_not_covered(
    api_as: ApiAs, agent: User, globex: Organization
) -> None:
    body = api_as(agent).get(CHECK, {"organization": str(globex.pk), "module": "Billing"}).json()
    assert body["covered"] is False and body["code"] == "no_agreement"
    assert body["contract"] is None
    assert body["on"] == timezone.localdate().isoformat()  # today when not given


def test_a_customer_asks_only_about_their_own_organization(
    api_as: ApiAs, customer: User, acme: Organization, globex: Organization, agreement: Contract
) -> None:
    client = api_as(customer)
    own = client.get(CHECK, {"organization": str(acme.pk), "module": "Billing", "on": "2026-03-01"})
    assert own.status_code == 200 and own.json()["covered"] is True
    other = client.get(CHECK, {"organization": str(globex.pk), "module": "Billing"})
    assert_problem(other, 404, "not_found")
    assert_problem(
        client.get(CHECK, {"organization": "999999", "module": "Billing"}), 404, "not_found"
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"module": "Billing"}, "organization"),
        ({"organization": 999_999, "module": "Billing"}, "organization"),
        ({"organization": "x", "module": "Billing"}, "organization"),
        ({"module": "Billing", "on": "31/12/2026"}, "on"),
        ({"module": "Billing", "on": "2026-02-30"}, "on"),
        ({"module": "   "}, "module"),
        ({}, "module"),
    ],
)
def test_bad_checks_name_the_field(
    api_as: ApiAs, agent: User, acme: Organization, query: dict[str, Any], field: str
) -> None:
    params = query if field == "organization" else {"organization": acme.pk, **query}
    assert_field_refused(api_as(agent).get(CHECK, params), field)


def test_both_endpoints_are_in_the_schema_with_examples(db: None) -> None:
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    schema = yaml.safe_load(response.content)
    for path, component in [(ADVICE, "ContractAdviceOut"), (CHECK, "EntitlementCheckOut")]:
        get = schema["paths"][path]["get"]
        content = get["responses"]["200"]["content"]["application/json"]
        assert content["schema"]["$ref"] == f"#/components/schemas/{component}"
        assert content["examples"]
        assert "organization" in {p["name"] for p in get["parameters"]}
    assert {"ContractAdviceOptionOut", "EntitlementCheckContractOut"} <= set(
        schema["components"]["schemas"]
    )
