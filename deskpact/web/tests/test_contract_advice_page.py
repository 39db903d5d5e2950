"""The contract advisor page: the form, the table of kinds, the cheapest, and the chart."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from deskpact.accounts.models import Organization, User
from deskpact.contracts import services
from deskpact.tickets import services as tickets

pytestmark = pytest.mark.django_db

URL = "/contracts/advice/"


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def ninety_minutes(acme: Organization, customer: User, agent: User, admin_user: User) -> None:
    """Acme's year: one ticket with 90 minutes of work, resolved."""
    now = timezone.now()
    since = timezone.localdate() - timedelta(days=400)
    for item, amount in [("hour", "90"), ("incident", "150"), ("block_hour", "80")]:
        services.add_price(
            item=item, currency="EUR", amount=Decimal(amount), effective_from=since, by=admin_user
        )
    ticket = tickets.open_ticket(
        requester=customer,
        submitter=customer,
        subject="Invoices print blank",
        body="Every one of them.",
        channel="web",
        at=now - timedelta(days=8),
    )
    services.log_work(ticket, agent=agent, minutes=90, started_at=now - timedelta(days=7))
    tickets.change_status(ticket, to="resolved", by=agent, at=now - timedelta(days=6))


def _row(html: str, key: str) -> str:
    match = re.search(rf'<tr data-testid="option-{key}"[^>]*>(.*?)</tr>', html, re.S)
    assert match, f"no row for {key}"
    return match.group(0)


def test_the_url_is_the_advisors() -> None:
    assert reverse("contract_advice:advice") == URL


def test_without_an_organization_the_page_shows_only_the_form(agent: User) -> None:
    page = _client(agent).get(URL)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="organization"' in html and 'name="block_hours" value="10"' in html
    assert 'data-testid="advice"' not in html


def test_the_table_prices_each_kind_and_highlights_the_cheapest(
    agent: User, acme: Organization, ninety_minutes: None
) -> None:
    page = _client(agent).get(URL, {"organization": acme.pk})
    html = page.content.decode()
    assert page.status_code == 200
    assert (
        "1.5 billable hours in 1 work log (0 phone agent-minutes, 0 calls); 1 ticket resolved."
        in html
    )
    assert "135.00 EUR" in _row(html, "payg")  # 90 minutes at 90.00
    assert "150.00 EUR" in _row(html, "per_incident")
    assert "800.00 EUR" in _row(html, "bank_hours")  # one block of 10 h at 80.00
    assert "not priced" in _row(html, "bank_incidents")
    assert "missing: block_incident" in _row(html, "bank_incidents")
    assert "missing: fee" in _row(html, "agreement")
    # The capped fee defaults to 0, so capped is cheapest: the page says it rests on that.
    capped = _row(html, "capped")
    assert 'class="recommended"' in capped and "<strong>cheapest</strong>" in capped
    assert "Its term fee was assumed to be 0" in html
    assert html.count('class="recommended"') == 1
    assert '<svg class="chart"' in html and html.count("<rect ") == 5
    cheapest_bar = re.search(r'<g class="bar" data-label="Capped at 100 h".*?</g>', html)
    assert cheapest_bar is not None
    assert "<title>Capped at 100 h: 0.00 EUR</title>" in cheapest_bar.group(0)
    assert 'fill="#15803d"' in cheapest_bar.group(0)  # the one highlighted bar
    assert html.count('fill="#15803d"') == 1


def test_fees_entered_in_the_form_are_priced(
    admin_user: User, acme: Organization, ninety_minutes: None
) -> None:
    query = {
        "organization": str(acme.pk),
        "block_hours": "10",
        "block_incidents": "10",
        "cap_hours": "100",
        "capped_fee": "300",
        "agreement_fee": "1000.50",
    }
    html = _client(admin_user).get(URL, query).content.decode()
    assert "300.00 EUR" in _row(html, "capped")
    assert "1000.50 EUR" in _row(html, "agreement")
    # Pay as you go and per minute tie at 135.00 with no phone work; the first listed wins.
    assert 'class="recommended"' in _row(html, "payg")
    assert "Its term fee was assumed" not in html


def test_a_smaller_block_changes_the_bank(
    agent: User, acme: Organization, ninety_minutes: None
) -> None:
    html = (
        _client(agent).get(URL, {"organization": str(acme.pk), "block_hours": "2"}).content.decode()
    )
    assert "160.00 EUR" in _row(html, "bank_hours")  # one block of 2 h at 80.00


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"capped_fee": "10.005"}, "EUR amounts have at most 2 decimals."),
        ({"block_hours": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"organization": "999999"}, "Select a valid choice."),
    ],
)
def test_bad_input_is_shown_on_the_form_without_advice(
    agent: User, acme: Organization, query: dict[str, str], message: str
) -> None:
    page = _client(agent).get(URL, {"organization": str(acme.pk), **query})
    html = page.content.decode()
    assert page.status_code == 200
    assert message in html
    assert 'data-testid="advice"' not in html


def test_only_agents_and_admins_open_the_page(customer: User, acme: Organization) -> None:
    assert _client(customer).get(URL, {"organization": acme.pk}).status_code == 403
    assert Client().get(URL).status_code == 302  # to the login page
