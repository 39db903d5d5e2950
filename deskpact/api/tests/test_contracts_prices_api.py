"""/api/v1/prices/: the price book, read by staff, written by admins, in force by day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from deskpact.accounts.models import User
from deskpact.api.tests.support import assert_field_refused, assert_problem
from deskpact.contracts import services
from deskpact.contracts.models import Price

pytestmark = pytest.mark.django_db

ApiAs = Callable[[User], APIClient]
URL = "/api/v1/prices/"


@pytest.fixture
def book(admin_user: User) -> dict[str, Price]:
    def add(item: str, currency: str, amount: str, on: date) -> Price:
        return services.add_price(
            item=item, currency=currency, amount=Decimal(amount), effective_from=on, by=admin_user
        )

    return {
        "hour_jan": add("hour", "EUR", "90", date(2026, 1, 1)),
        "hour_jul": add("hour", "EUR", "95", date(2026, 7, 1)),
        "hour_usd": add("hour", "USD", "100", date(2026, 1, 1)),
        "minute": add("minute", "EUR", "2.5", date(2026, 2, 1)),
    }


def amounts(response: Any) -> list[tuple[str, str, str]]:
    assert response.status_code == 200, response.content
    return [(p["item"], p["currency"], p["amount"]) for p in response.json()["results"]]


def test_agents_read_the_whole_price_book(
    api_as: ApiAs, agent: User, book: dict[str, Price]
) -> None:
    assert amounts(api_as(agent).get(URL)) == [
        ("hour", "EUR", "95.0000"),
        ("hour", "EUR", "90.0000"),
        ("hour", "USD", "100.0000"),
        ("minute", "EUR", "2.5000"),
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"on": "2025-12-31"}, []),
        (
            {"on": "2026-06-30", "currency": "eur"},
            [("hour", "EUR", "90.0000"), ("minute", "EUR", "2.5000")],
        ),
        (
            {"on": "2026-07-01", "item": "hour"},
            [("hour", "EUR", "95.0000"), ("hour", "USD", "100.0000")],
        ),
        ({"on": "2026-01-15", "item": "minute"}, []),
        ({"item": "hour", "currency": "USD"}, [("hour", "USD", "100.0000")]),
    ],
)
def test_the_price_in_force_on_a_day(
    api_as: ApiAs, agent: User, book: dict[str, Price], query: dict[str, str], expected: list[Any]
) -> None:
    assert amounts(api_as(agent).get(URL, query)) == expected


def test_bad_price_filters_are_refused_by_name(api_as: ApiAs, agent: User) -> None:
    assert_field_refused(api_as(agent).get(URL, {"on": "soon"}), "on")
    assert_field_refused(api_as(agent).get(URL, {"item": "lunch"}), "item")


def test_customers_are_refused_the_price_book(api_as: ApiAs, customer: User) -> None:
    assert_problem(api_as(customer).get(URL), 403, "permission_denied")


def test_an_admin_adds_a_price(api_as: ApiAs, admin_user: User) -> None:
    body = {"item": "hour", "currency": "eur", "amount": "95.5", "effective_from": "2026-07-01"}

    response = api_as(admin_user).post(URL, body, format="json")

    assert response.status_code == 201, response.content
    made = response.json()
    assert (made["item"], made["currency"], made["amount"], made["effective_from"]) == (
        "hour",
        "EUR",
        "95.5000",
        "2026-07-01",
    )
    assert Price.objects.get().amount == Decimal("95.5")


@pytest.mark.parametrize("role", ["agent", "customer"])
def test_only_admins_add_prices(api_as: ApiAs, request: pytest.FixtureRequest, role: str) -> None:
    body = {"item": "hour", "currency": "EUR", "amount": "95", "effective_from": "2026-07-01"}

    assert_problem(
        api_as(request.getfixturevalue(role)).post(URL, body, format="json"),
        403,
        "permission_denied",
    )
    assert not Price.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "-1"}, "amount"),
        ({"amount": "1.23456"}, "amount"),
        ({"currency": "XXY"}, "currency"),
        ({"item": "lunch"}, "item"),
        ({"effective_from": "2026-02-30"}, "effective_from"),
        ({"effective_from": "2026-01-01"}, "effective_from"),  # the book has one that day
    ],
)
def test_bad_prices_are_refused_by_name(
    api_as: ApiAs, admin_user: User, book: dict[str, Price], change: dict[str, str], field: str
) -> None:
    body = {"item": "hour", "currency": "EUR", "amount": "95", "effective_from": "2026-09-01"}
    body.update(change)

    assert_field_refused(api_as(admin_user).post(URL, body, format="json"), field)
    assert Price.objects.count() == 4
