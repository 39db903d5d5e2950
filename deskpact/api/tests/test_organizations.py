"""Organizations: admins manage, agents read, customers see only their own; all or nothing."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from deskpact.accounts.models import Organization, OrganizationDomain, User
from deskpact.api.tests.support import assert_field_refused, assert_problem
from deskpact.core.models import AuditEntry
from deskpact.testing.factories import OrganizationFactory, UserFactory

ApiAs = Callable[[User], APIClient]
URL = "/api/v1/organizations/"

pytestmark = pytest.mark.django_db


def detail_url(organization: Organization) -> str:
    return f"{URL}{organization.pk}/"


def names(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


def state() -> tuple[Any, ...]:
    """Everything a refused write must leave as it was."""
    return (
        sorted(Organization.objects.values_list("name", "currency", "time_zone", "tax_rate")),
        sorted(OrganizationDomain.objects.values_list("organization__name", "domain")),
        AuditEntry.objects.count(),
    )


# Creating -----------------------------------------------------------------------------


def test_admin_creates_an_organization_with_domains_currency_zone_and_tax(
    api_as: ApiAs, admin_user: User
) -> None:
    response = api_as(admin_user).post(
        URL,
        {
            "name": "Initech",
            "domains": ["Initech.example", "@mail.initech.example"],
            "currency": "chf",
            "time_zone": "Europe/Zurich",
            "tax_rate": "8.1",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["domains"] == ["initech.example", "mail.initech.example"]
    assert (body["currency"], body["time_zone"], body["tax_rate"]) == (
        "CHF",
        "Europe/Zurich",
        "8.100",
    )
    stored = Organization.objects.get(pk=body["id"])
    assert (stored.name, stored.currency, stored.tax_rate) == ("Initech", "CHF", Decimal("8.1"))
    assert stored.domain_names == ["initech.example", "mail.initech.example"]


def test_creating_an_organization_is_audited(api_as: ApiAs, admin_user: User) -> None:
    response = api_as(admin_user).post(
        URL, {"name": "Initech", "domains": ["initech.example"]}, format="json"
    )

    entry = AuditEntry.objects.get(action="organization.created")
    assert (entry.actor, entry.object_id) == (admin_user, str(response.json()["id"]))
    assert entry.after is not None
    assert (entry.after["name"], entry.after["domains"]) == ("Initech", ["initech.example"])


def test_agent_cannot_create_an_organization(api_as: ApiAs, agent: User) -> None:
    response = api_as(agent).post(URL, {"name": "Initech"}, format="json")

    assert_problem(response, 403, "permission_denied")
    assert not Organization.objects.exists()


def test_customer_cannot_change_their_own_organization(
    api_as: ApiAs, customer: User, acme: Organization
) -> None:
    response = api_as(customer).patch(detail_url(acme), {"name": "Mine now"}, format="json")

    assert_problem(response, 403, "permission_denied")
    acme.refresh_from_db()
    assert acme.name == "Acme"


# Reading ------------------------------------------------------------------------------


def test_agent_lists_and_reads_every_organization(
    api_as: ApiAs, agent: User, acme: Organization, globex: Organization
) -> None:
    client = api_as(agent)

    assert names(client.get(URL)) == ["Acme", "Globex"]
    response = client.get(detail_url(globex))
    assert response.status_code == 200
    assert response.json()["domains"] == ["globex.example"]


def test_customer_lists_only_their_own_organization(
    api_as: ApiAs, customer: User, globex: Organization
) -> None:
    assert names(api_as(customer).get(URL)) == ["Acme"]


def test_customer_cannot_read_another_organization(
    api_as: ApiAs, customer: User, globex: Organization
) -> None:
    assert_problem(api_as(customer).get(detail_url(globex)), 404, "not_found")


@pytest.mark.parametrize("query", [{"name": "Globex"}, {"domain": "globex.example"}])
def test_customer_filtering_for_another_organization_finds_nothing(
    api_as: ApiAs, customer: User, globex: Organization, query: dict[str, str]
) -> None:
    assert names(api_as(customer).get(URL, query)) == []


def test_customer_without_an_organization_sees_none(
    api_as: ApiAs, acme: Organization, globex: Organization
) -> None:
    loner = UserFactory.create(email="lone@example.com")

    assert names(api_as(loner).get(URL)) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"name": "glob"}, ["Globex"]),
        ({"domain": "ACME.example"}, ["Acme"]),
        ({"currency": "EUR"}, ["Acme", "Globex"]),
    ],
)
def test_agent_filters_organizations(
    api_as: ApiAs,
    agent: User,
    acme: Organization,
    globex: Organization,
    query: dict[str, str],
    expected: list[str],
) -> None:
    assert names(api_as(agent).get(URL, query)) == expected


# Refused input: 400 naming the field, nothing saved ----------------------------------------


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "Initech", "domains": ["globex.example"]}, "domains"),
        ({"name": "Initech", "domains": ["GLOBEX.example"]}, "domains"),
        ({"name": "Initech", "domains": ["initech.example", "not a domain"]}, "domains"),
        ({"name": "Initech", "domains": ["-bad-.example"]}, "domains"),
        ({"name": "Initech", "currency": "XYZ"}, "currency"),
        ({"name": "Initech", "time_zone": "Mars/Olympus"}, "time_zone"),
        ({"name": "Initech", "tax_rate": "-0.5"}, "tax_rate"),
        ({"name": "Initech", "tax_rate": "100.001"}, "tax_rate"),
        ({"name": "I" * 201}, "name"),
        ({"name": "GLOBEX"}, "name"),
        ({"name": "  globex "}, "name"),
        ({"domains": ["initech.example"]}, "name"),
    ],
)
def test_bad_organization_is_refused_and_nothing_is_saved(
    api_as: ApiAs, admin_user: User, globex: Organization, payload: dict[str, Any], field: str
) -> None:
    before = state()

    response = api_as(admin_user).post(URL, payload, format="json")

    assert_field_refused(response, field)
    assert state() == before


def test_unknown_currency_is_refused_with_its_own_code(api_as: ApiAs, admin_user: User) -> None:
    response = api_as(admin_user).post(URL, {"name": "Initech", "currency": "XYZ"}, format="json")

    assert assert_field_refused(response, "currency")[0]["code"] == "unknown_currency"


def test_duplicate_domain_says_who_holds_it(
    api_as: ApiAs, admin_user: User, globex: Organization
) -> None:
    response = api_as(admin_user).post(
        URL, {"name": "Initech", "domains": ["globex.example"]}, format="json"
    )

    errors = assert_field_refused(response, "domains")
    assert "Globex" in errors[0]["message"]


def test_patch_with_a_conflicting_domain_leaves_the_organization_unchanged(
    api_as: ApiAs, admin_user: User, acme: Organization, globex: Organization
) -> None:
    before = state()

    response = api_as(admin_user).patch(
        detail_url(acme),
        {"name": "Acme Ltd", "tax_rate": "20", "domains": ["acme.example", "globex.example"]},
        format="json",
    )

    assert_field_refused(response, "domains")
    assert state() == before


def test_patch_renaming_to_another_organizations_name_is_refused(
    api_as: ApiAs, admin_user: User, acme: Organization, globex: Organization
) -> None:
    before = state()

    response = api_as(admin_user).patch(detail_url(acme), {"name": "gLoBeX"}, format="json")

    assert_field_refused(response, "name")
    assert state() == before


# Changing -----------------------------------------------------------------------------------


def test_admin_patch_changes_only_what_is_sent_and_is_audited(
    api_as: ApiAs, admin_user: User, acme: Organization
) -> None:
    response = api_as(admin_user).patch(
        detail_url(acme), {"tax_rate": "19", "shares_tickets": True}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["domains"] == ["acme.example"]
    acme.refresh_from_db()
    assert (acme.name, acme.tax_rate, acme.shares_tickets) == ("Acme", Decimal("19"), True)
    entry = AuditEntry.objects.get(action="organization.changed")
    assert entry.actor == admin_user
    assert entry.before == {"tax_rate": "0.000", "shares_tickets": False}
    assert entry.after == {"tax_rate": "19.000", "shares_tickets": True}


def test_admin_replaces_domains_and_a_freed_domain_can_move(
    api_as: ApiAs, admin_user: User, acme: Organization, globex: Organization
) -> None:
    client = api_as(admin_user)

    moved_off = client.patch(detail_url(acme), {"domains": ["acme.test"]}, format="json")
    moved_on = client.patch(
        detail_url(globex), {"domains": ["globex.example", "acme.example"]}, format="json"
    )

    assert moved_off.json()["domains"] == ["acme.test"]
    assert moved_on.json()["domains"] == ["acme.example", "globex.example"]
    audit = AuditEntry.objects.filter(action="organization.changed", object_id=str(acme.pk))
    assert audit.get().after == {"domains": ["acme.test"]}


def test_patch_that_changes_nothing_writes_no_audit_row(
    api_as: ApiAs, admin_user: User, acme: Organization
) -> None:
    response = api_as(admin_user).patch(
        detail_url(acme), {"name": "Acme", "domains": ["acme.example"]}, format="json"
    )

    assert response.status_code == 200
    assert not AuditEntry.objects.exists()


def test_admin_deletes_an_organization_without_people(
    api_as: ApiAs, admin_user: User, globex: Organization
) -> None:
    response = api_as(admin_user).delete(detail_url(globex))

    assert response.status_code == 204
    assert not Organization.objects.filter(pk=globex.pk).exists()
    assert not OrganizationDomain.objects.filter(domain="globex.example").exists()
    assert AuditEntry.objects.filter(action="organization.deleted").count() == 1


def test_agent_cannot_delete_an_organization(
    api_as: ApiAs, agent: User, globex: Organization
) -> None:
    assert_problem(api_as(agent).delete(detail_url(globex)), 403, "permission_denied")
    assert Organization.objects.filter(pk=globex.pk).exists()


def test_organization_with_people_is_not_deleted(
    api_as: ApiAs, admin_user: User, customer: User, acme: Organization
) -> None:
    response = api_as(admin_user).delete(detail_url(acme))

    assert_field_refused(response, "non_field_errors")
    assert Organization.objects.filter(pk=acme.pk).exists()


# Query counts -------------------------------------------------------------------------------


def test_listing_organizations_costs_the_same_queries_for_3_and_30(
    api_as: ApiAs, admin_user: User
) -> None:
    client = api_as(admin_user)

    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, {"page_size": 100})
        assert response.status_code == 200
        return len(queries)

    for n in range(3):
        OrganizationFactory.create(domains=[f"a{n}.example", f"b{n}.example"])
    with_3 = queries_for_list()
    for n in range(3, 30):
        OrganizationFactory.create(domains=[f"a{n}.example", f"b{n}.example"])
    with_30 = queries_for_list()

    assert with_3 == with_30
