"""The agents report page, its CSV and its API: permissions, figures, bad input, queries."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from deskpact.accounts.models import User
from deskpact.reports.tests.test_agents import Desk, _busy_agents, build_desk
from deskpact.testing.factories import UserFactory

MARCH = "start=2026-03-01&end=2026-03-10"
EXPECTED_ROWS = [
    ["Ana", "2", "5", "1.58", "5", "1.00", "4.40", "3", "4.00", "20.00", "4.33", "3"],
    ["Ben", "0", "4", "1.50", "1", "3.00", "3.00", "2", "192.00", "326.40", "", "0"],
    ["Cy", "1", "0", "0.00", "0", "", "", "0", "", "", "", "0"],
    ["Team", "3", "8", "3.08", "7", "1.00", "4.20", "5", "24.00", "225.60", "4.33", "3"],
]


class _Table(HTMLParser):
    """The cells of the report table, with the page's dash for "none" read as empty."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and ("data-testid", "report-table") in attrs:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.inside = False
        elif self.inside and tag in ("td", "th") and self.cell is not None:
            text = "".join(self.cell).strip()
            self.rows[-1].append("" if text == "\u2013" else text)
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def table_of(html: str) -> list[list[str]]:
    parser = _Table()
    parser.feed(html)
    return parser.rows


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def desk(db: None, settings: Any) -> Desk:
    settings.TIME_ZONE = "UTC"
    return build_desk()


@pytest.fixture(autouse=True)
def _march(time_machine: Any) -> None:
    time_machine.move_to("2026-03-20T12:00:00+00:00")


def test_an_agent_reads_the_hand_computed_figures_charts_and_definitions(desk: Desk) -> None:
    response = signed_in(desk.cy).get(f"/reports/agents/?{MARCH}")

    assert response.status_code == 200
    html = response.content.decode()
    rows = table_of(html)
    assert rows[0][:4] == ["Agent", "Open tickets owned", "Tickets handled", "Hours logged"]
    assert rows[1:] == EXPECTED_ROWS
    assert html.count('<svg class="chart"') == 2
    assert 'data-label="Ana" data-value="5"' in html  # handled
    assert 'data-label="Ana" data-value="1.58"' in html  # hours
    assert "posted a public reply or set the status to resolved" in html
    assert 'href="/reports/agents.csv?start=2026-03-01&amp;end=2026-03-10"' in html


def test_the_csv_is_exactly_the_table_on_the_page(desk: Desk) -> None:
    client = signed_in(desk.ana)
    for query in (MARCH, f"{MARCH}&queue={desk.billing.pk}", f"{MARCH}&agent={desk.ben.pk}"):
        page = table_of(client.get(f"/reports/agents/?{query}").content.decode())
        download = client.get(f"/reports/agents.csv?{query}")

        assert download.status_code == 200
        assert download["Content-Type"] == "text/csv; charset=utf-8"
        assert 'filename="agents-2026-03-01-2026-03-10.csv"' in download["Content-Disposition"]
        assert list(csv.reader(io.StringIO(download.content.decode()))) == page
    assert page[1:] == [EXPECTED_ROWS[1], EXPECTED_ROWS[3]]


def test_an_admin_sees_the_team_report_too(desk: Desk) -> None:
    assert signed_in(desk.ben).get("/reports/agents/").status_code == 200


def test_customers_are_refused_and_strangers_sent_to_sign_in(desk: Desk) -> None:
    customer = signed_in(desk.customer)

    assert customer.get("/reports/agents/").status_code == 403
    assert customer.get("/reports/agents.csv").status_code == 403
    stranger = Client().get("/reports/agents/")
    assert stranger.status_code == 302 and "/login/" in stranger["Location"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("start=2026-03-10&end=2026-03-01", "start"),
        ("start=2006-01-01&end=2026-03-01", "end"),
        ("start=March", "start"),
        ("agent=999999", "agent"),
        ("queue=999999", "queue"),
    ],
)
def test_bad_filters_show_the_form_with_an_error_naming_the_field(
    desk: Desk, query: str, field: str
) -> None:
    client = signed_in(desk.ana)
    response = client.get(f"/reports/agents/?{query}")

    assert response.status_code == 400
    html = response.content.decode()
    assert f'data-testid="report-error">{field}: ' in html
    assert 'data-testid="report-table"' not in html
    download = client.get(f"/reports/agents.csv?{query}")
    assert download.status_code == 400 and download.content.decode().startswith(f"{field}: ")


def test_the_reports_link_is_in_the_console_navigation(desk: Desk) -> None:
    html = signed_in(desk.ana).get("/console/").content.decode()

    assert 'href="/reports/agents/" data-testid="nav-reports"' in html


@pytest.mark.parametrize("count", [2, 6])
@pytest.mark.django_db
def test_the_page_costs_the_same_queries_for_two_or_six_agents(count: int, settings: Any) -> None:
    settings.TIME_ZONE = "UTC"
    _busy_agents(count)
    viewer = User.objects.filter(role=User.Role.AGENT).first()
    assert viewer is not None
    client = signed_in(viewer)
    client.get("/reports/agents/")  # the session and the seat, settled once
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/reports/agents/?{MARCH}")
    assert response.status_code == 200
    assert len(table_of(response.content.decode())) == count + 2  # headings, agents, team
    assert len(queries) == _page_queries(), [q["sql"][:90] for q in queries.captured_queries]


def _page_queries() -> int:
    report = 7  # the report's own statements, on either database
    return report + PAGE_OVERHEAD


PAGE_OVERHEAD = 4  # session, user, the agents and the queues of the form


# --- API --------------------------------------------------------------------------------


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_api_gives_the_same_rounded_figures(desk: Desk) -> None:
    response = api(desk.ana).get(f"/api/v1/reports/agents/?{MARCH}")

    assert response.status_code == 200
    body = response.json()
    assert (body["start"], body["end"], body["agent"], body["queue"]) == (
        "2026-03-01",
        "2026-03-10",
        None,
        None,
    )
    ana = body["agents"][0]
    assert ana == {
        "agent_id": desk.ana.pk,
        "agent": "Ana",
        "open_owned": 2,
        "handled": 5,
        "hours_logged": 1.58,
        "first_response_tickets": 5,
        "first_response_median_hours": 1.0,
        "first_response_p90_hours": 4.4,
        "resolved_tickets": 3,
        "resolution_median_hours": 4.0,
        "resolution_p90_hours": 20.0,
        "average_rating": 4.33,
        "ratings": 3,
    }
    assert body["agents"][1]["average_rating"] is None
    assert body["agents"][2]["first_response_median_hours"] is None
    assert body["team"]["agent_id"] is None and body["team"]["handled"] == 8
    assert body["team"]["resolution_p90_hours"] == 225.6
    assert [d["name"] for d in body["definitions"]][:2] == ["Open tickets owned", "Tickets handled"]


def test_the_api_filters_by_agent_and_queue(desk: Desk) -> None:
    response = api(desk.ana).get(
        f"/api/v1/reports/agents/?{MARCH}&agent={desk.ana.pk}&queue={desk.billing.pk}"
    )

    body = response.json()
    assert [row["agent"] for row in body["agents"]] == ["Ana"]
    assert body["agents"][0]["handled"] == 1 and body["team"]["handled"] == 1
    assert body["agents"][0]["hours_logged"] == 0.33


@pytest.mark.parametrize(
    ("query", "code", "field"),
    [
        ("start=2026-03-10&end=2026-03-01", "bad_range", "start"),
        ("start=2006-01-01&end=2026-03-01", "bad_range", "end"),
        ("start=2026-02-30", "bad_range", "start"),
        ("end=soon", "bad_range", "end"),
        ("agent=999999", "unknown_agent", "agent"),
        ("agent=abc", "unknown_agent", "agent"),
        ("queue=999999", "unknown_queue", "queue"),
    ],
)
def test_the_api_answers_bad_input_with_a_problem_naming_the_field(
    desk: Desk, query: str, code: str, field: str
) -> None:
    response = api(desk.ana).get(f"/api/v1/reports/agents/?{query}")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code
    assert list(body["errors"]) == [field]


def test_the_api_refuses_customers_and_strangers(desk: Desk) -> None:
    assert api(desk.customer).get("/api/v1/reports/agents/").status_code == 403
    assert APIClient().get("/api/v1/reports/agents/").status_code in (401, 403)


def test_an_agent_id_of_a_customer_is_unknown(desk: Desk) -> None:
    other = UserFactory.create()
    response = api(desk.ana).get(f"/api/v1/reports/agents/?agent={other.pk}")

    assert response.status_code == 400 and response.json()["code"] == "unknown_agent"
