"""The contracts report page, its CSV and /api/v1/reports/contracts/: who sees what, bad
input as problem+json, the CSV cell for cell equal to the page, constant query counts."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from playwright.sync_api import Page, expect
from rest_framework.test import APIClient

from deskpact.accounts.models import User
from deskpact.contracts.models import Contract, LedgerEntry
from deskpact.reports.tests.test_consumption import Desk, desk, entry, utc
from deskpact.testing.factories import OrganizationFactory, UserFactory

__all__ = ["desk"]  # the fixture, shared with the report's own tests

pytestmark = pytest.mark.django_db
Q1 = "start=2026-01-01&end=2026-03-31"
ARTIFACTS = Path("test-artifacts")


@pytest.fixture(autouse=True)
def on_the_last_day_of_march(request: pytest.FixtureRequest) -> Iterator[None]:
    if request.node.get_closest_marker("browser"):  # a frozen clock would stall the browser
        yield
        return
    with time_machine.travel("2026-03-31 12:00Z", tick=False):
        yield


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


class _Tables(HTMLParser):
    """The cells of each <table data-testid=…> on a page, as text."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = (dict(attrs).get("data-testid") or "").removeprefix("table-")
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def page_tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_the_page_draws_both_charts_and_the_csv_equals_each_table(desk: Desk) -> None:
    client = _client(desk.agent)
    page = client.get(f"/reports/contracts/?{Q1}")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="use-chart"' in html and "<polyline" in html
    # Minutes and incidents used, then revenue in EUR and in JPY: never on one scale.
    assert html.count("<svg") == 4
    assert "Minutes of work used each week" in html and "Incidents used each week" in html
    assert "Charged per month and contract kind, EUR" in html and "<rect" in html
    tables = page_tables(html)
    assert set(tables) == {"contracts", "consumption", "revenue"}
    for name, shown in tables.items():
        download = client.get(f"/reports/contracts.csv?{Q1}&table={name}")
        assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
        rows = csv_rows(download.content.decode())
        assert rows[1:] == shown[1:], name  # the header row: CSV names, page labels
        assert len(rows[0]) == len(shown[0])
    assert tables["contracts"][1] == [
        "Initech", "Bank hours", "Prepaid bank", "minutes", "180", "420", "2026-10-27",
        "500.00", "EUR",
    ]  # fmt: skip
    assert ["2026-02", "Pay as you go", "EUR", "22.50"] in tables["revenue"]


def test_an_empty_range_says_so_and_its_csv_has_only_a_header(desk: Desk) -> None:
    client = _client(desk.agent)
    html = client.get("/reports/contracts/?start=2025-06-01&end=2025-06-30").content.decode()
    assert "No contract in force in this range." in html
    assert 'data-testid="empty-contracts"' in html and 'data-testid="empty-revenue"' in html
    download = client.get("/reports/contracts.csv?start=2025-06-01&end=2025-06-30&table=revenue")
    assert csv_rows(download.content.decode()) == [["month", "kind", "currency", "charged"]]


def test_a_customer_sees_their_organization_only_and_no_revenue(desk: Desk) -> None:
    client = _client(desk.alice)
    html = client.get(f"/reports/contracts/?{Q1}").content.decode()
    tables = page_tables(html)
    assert set(tables) == {"contracts", "consumption"}
    assert [row[1] for row in tables["contracts"][1:]] == ["Bank hours", "Hourly support"]
    assert "Nakamura" not in html and 'data-testid="revenue-chart"' not in html
    assert 'id="organization"' not in html  # no list of the desk's customers
    assert client.get(f"/reports/contracts.csv?{Q1}&table=revenue").status_code == 400
    refused = client.get(f"/reports/contracts/?{Q1}&organization={desk.nakamura.pk}")
    assert refused.status_code == 400
    assert "organization: No organization" in refused.content.decode()


def test_strangers_are_sent_to_sign_in(desk: Desk) -> None:
    assert Client().get("/reports/contracts/").status_code == 302
    assert Client().get("/reports/contracts.csv").status_code == 302
    assert APIClient().get("/api/v1/reports/contracts/").status_code in (401, 403)


def test_the_api_answers_the_same_figures(desk: Desk, api_as: Callable[[User], APIClient]) -> None:
    body = api_as(desk.admin).get(f"/api/v1/reports/contracts/?{Q1}").json()
    assert body["start"] == "2026-01-01" and body["period"] == "week"
    assert body["contracts"][0] == {
        "contract": desk.bank.pk,
        "organization": desk.initech.pk,
        "organization_name": "Initech",
        "name": "Bank hours",
        "kind": "bank",
        "unit": "minutes",
        "currency": "EUR",
        "used": 180,
        "remaining": 420,
        "run_out_on": "2026-10-27",
        "unbilled_minor": 50000,
        "unbilled": "500.00",
    }
    assert [c["unbilled_minor"] for c in body["contracts"]] == [50000, 6750, 130000]
    assert body["consumption"][0] == {
        "period_start": "2026-01-26",
        "contract": desk.hourly.pk,
        "unit": "minutes",
        "used": 15,
    }
    assert [(r["month"], r["kind"], r["currency"], r["charge_minor"]) for r in body["revenue"]] == [
        ("2026-01-01", "bank", "EUR", 50000),
        ("2026-01-01", "per_incident", "JPY", 100000),
        ("2026-02-01", "payg", "EUR", 2250),
        ("2026-03-01", "payg", "EUR", 6750),
        ("2026-03-01", "per_incident", "JPY", 30000),
    ]


def test_the_api_gives_a_customer_their_contracts_and_no_revenue(
    desk: Desk, api_as: Callable[[User], APIClient]
) -> None:
    body = api_as(desk.kenji).get(f"/api/v1/reports/contracts/?{Q1}").json()
    assert [c["name"] for c in body["contracts"]] == ["Incidents"]
    assert body["revenue"] is None
    other = api_as(desk.kenji).get(f"/api/v1/reports/contracts/?organization={desk.initech.pk}")
    assert other.status_code == 400 and other.json()["code"] == "unknown_organization"


@pytest.mark.parametrize(
    ("query", "code", "field"),
    [
        ("start=2026-03-10&end=2026-03-01", "bad_range", "start"),
        ("start=2006-01-01&end=2026-01-01", "bad_range", "end"),
        ("start=1%2F3%2F2026", "bad_range", "start"),
        ("end=tomorrow", "bad_range", "end"),
        ("organization=987654", "unknown_organization", "organization"),
        ("organization=Initech", "unknown_organization", "organization"),
        ("kind=gold", "unknown_kind", "kind"),
    ],
)
def test_bad_input_is_a_problem_naming_the_field(
    desk: Desk, api_as: Callable[[User], APIClient], query: str, code: str, field: str
) -> None:
    response = api_as(desk.agent).get(f"/api/v1/reports/contracts/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code and list(body["errors"]) == [field]
    page = _client(desk.agent).get(f"/reports/contracts/?{query}")
    assert page.status_code == 400 and f"{field}: " in page.content.decode()
    download = _client(desk.agent).get(f"/reports/contracts.csv?{query}")
    assert download.status_code == 400 and download.content.decode().startswith(f"{field}: ")


def _more_customers(count: int) -> None:
    for n in range(count):
        org = OrganizationFactory.create(name=f"Extra {n}", currency="EUR")
        contract = Contract.objects.create(
            organization=org, name=f"Bank {n}", kind="bank", unit="hours",
            starts_on=date(2026, 1, 1), currency="EUR",
        )  # fmt: skip
        entry(contract, LedgerEntry.Kind.BLOCK_PURCHASED, utc("2026-01-02"), units=60, charge=10)
        entry(contract, LedgerEntry.Kind.WORK_RATED, utc("2026-03-03"), units=-n - 1)
        UserFactory.create(organization=org)


def _queries(client: Client | APIClient, url: str) -> int:
    with CaptureQueriesContext(connection) as seen:
        assert client.get(url).status_code == 200
    return len(seen.captured_queries)


def test_queries_do_not_grow_with_the_organizations_shown(
    desk: Desk, api_as: Callable[[User], APIClient]
) -> None:
    # Two organizations (the desk's), then six: the same number of queries.
    page, api = _client(desk.admin), api_as(desk.admin)
    urls = [
        f"/reports/contracts/?{Q1}",
        f"/reports/contracts.csv?{Q1}",
        f"/api/v1/reports/contracts/?{Q1}",
    ]
    before = [_queries(page if "api" not in u else api, u) for u in urls]
    _more_customers(4)
    after = [_queries(page if "api" not in u else api, u) for u in urls]
    assert before == after
    assert (
        len(page_tables(page.get(f"/reports/contracts/?{Q1}").content.decode())["contracts"]) == 8
    )


def sign_in(page: Page, base: str, user: User, password: str, then: str) -> None:
    page.goto(f"{base}/login/?{urlencode({'next': then})}")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}{then}")


def shown_tables(page: Page) -> dict[str, list[list[str]]]:
    """Each table's body cells as the browser renders them."""
    found = {}
    for table in page.locator("table[data-testid^=table-]").all():
        name = (table.get_attribute("data-testid") or "").removeprefix("table-")
        found[name] = [
            [cell.strip() for cell in row.locator("td").all_inner_texts()]
            for row in table.locator("tbody tr").all()
        ]
    return found


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_page_renders_its_charts_in_a_browser_and_the_csv_matches(
    page: Page, live_server: Any, desk: Desk, password: str
) -> None:
    base = str(live_server)
    sign_in(page, base, desk.admin, password, f"/reports/contracts/?{Q1}")
    expect(page.locator("[data-testid=use-chart] svg.chart")).to_have_count(2)
    expect(page.locator("[data-testid=revenue-chart] svg.chart")).to_have_count(2)
    expect(page.locator("[data-testid=revenue-chart] rect").first).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "reports-contracts-by-kind.png"), full_page=True)
    tables = shown_tables(page)
    assert set(tables) == {"contracts", "consumption", "revenue"}
    for name, rows in tables.items():
        href = page.get_by_test_id(f"csv-{name}").get_attribute("href")
        download = page.request.get(f"{base}{href}")
        assert download.ok
        assert csv_rows(download.text())[1:] == rows, name
