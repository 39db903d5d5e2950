"""The three report pages in real Chromium: each draws its charts, and each CSV download
holds exactly the figures of the table it sits next to."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from deskpact.accounts.models import Organization, User
from deskpact.contracts import services as contracts
from deskpact.contracts.work import log_work
from deskpact.licensing import services as licensing
from deskpact.reports.tests.test_agents import build_desk
from deskpact.testing import licenses
from deskpact.tickets import services as tickets
from deskpact.tickets.models import Ticket

ARTIFACTS = Path("test-artifacts")
DASH = "\u2013"  # the agents table's "nothing to measure"


def sign_in(page: Page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/console/")


def table_cells(page: Page, selector: str) -> list[list[str]]:
    """Every row of the table, headings included, as the page shows its cells."""
    rows = page.locator(f"{selector} tr")
    expect(rows.first).to_be_visible()
    cells = []
    for n in range(rows.count()):
        texts = rows.nth(n).locator("th, td").all_inner_texts()
        cells.append(["" if t.strip() == DASH else t.strip() for t in texts])
    return cells


def downloaded(page: Page, link_test_id: str) -> list[list[str]]:
    """The CSV behind a link, fetched with the page's own session."""
    href = page.get_by_test_id(link_test_id).get_attribute("href")
    assert href
    response = page.request.get(urljoin(page.url, href))
    assert response.ok, response.status
    assert response.headers["content-type"].startswith("text/csv")
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(response.text()))]


def assert_csv_matches(page: Page, name: str) -> None:
    """The CSV behind `csv-<name>` has the figures of `table-<name>`, row for row and cell
    for cell (its headings are column names, the table's are for people)."""
    rows = downloaded(page, f"csv-{name}")
    if not page.get_by_test_id(f"table-{name}").count():  # nothing to show: headings only
        assert len(rows) == 1, rows
        return
    shown = table_cells(page, f"[data-testid=table-{name}]")
    assert len(rows[0]) == len(shown[0])
    assert rows[1:] == shown[1:]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_each_report_page_draws_its_charts_and_its_csv_matches_the_page(
    page: Page,
    live_server: Any,
    settings: Any,
    acme: Organization,
    customer: User,
    password: str,
) -> None:
    settings.TIME_ZONE = "UTC"
    desk = build_desk()  # Ben is an admin: he reads all three reports
    licensing.install_license(licenses.issue_key(seat_type="concurrent", seats=5), by=None)
    bank = contracts.create_contract(
        acme,
        by=desk.ben,
        name="Support bank",
        kind="bank",
        unit="hours",
        starts_on=timezone.localdate() - timedelta(days=20),
    )
    contracts.top_up_bank(bank, units=600, by=desk.ben, price_minor=50_000)
    ticket = tickets.open_ticket(
        requester=customer,
        submitter=customer,
        subject="Printer on fire",
        body="It smokes when printing.",
        channel=Ticket.Channel.WEB,
    )
    log_work(ticket, agent=desk.ben, minutes=90, started_at=timezone.now() - timedelta(days=2))
    base = str(live_server)
    sign_in(page, base, desk.ben.email, password)

    # Agents: the console links to the reports; two bar charts, the table, the CSV.
    page.get_by_test_id("nav-reports").click()
    expect(page).to_have_url(f"{base}/reports/agents/")
    page.goto(f"{base}/reports/agents/?start=2026-03-01&end=2026-03-10")
    charts = page.get_by_test_id("report-charts").locator("svg.chart")
    expect(charts).to_have_count(2)
    expect(charts.first.locator("g.bar")).to_have_count(3)
    assert charts.first.bounding_box() is not None
    shown = table_cells(page, "[data-testid=report-table]")
    assert shown[1] == ["Ana", "2", "5", "1.58", "5", "1.00", "4.40", "3", "4.00", "20.00",
                        "4.33", "3"]  # fmt: skip
    assert shown[-1][:4] == ["Team", "3", "8", "3.08"]
    expect(page.get_by_test_id("report-definitions")).to_contain_text("Tickets handled")
    page.screenshot(path=str(ARTIFACTS / "reports-agents.png"), full_page=True)
    assert downloaded(page, "report-csv") == shown

    # Contracts: the use chart, and every table's CSV.
    page.get_by_test_id("tab-contracts").click()
    expect(page).to_have_url(f"{base}/reports/contracts/")
    expect(page.get_by_test_id("use-chart").locator("svg")).to_be_visible()
    expect(page.get_by_test_id("use-chart")).not_to_contain_text("No contract in force")
    page.screenshot(path=str(ARTIFACTS / "reports-contracts.png"), full_page=True)
    links = page.locator("[data-testid^=csv-]")
    names = [
        (links.nth(n).get_attribute("data-testid") or "").removeprefix("csv-")
        for n in range(links.count())
    ]
    assert "contracts" in names
    for name in names:
        assert_csv_matches(page, name)

    # License: seats used each day (signing in took one), and the days' CSV.
    page.get_by_test_id("tab-license").click()
    expect(page).to_have_url(f"{base}/reports/license/")
    chart = page.get_by_test_id("license-chart").locator("svg")
    expect(chart).to_be_visible()
    expect(chart.locator("polyline, path").first).to_be_attached()
    page.screenshot(path=str(ARTIFACTS / "reports-license.png"), full_page=True)
    assert_csv_matches(page, "days")
