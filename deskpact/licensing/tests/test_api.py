"""/api/v1/license/: admins see the license in force and install keys; others cannot."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from deskpact.accounts.models import User
from deskpact.licensing.models import InstalledLicense
from deskpact.testing.licenses import IssueKey

pytestmark = pytest.mark.django_db
ApiAs = Callable[[User], APIClient]


def test_admins_see_the_evaluation_license_and_its_seats(
    api_as: ApiAs, admin_user: User, agent: User
) -> None:
    response = api_as(admin_user).get("/api/v1/license/")
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "evaluation" and body["model"] == "support"
    assert (body["seat_type"], body["seats"], body["seats_in_use"]) == ("named", 5, 2)
    assert body["price_per_seat"] is None and body["valid_until"] is None


def test_installing_a_key_puts_it_in_force(
    api_as: ApiAs, admin_user: User, issue_key: IssueKey
) -> None:
    key = issue_key(model="team", seats=25, overdraft_percent=10)
    response = api_as(admin_user).post("/api/v1/license/", {"key": key}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["state"], body["model"], body["seats"], body["overdraft_percent"]) == (
        "active",
        "team",
        25,
        10,
    )
    assert (body["price_per_seat"], body["currency"]) == ("49.000", "EUR")
    assert body["monthly_fee"] == "1225.000"  # 25 seats x 49.00
    assert (body["valid_until"], body["ends_on"]) == ("2027-12-31", "2028-01-14")
    assert api_as(admin_user).get("/api/v1/license/").json()["seats"] == 25


@pytest.mark.parametrize(
    ("key", "detail"),
    [
        ("", "This field may not be blank."),
        ("DPL1.truncated", "three parts"),
        ("DPL1.e30.AAAA", "does not trust"),
    ],
)
def test_a_bad_key_is_a_problem_naming_the_field_and_changes_nothing(
    api_as: ApiAs, admin_user: User, key: str, detail: str
) -> None:
    response = api_as(admin_user).post("/api/v1/license/", {"key": key}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert "key" in body["errors"] and detail in str(body)
    assert InstalledLicense.objects.count() == 0


def test_agents_and_customers_may_not_see_or_install(
    api_as: ApiAs, agent: User, customer: User, issue_key: IssueKey
) -> None:
    for user in (agent, customer):
        client = api_as(user)
        assert client.get("/api/v1/license/").status_code == 403
        response = client.post("/api/v1/license/", {"key": issue_key()}, format="json")
        assert response.status_code == 403
    assert InstalledLicense.objects.count() == 0


def test_a_refused_agent_is_a_409_problem_with_the_seat_count(
    api_as: ApiAs, admin_user: User
) -> None:
    for n in range(4):
        User.objects.create(email=f"a{n}@desk.example", name="A", role="agent")
    response = api_as(admin_user).post(
        "/api/v1/users/",
        {"email": "sixth@desk.example", "name": "Sixth", "role": "agent"},
        format="json",
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "no_seat_free" and (body["seats"], body["in_use"]) == (5, 5)
    assert "role" in body["errors"]
