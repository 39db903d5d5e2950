"""The portal's contracts page: a customer sees their organization's contracts, what is used
and left, recent consumption and the run-out day; nobody else's."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from deskpact.accounts.models import Organization, User
from deskpact.contracts import services
from deskpact.contracts.models import Contract
from deskpact.tickets import services as tickets
from deskpact.tickets.models import Ticket

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _bank(org: Organization, by: User, **fields: Any) -> Contract:
    terms: dict[str, Any] = {
        "name": "Support bank",
        "kind": "bank",
        "unit": "hours",
        "starts_on": TODAY - timedelta(days=100),
        "ends_on": TODAY + timedelta(days=265),
        **fields,
    }
    return services.create_contract(org, by=by, **terms)


def _ticket(requester: User, subject: str = "Slow reports") -> Ticket:
    return tickets.open_ticket(
        requester=requester, submitter=requester, subject=subject, body="Slow.", channel="web"
    )


def _used_bank(admin_user: User, agent: User, acme: Organization, customer: User) -> Contract:
    """A 20-hour bank with 15 hours used in the last 90 days: 5 hours left."""
    bank = _bank(acme, admin_user)
    services.top_up_bank(bank, units=1200, price_minor=180000, by=admin_user)
    ticket = _ticket(customer)
    now = timezone.now()
    services.log_work(
        ticket,
        agent=agent,
        minutes=600,
        started_at=now - timedelta(days=20),
        note="Internal: their admin broke the index again",
    )
    services.log_work(ticket, agent=agent, minutes=300, started_at=now - timedelta(days=5))
    return bank


def test_a_customer_sees_what_is_left_and_when_the_bank_runs_out(
    admin_user: User, agent: User, acme: Organization, customer: User
) -> None:
    bank = _used_bank(admin_user, agent, acme, customer)
    page = _client(customer).get("/portal/contracts/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-testid="used-{bank.pk}">15 h<' in html
    assert f'data-testid="remaining-{bank.pk}">5 h<' in html  # 1200 - 900 minutes
    # 900 minutes in 90 days is 10 a day: the 300 left last 30 more days.
    run_out = (TODAY + timedelta(days=30)).isoformat()
    assert f'data-testid="run-out-{bank.pk}">around {run_out}' in html


def test_recent_consumption_shows_ticket_and_quantity_but_no_notes(
    admin_user: User, agent: User, acme: Organization, customer: User
) -> None:
    bank = _used_bank(admin_user, agent, acme, customer)
    ticket = Ticket.objects.get()
    html = _client(customer).get("/portal/contracts/").content.decode()
    rows = html.split(f'data-testid="consumption-{bank.pk}"', 1)[1].split("</table>", 1)[0]
    assert ticket.key in rows and "Work (covered)" in rows
    assert "-10 h" in rows and "-5 h" in rows and "+20 h" in rows
    assert (TODAY - timedelta(days=5)).isoformat() in rows
    assert "their admin broke the index" not in html
    detail = _client(customer).get(f"/portal/contracts/{bank.pk}/").content.decode()
    assert "Block purchased" in detail and "their admin broke the index" not in detail


def test_an_adjustments_reason_stays_off_the_portal(
    admin_user: User, acme: Organization, customer: User
) -> None:
    bank = _bank(acme, admin_user)
    services.adjust(bank, by=admin_user, reason="Goodwill after the angry call", units=60)
    html = _client(customer).get(f"/portal/contracts/{bank.pk}/").content.decode()
    assert "Adjustment" in html and "angry call" not in html
    assert f'data-testid="remaining-{bank.pk}">1 h<' in html


def test_a_per_minute_contract_shows_the_deposit_left(
    admin_user: User, agent: User, acme: Organization, customer: User
) -> None:
    phone = services.create_contract(
        acme,
        by=admin_user,
        name="Hotline",
        kind="per_minute",
        starts_on=TODAY - timedelta(days=10),
        minute_rate="1.50",
    )
    services.pay_deposit(phone, amount_minor=10000, by=admin_user)
    call = tickets.open_ticket(
        requester=customer, submitter=agent, subject="Call", body="Called.", channel="phone"
    )
    assert call.contract_id == phone.pk
    services.log_work(call, agent=agent, minutes=10, channel="phone")
    html = _client(customer).get("/portal/contracts/").content.decode()
    # 10 agent-minutes at 1.50 EUR: 15.00 EUR drawn from the 100.00 EUR deposit.
    assert f'data-testid="deposit-{phone.pk}">85.00 EUR<' in html
    assert "15.00 EUR from the deposit" in html and "+100.00 EUR deposit" in html
    assert f'data-testid="used-{phone.pk}">10 agent-minutes<' in html


def test_another_organizations_contract_is_not_found(
    admin_user: User, acme: Organization, globex: Organization, customer: User
) -> None:
    ours = _bank(acme, admin_user, name="Acme bank")
    theirs = _bank(globex, admin_user, name="Globex bank")
    client = _client(customer)
    assert client.get(f"/portal/contracts/{theirs.pk}/").status_code == 404
    assert client.get(f"/portal/contracts/{ours.pk}/").status_code == 200
    html = client.get("/portal/contracts/").content.decode()
    assert "Acme bank" in html and "Globex bank" not in html


def test_a_customer_without_organization_sees_no_contracts(
    admin_user: User, acme: Organization
) -> None:
    loner = User.objects.create_user(email="lone@example.org", password="x" * 12)
    _bank(acme, admin_user)
    html = _client(loner).get("/portal/contracts/").content.decode()
    assert 'data-testid="no-contracts"' in html and "Support bank" not in html


def test_agents_are_sent_to_the_console(agent: User) -> None:
    response = _client(agent).get("/portal/contracts/")
    assert response.status_code == 302 and response["Location"] == "/console/"
    assert Client().get("/portal/contracts/").status_code == 302


def test_the_page_costs_the_same_queries_for_1_or_4_contracts(
    admin_user: User, agent: User, acme: Organization, customer: User
) -> None:
    client = _client(customer)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/portal/contracts/").status_code == 200
        return len(captured)

    _used_bank(admin_user, agent, acme, customer)
    with_1 = queries()
    for kind in ("agreement", "payg", "per_incident"):
        services.create_contract(
            acme, by=admin_user, name=kind, kind=kind, starts_on=TODAY, fee_minor=0
        )
    assert queries() == with_1


def test_the_ticket_page_shows_the_entitlement(
    admin_user: User, acme: Organization, customer: User
) -> None:
    bank = _bank(acme, admin_user, exhaustion="block")
    ticket = _ticket(customer)
    assert ticket.contract_id == bank.pk
    html = _client(customer).get(f"/portal/tickets/{ticket.key}/").content.decode()
    line = html.split('data-testid="ticket-entitlement">', 1)[1].split("</dd>", 1)[0]
    assert "Support bank" in line and ticket.get_entitlement_display() in line
