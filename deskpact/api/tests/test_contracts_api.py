"""/api/v1/contracts/: who sees which contract, creating, ending, renewing, query counts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
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
from deskpact.contracts.models import Contract, LedgerEntry
from deskpact.core.models import AuditEntry
from deskpact.testing.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

ApiAs = Callable[[User], APIClient]
URL = "/api/v1/contracts/"
NOW = datetime(2026, 3, 16, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def make(org: Organization, by: User, **fields: Any) -> Contract:
    fields.setdefault("name", f"{org.name} {fields.get('kind', 'agreement')}")
    fields.setdefault("kind", "agreement")
    fields.setdefault("starts_on", date(2026, 1, 1))
    return services.create_contract(org, by=by, **fields)


@pytest.fixture
def acme_bank(acme: Organization, admin_user: User) -> Contract:
    return make(acme, admin_user, kind="bank", unit="hours", ends_on=date(2026, 12, 31))


@pytest.fixture
def globex_cap(globex: Organization, admin_user: User) -> Contract:
    return make(
        globex, admin_user, kind="capped", unit="hours", cap_units=6000, fee_minor=1_200_000
    )


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


# Who sees what ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin_user", "agent"])
def test_staff_list_every_contract(
    api_as: ApiAs,
    request: pytest.FixtureRequest,
    role: str,
    acme_bank: Contract,
    globex_cap: Contract,
) -> None:
    user = request.getfixturevalue(role)
    assert sorted(ids(api_as(user).get(URL))) == sorted([acme_bank.pk, globex_cap.pk])


def test_a_customer_lists_only_their_organizations_contracts(
    api_as: ApiAs, customer: User, acme_bank: Contract, globex_cap: Contract
) -> None:
    client = api_as(customer)

    assert ids(client.get(URL)) == [acme_bank.pk]
    # Asking for another organization's contracts finds none, rather than refusing.
    assert ids(client.get(URL, {"organization": globex_cap.organization_id})) == []


def test_a_customer_reads_their_contract_but_another_organizations_is_not_found(
    api_as: ApiAs, customer: User, other_customer: User, acme_bank: Contract
) -> None:
    mine = api_as(customer).get(f"{URL}{acme_bank.pk}/")
    assert mine.status_code == 200
    assert mine.json()["kind"] == "bank"

    for path in ("", "balance/", "topups/", "ledger/"):
        response = api_as(other_customer).get(f"{URL}{acme_bank.pk}/{path}")
        assert_problem(response, 404, "not_found")


def test_a_contract_that_does_not_exist_is_not_found_like_a_hidden_one(
    api_as: ApiAs, agent: User
) -> None:
    assert_problem(api_as(agent).get(f"{URL}999999/"), 404, "not_found")
    assert_problem(api_as(agent).get(f"{URL}99999999999999999999/"), 404, "not_found")


def test_signing_in_is_required(acme_bank: Contract) -> None:
    assert_problem(APIClient().get(URL), 401, "not_authenticated")


def test_list_filters_by_organization_kind_and_status(
    api_as: ApiAs,
    agent: User,
    admin_user: User,
    acme: Organization,
    acme_bank: Contract,
    globex_cap: Contract,
) -> None:
    agreement = make(acme, admin_user, kind="agreement")
    services.end_contract(agreement, on=date(2026, 2, 1), by=admin_user)
    client = api_as(agent)

    assert sorted(ids(client.get(URL, {"organization": acme.pk}))) == sorted(
        [acme_bank.pk, agreement.pk]
    )
    assert ids(client.get(URL, {"kind": "capped"})) == [globex_cap.pk]
    assert ids(client.get(URL, {"status": "ended"})) == [agreement.pk]
    assert_field_refused(client.get(URL, {"kind": "lifetime"}), "kind")
    assert_field_refused(client.get(URL, {"organization": "x"}), "organization")


def test_the_contracts_list_costs_the_same_queries_for_2_and_8_contracts(
    api_as: ApiAs, agent: User, admin_user: User
) -> None:
    client = api_as(agent)

    def add(n: int) -> None:
        for _ in range(n):
            org = OrganizationFactory.create()
            contacts = UserFactory.create_batch(2, organization=org)
            make(org, admin_user, contacts_policy="named", authorized_contacts=contacts)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL)
        assert response.status_code == 200
        assert all(len(row["authorized_contacts"]) == 2 for row in response.json()["results"])
        return len(captured)

    add(2)
    few = queries()
    add(6)

    assert queries() == few
    # The page's count, its contracts, and their named contacts' ids.
    assert few == 3


# Creating ---------------------------------------------------------------------------------


def capped_body(org: Organization, **extra: Any) -> dict[str, Any]:
    return {
        "organization": org.pk,
        "name": "Annual support 2026",
        "kind": "capped",
        "unit": "hours",
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
        "fee_minor": 1_200_000,
        "cap_units": 6000,
        "overage_rate": "110.0000",
        "channels": ["web", "email", "phone"],
        **extra,
    }


def test_an_admin_creates_a_capped_contract_with_named_contacts(
    api_as: ApiAs, admin_user: User, agent: User, acme: Organization, customer: User
) -> None:
    body = capped_body(
        acme,
        contacts_policy="named",
        authorized_contacts=[customer.pk],
        account_manager=agent.pk,
    )

    response = api_as(admin_user).post(URL, body, format="json")

    assert response.status_code == 201, response.content
    made = response.json()
    contract = Contract.objects.get(pk=made["id"])
    assert (made["kind"], made["unit"], made["currency"], made["status"]) == (
        "capped",
        "hours",
        "EUR",
        "active",
    )
    assert (made["fee_minor"], made["cap_units"], made["overage_rate"]) == (
        1_200_000,
        6000,
        "110.0000",
    )
    assert made["authorized_contacts"] == [customer.pk]
    assert made["account_manager"] == agent.pk
    assert contract.overage_rate == Decimal("110.0000")
    assert made["hourly_rate"] is None  # from the price book
    # The term fee is due on its first day: one ledger row of 12,000.00 EUR.
    fee = LedgerEntry.objects.get(contract=contract)
    assert (fee.kind, fee.charge_minor, fee.at.date()) == ("fee_due", 1_200_000, date(2026, 1, 1))
    assert AuditEntry.objects.filter(action="contract.created").count() == 1


@pytest.mark.parametrize("role", ["agent", "customer"])
def test_only_admins_create_contracts(
    api_as: ApiAs, request: pytest.FixtureRequest, role: str, acme: Organization
) -> None:
    response = api_as(request.getfixturevalue(role)).post(URL, capped_body(acme), format="json")

    assert_problem(response, 403, "permission_denied")
    assert not Contract.objects.exists()


def test_an_unknown_organization_is_refused_by_name(api_as: ApiAs, admin_user: User) -> None:
    for org_id in (999_999, 2**70):
        body = {**capped_body(OrganizationFactory.build()), "organization": org_id}
        assert_field_refused(api_as(admin_user).post(URL, body, format="json"), "organization")
    assert not Contract.objects.exists()


def test_a_term_ending_before_it_starts_is_refused(
    api_as: ApiAs, admin_user: User, acme: Organization
) -> None:
    body = capped_body(acme, starts_on="2026-06-01", ends_on="2026-05-31")

    errors = assert_field_refused(api_as(admin_user).post(URL, body, format="json"), "ends_on")

    assert "before it starts" in errors[0]["message"]
    assert not Contract.objects.exists()
    assert not LedgerEntry.objects.exists()


def test_an_overlapping_contract_of_the_same_kind_is_refused(
    api_as: ApiAs, admin_user: User, acme: Organization
) -> None:
    client = api_as(admin_user)
    assert client.post(URL, capped_body(acme), format="json").status_code == 201

    overlapping = capped_body(acme, name="Second cap", starts_on="2026-12-01", ends_on=None)
    errors = assert_field_refused(client.post(URL, overlapping, format="json"), "starts_on")

    assert "overlaps Annual support 2026" in errors[0]["message"]
    assert Contract.objects.count() == 1
    assert LedgerEntry.objects.count() == 1  # only the first contract's fee
    # Another kind on the same days is fine.
    agreement = {**capped_body(acme), "kind": "agreement", "name": "Updates"}
    assert client.post(URL, agreement, format="json").status_code == 201


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"cap_units": None}, "cap_units"),
        ({"fee_minor": -1}, "fee_minor"),
        ({"overage_rate": "-5"}, "overage_rate"),
        ({"kind": "lifetime"}, "kind"),
        ({"channels": ["fax"]}, "channels.0"),
        ({"channels": []}, "channels"),
        ({"waiver_causes": ["bad_luck"]}, "waiver_causes.0"),
        ({"authorized_contacts": [999_999]}, "authorized_contacts.0"),
        ({"rounding_minutes": 0}, "rounding_minutes"),
        ({"starts_on": "next week"}, "starts_on"),
    ],
)
def test_bad_contract_fields_are_refused_by_name(
    api_as: ApiAs, admin_user: User, acme: Organization, extra: dict[str, Any], field: str
) -> None:
    response = api_as(admin_user).post(URL, capped_body(acme, **extra), format="json")

    assert_field_refused(response, field)
    assert not Contract.objects.exists()


def test_named_contacts_must_belong_to_the_organization(
    api_as: ApiAs, admin_user: User, acme: Organization, other_customer: User
) -> None:
    body = capped_body(acme, contacts_policy="named", authorized_contacts=[other_customer.pk])

    errors = assert_field_refused(
        api_as(admin_user).post(URL, body, format="json"), "authorized_contacts"
    )

    assert other_customer.email in errors[0]["message"]
    assert not Contract.objects.exists()


# Ending and renewing ------------------------------------------------------------------------


def test_an_admin_ends_a_contract_once(
    api_as: ApiAs, admin_user: User, acme_bank: Contract
) -> None:
    client = api_as(admin_user)
    path = f"{URL}{acme_bank.pk}/end/"

    response = client.post(path, {"ends_on": "2026-06-30"}, format="json")

    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["ends_on"]) == ("ended", "2026-06-30")
    again = client.post(path, {}, format="json")
    body = assert_problem(again, 409, "contract_refused")
    assert "status" in body["errors"]


def test_a_contract_cannot_end_before_it_starts(
    api_as: ApiAs, admin_user: User, acme_bank: Contract
) -> None:
    response = api_as(admin_user).post(
        f"{URL}{acme_bank.pk}/end/", {"ends_on": "2025-12-31"}, format="json"
    )

    assert_field_refused(response, "ends_on")
    acme_bank.refresh_from_db()
    assert acme_bank.status == "active"


def test_ending_without_a_day_ends_today(
    api_as: ApiAs, admin_user: User, acme_bank: Contract
) -> None:
    response = api_as(admin_user).post(f"{URL}{acme_bank.pk}/end/", {}, format="json")

    assert response.json()["ends_on"] == "2026-03-16"


def test_an_admin_renews_a_contract_for_the_next_term(
    api_as: ApiAs, admin_user: User, acme: Organization, customer: User
) -> None:
    contract = make(
        acme,
        admin_user,
        kind="capped",
        unit="hours",
        cap_units=6000,
        fee_minor=1_200_000,
        ends_on=date(2026, 12, 31),
        contacts_policy="named",
        authorized_contacts=[customer],
    )

    response = api_as(admin_user).post(f"{URL}{contract.pk}/renew/", {}, format="json")

    assert response.status_code == 201, response.content
    renewal = response.json()
    assert (renewal["starts_on"], renewal["ends_on"], renewal["renews"]) == (
        "2027-01-01",
        "2027-12-31",
        contract.pk,
    )
    assert (renewal["cap_units"], renewal["fee_minor"]) == (6000, 1_200_000)
    assert renewal["authorized_contacts"] == [customer.pk]


def test_an_open_ended_contract_has_no_term_to_renew(
    api_as: ApiAs, admin_user: User, acme: Organization
) -> None:
    contract = make(acme, admin_user)

    response = api_as(admin_user).post(f"{URL}{contract.pk}/renew/", {}, format="json")

    assert_problem(response, 409, "contract_refused")
    assert Contract.objects.count() == 1


@pytest.mark.parametrize("role", ["agent", "customer"])
@pytest.mark.parametrize("action", ["end", "renew", "topups"])
def test_only_admins_end_renew_and_top_up(
    api_as: ApiAs, request: pytest.FixtureRequest, role: str, action: str, acme_bank: Contract
) -> None:
    response = api_as(request.getfixturevalue(role)).post(
        f"{URL}{acme_bank.pk}/{action}/", {"units": 600}, format="json"
    )

    assert_problem(response, 403, "permission_denied")
    acme_bank.refresh_from_db()
    assert acme_bank.status == "active"
    assert not acme_bank.blocks.exists()
