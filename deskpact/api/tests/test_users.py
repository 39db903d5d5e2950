"""People: admins create and change them, agents read everyone, a customer only themself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from deskpact.accounts.models import ApiToken, Organization, User
from deskpact.api.tests.support import assert_field_refused, assert_problem
from deskpact.core.models import AuditEntry
from deskpact.testing.factories import OrganizationFactory, UserFactory

ApiAs = Callable[[User], APIClient]
URL = "/api/v1/users/"

pytestmark = pytest.mark.django_db


def emails(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["email"] for row in response.json()["results"]]


# Creating ---------------------------------------------------------------------------------


def test_admin_creates_a_user_with_the_email_stored_lowercase(
    api_as: ApiAs, admin_user: User, acme: Organization
) -> None:
    response = api_as(admin_user).post(
        URL,
        {"email": "Carol.Jones@ACME.example", "name": "Carol", "organization": acme.pk},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["email"] == "carol.jones@acme.example"
    stored = User.objects.get(pk=response.json()["id"])
    assert (stored.email, stored.organization, stored.role) == (
        "carol.jones@acme.example",
        acme,
        User.Role.USER,
    )
    assert not stored.has_usable_password()  # they choose one through the reset link
    assert AuditEntry.objects.filter(action="user.created", actor=admin_user).count() == 1


def test_password_given_at_creation_must_be_changed_at_first_sign_in(
    api_as: ApiAs, admin_user: User
) -> None:
    response = api_as(admin_user).post(
        URL, {"email": "dan@desk.example", "password": "temporary-ferry-lantern-9"}, format="json"
    )

    assert response.status_code == 201
    assert "password" not in response.json()
    refused = APIClient().post(
        "/api/v1/auth/token/",
        {"email": "dan@desk.example", "password": "temporary-ferry-lantern-9"},
        format="json",
    )
    assert_problem(refused, 403, "password_expired")


def test_weak_password_at_creation_is_refused_on_its_field(api_as: ApiAs, admin_user: User) -> None:
    response = api_as(admin_user).post(
        URL, {"email": "dan@desk.example", "password": "12345"}, format="json"
    )

    assert_field_refused(response, "password")
    assert not User.objects.filter(email="dan@desk.example").exists()


@pytest.mark.parametrize(
    "email", ["BOB@globex.example", "bob@GLOBEX.EXAMPLE", " bob@globex.example"]
)
def test_email_taken_in_another_case_is_refused(
    api_as: ApiAs, admin_user: User, other_customer: User, email: str
) -> None:
    before = User.objects.count()

    response = api_as(admin_user).post(URL, {"email": email}, format="json")

    assert_field_refused(response, "email")
    assert User.objects.count() == before
    assert not AuditEntry.objects.filter(action="user.created").exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "email"),
        ({"email": "not-an-email"}, "email"),
        ({"email": "eve@desk.example", "role": "owner"}, "role"),
        ({"email": "eve@desk.example", "organization": 999999}, "organization"),
        ({"email": "eve@desk.example", "name": "E" * 151}, "name"),
    ],
)
def test_bad_user_is_refused_on_its_field(
    api_as: ApiAs, admin_user: User, payload: dict[str, Any], field: str
) -> None:
    before = User.objects.count()

    assert_field_refused(api_as(admin_user).post(URL, payload, format="json"), field)
    assert User.objects.count() == before


def test_agent_cannot_create_a_user(api_as: ApiAs, agent: User) -> None:
    response = api_as(agent).post(URL, {"email": "eve@desk.example"}, format="json")

    assert_problem(response, 403, "permission_denied")
    assert not User.objects.filter(email="eve@desk.example").exists()


def test_customer_cannot_create_a_user(api_as: ApiAs, customer: User) -> None:
    response = api_as(customer).post(URL, {"email": "eve@acme.example"}, format="json")

    assert_problem(response, 403, "permission_denied")


# Reading ------------------------------------------------------------------------------------


def test_agent_lists_everyone(
    api_as: ApiAs, agent: User, admin_user: User, customer: User, other_customer: User
) -> None:
    assert emails(api_as(agent).get(URL)) == [
        "ada@desk.example",
        "alice@acme.example",
        "bob@globex.example",
        "sam@desk.example",
    ]


def test_customer_lists_only_themself(
    api_as: ApiAs, customer: User, other_customer: User, agent: User
) -> None:
    assert emails(api_as(customer).get(URL)) == ["alice@acme.example"]


def test_customer_does_not_see_a_colleague_in_the_same_organization(
    api_as: ApiAs, customer: User, acme: Organization
) -> None:
    colleague = UserFactory.create(email="carl@acme.example", organization=acme)

    assert emails(api_as(customer).get(URL)) == ["alice@acme.example"]
    assert_problem(api_as(customer).get(f"{URL}{colleague.pk}/"), 404, "not_found")


def test_customer_cannot_read_another_user(
    api_as: ApiAs, customer: User, other_customer: User
) -> None:
    assert_problem(api_as(customer).get(f"{URL}{other_customer.pk}/"), 404, "not_found")


def test_customer_reads_themself(api_as: ApiAs, customer: User) -> None:
    response = api_as(customer).get(f"{URL}{customer.pk}/")

    assert response.status_code == 200
    assert response.json()["organization"] == customer.organization_id


@pytest.mark.parametrize(
    "query",
    [
        {"email": "bob@globex.example"},
        {"email": "BOB@GLOBEX.EXAMPLE"},
        {"name": "Bob"},
    ],
)
def test_customer_filtering_for_another_user_finds_nothing(
    api_as: ApiAs, customer: User, other_customer: User, query: dict[str, str]
) -> None:
    assert emails(api_as(customer).get(URL, query)) == []


def test_customer_filtering_by_another_organization_finds_nothing(
    api_as: ApiAs, customer: User, other_customer: User, globex: Organization
) -> None:
    assert emails(api_as(customer).get(URL, {"organization": globex.pk})) == []


def test_unknown_organization_filter_answers_like_one_you_cannot_see(
    api_as: ApiAs, customer: User, other_customer: User, globex: Organization
) -> None:
    client = api_as(customer)

    hidden = client.get(URL, {"organization": globex.pk})
    unknown = client.get(URL, {"organization": 999999})

    assert (hidden.status_code, hidden.json()) == (unknown.status_code, unknown.json())


def test_agent_filters_people_by_organization_and_email(
    api_as: ApiAs, agent: User, customer: User, other_customer: User, globex: Organization
) -> None:
    client = api_as(agent)

    assert emails(client.get(URL, {"organization": globex.pk})) == ["bob@globex.example"]
    assert emails(client.get(URL, {"email": "ALICE@acme.example"})) == ["alice@acme.example"]
    assert emails(client.get(URL, {"role": "agent"})) == ["sam@desk.example"]


def test_non_numeric_organization_filter_is_a_validation_problem(
    api_as: ApiAs, agent: User
) -> None:
    assert_field_refused(api_as(agent).get(URL, {"organization": "acme"}), "organization")


def test_me_shows_the_signed_in_person(api_as: ApiAs, customer: User) -> None:
    body = api_as(customer).get(f"{URL}me/").json()

    assert (body["id"], body["email"], body["role"]) == (customer.pk, customer.email, "user")
    assert "password" not in body


# Changing ------------------------------------------------------------------------------------


def test_admin_changes_a_users_role_and_it_is_audited(
    api_as: ApiAs, admin_user: User, agent: User
) -> None:
    response = api_as(admin_user).patch(f"{URL}{agent.pk}/", {"role": "admin"}, format="json")

    assert response.status_code == 200
    assert response.json()["role"] == "admin"
    agent.refresh_from_db()
    assert agent.role == User.Role.ADMIN
    entry = AuditEntry.objects.get(action="user.changed")
    assert (entry.before, entry.after) == ({"role": "agent"}, {"role": "admin"})


def test_admin_cannot_take_an_email_another_user_has(
    api_as: ApiAs, admin_user: User, customer: User, other_customer: User
) -> None:
    response = api_as(admin_user).patch(
        f"{URL}{customer.pk}/", {"email": "Bob@Globex.example"}, format="json"
    )

    assert_field_refused(response, "email")
    customer.refresh_from_db()
    assert customer.email == "alice@acme.example"


def test_password_cannot_be_changed_through_the_user_resource(
    api_as: ApiAs, admin_user: User, customer: User, password: str
) -> None:
    response = api_as(admin_user).patch(
        f"{URL}{customer.pk}/", {"password": "replaced-by-admin-77"}, format="json"
    )

    assert assert_field_refused(response, "password")[0]["code"] == "read_only"
    customer.refresh_from_db()
    assert customer.check_password(password)


def test_admin_deactivates_a_user_and_their_tokens_stop_working(
    api_as: ApiAs, token_as: ApiAs, admin_user: User, customer: User
) -> None:
    their_client = token_as(customer)
    assert their_client.get(f"{URL}me/").status_code == 200

    response = api_as(admin_user).patch(f"{URL}{customer.pk}/", {"is_active": False}, format="json")

    assert response.status_code == 200
    assert response.json()["is_active"] is False
    customer.refresh_from_db()
    assert not customer.is_active
    assert not ApiToken.objects.filter(user=customer).exists()
    assert_problem(their_client.get(f"{URL}me/"), 401, "bad_token")


def test_agent_cannot_change_a_user(api_as: ApiAs, agent: User, customer: User) -> None:
    response = api_as(agent).patch(f"{URL}{customer.pk}/", {"is_active": False}, format="json")

    assert_problem(response, 403, "permission_denied")
    customer.refresh_from_db()
    assert customer.is_active


def test_customer_cannot_change_themself(api_as: ApiAs, customer: User) -> None:
    response = api_as(customer).patch(f"{URL}{customer.pk}/", {"role": "admin"}, format="json")

    assert_problem(response, 403, "permission_denied")
    customer.refresh_from_db()
    assert customer.role == User.Role.USER


# Query counts ------------------------------------------------------------------------------


def test_listing_users_costs_the_same_queries_for_3_and_30(api_as: ApiAs, admin_user: User) -> None:
    client = api_as(admin_user)

    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, {"page_size": 100})
        assert response.status_code == 200
        return len(queries)

    organization = OrganizationFactory.create()
    UserFactory.create_batch(2, organization=organization)
    with_3 = queries_for_list()
    UserFactory.create_batch(27, organization=organization)
    with_30 = queries_for_list()

    assert User.objects.count() == 30
    assert with_3 == with_30
