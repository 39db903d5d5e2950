"""The license report page, its CSV and /api/v1/reports/license/: admins only, like the
license pages; bad input as problem+json; the CSV cell for cell equal to the page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from playwright.sync_api import Page, expect
from rest_framework.test import APIClient

from deskpact.accounts.models import User
from deskpact.reports.tests.test_license_use import PRICES, Seats, seats
from deskpact.testing.factories import UserFactory
from deskpact.web.tests.test_reports_contracts import (
    ARTIFACTS,
    csv_rows,
    page_tables,
    shown_tables,
    sign_in,
)

__all__ = ["seats"]  # the fixture, shared with the report's own tests

pytestmark = pytest.mark.django_db
RANGE = "start=2026-03-01&end=2026-03-05"
WITH_PRICES = f"{RANGE}&{urlencode(PRICES)}"


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin(db: None) -> User:
    return UserFactory.create(role=User.Role.ADMIN)


def test_the_page_draws_the_chart_and_the_csv_equals_each_table(seats: Seats, admin: User) -> None:
    client = _client(admin)
    page = client.get(f"/reports/license/?{WITH_PRICES}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "<polyline" in html
    assert 'data-testid="recommendation"' in html and "Support" in html
    tables = page_tables(html)
    assert set(tables) == {"days", "advice"}
    assert tables["days"][1:] == [
        ["2026-03-01", "0", "0", "0", "0", "0", "0", "0"],
        ["2026-03-02", "3", "3", "4", "3", "4", "0", "0"],
        ["2026-03-03", "1", "1", "1", "1", "1", "1", "2"],
        ["2026-03-04", "0", "0", "0", "0", "0", "0", "1"],
        ["2026-03-05", "0", "0", "0", "0", "0", "0", "0"],
    ]
    for name, shown in tables.items():
        download = client.get(f"/reports/license.csv?{WITH_PRICES}&table={name}")
        assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
        rows = csv_rows(download.content.decode())
        assert rows[1:] == shown[1:], name
        assert len(rows[0]) == len(shown[0])


def test_without_prices_the_page_asks_for_them(seats: Seats, admin: User) -> None:
    html = _client(admin).get(f"/reports/license/?{RANGE}").content.decode()
    assert 'data-testid="advice-note"' in html and "four prices" in html
    assert set(page_tables(html)) == {"days"}


def test_only_admins_see_license_use(
    seats: Seats, admin: User, api_as: Callable[[User], APIClient]
) -> None:
    agent, customer = seats.agents[0], seats.customer
    for user in (agent, customer):
        assert _client(user).get("/reports/license/").status_code == 403
        assert _client(user).get("/reports/license.csv").status_code == 403
        assert api_as(user).get("/api/v1/reports/license/").status_code == 403
    assert Client().get("/reports/license/").status_code == 302
    assert _client(admin).get("/reports/license/").status_code == 200


def test_the_api_answers_the_same_figures(
    seats: Seats, admin: User, api_as: Callable[[User], APIClient]
) -> None:
    body = api_as(admin).get(f"/api/v1/reports/license/?{WITH_PRICES}").json()
    assert (body["start"], body["end"], body["peak"], body["refusals"]) == (
        "2026-03-01",
        "2026-03-05",
        4,
        3,
    )
    assert body["days"][1] == {
        "day": "2026-03-02",
        "seats_used": 3,
        "peak_staff": 3,
        "peak_everyone": 4,
        "active_staff": 3,
        "active_everyone": 4,
        "checkouts": 0,
        "refusals": 0,
    }
    recommended = body["advice"]["recommended"]
    assert (recommended["model"], recommended["seat_type"], recommended["seats"]) == (
        "support",
        "named",
        4,
    )
    assert recommended["monthly_cost"] == "2000.000"
    plain = api_as(admin).get(f"/api/v1/reports/license/?{RANGE}").json()
    assert plain["advice"] is None and "four prices" in plain["advice_note"]


@pytest.mark.parametrize(
    ("query", "code", "field"),
    [
        ("start=2026-03-05&end=2026-03-01", "bad_range", "start"),
        ("start=2006-01-01&end=2026-01-01", "bad_range", "end"),
        ("start=2026-02-30", "bad_range", "start"),
        (f"{RANGE}&support_named=5", "bad_price", "support_concurrent"),
        (f"{RANGE}&{urlencode({**PRICES, 'team_named': 'lots'})}", "bad_price", "team_named"),
    ],
)
def test_bad_input_is_a_problem_naming_the_field(
    seats: Seats,
    admin: User,
    api_as: Callable[[User], APIClient],
    query: str,
    code: str,
    field: str,
) -> None:
    response = api_as(admin).get(f"/api/v1/reports/license/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code and list(body["errors"]) == [field]
    page = _client(admin).get(f"/reports/license/?{query}")
    assert page.status_code == 400 and f"{field}: " in page.content.decode()
    download = _client(admin).get(f"/reports/license.csv?{query}")
    assert download.status_code == 400 and download.content.decode().startswith(f"{field}: ")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_page_renders_its_chart_in_a_browser_and_the_csv_matches(
    page: Page, live_server: Any, seats: Seats, admin: User, password: str
) -> None:
    base = str(live_server)
    sign_in(page, base, admin, password, f"/reports/license/?{WITH_PRICES}")
    expect(page.locator("[data-testid=license-chart] svg.chart")).to_be_visible()
    expect(page.get_by_test_id("recommendation")).to_contain_text("Support")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "reports-license-advice.png"), full_page=True)
    tables = shown_tables(page)
    assert set(tables) == {"days", "advice"}
    for name, rows in tables.items():
        href = page.get_by_test_id(f"csv-{name}").get_attribute("href")
        download = page.request.get(f"{base}{href}")
        assert download.ok
        assert csv_rows(download.text())[1:] == rows, name
