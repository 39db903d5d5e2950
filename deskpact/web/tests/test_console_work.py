"""The contract panel and work logging on the console ticket page, through HTTP."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client

from deskpact.accounts.models import Organization, User
from deskpact.contracts import services as contracts
from deskpact.contracts.models import Call, Contract, LedgerEntry, WorkLog, WorkTimer
from deskpact.core.models import AuditEntry
from deskpact.testing.factories import QueueFactory, UserFactory
from deskpact.tickets import services
from deskpact.tickets.models import Ticket
from deskpact.web.tests.test_console_query_counts import TICKET_PAGE

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
START = date(2025, 1, 1)
AssertNumQueries = Callable[..., Any]


@pytest.fixture(autouse=True)
def _clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def agent_client(client: Client, agent: User) -> Client:
    client.force_login(agent)
    return client


def url(ticket: Ticket, action: str = "") -> str:
    return f"/console/tickets/{ticket.key}/{action + '/' if action else ''}"


def names(response: Any) -> list[str]:
    return [t.name for t in response.templates]


def text_of(page: str, testid: str) -> str:
    """The text of the element with `data-testid`, tags stripped."""
    found = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</(?:p|dd|span|small|td)>', page, re.S)
    assert found, f"no {testid} on the page"
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def open_ticket(requester: User, channel: str = Ticket.Channel.WEB) -> Ticket:
    return services.open_ticket(
        requester=requester,
        submitter=requester,
        subject="Printer on fire",
        body="It smokes when printing.",
        channel=channel,
    )


def bank(organization: Organization, by: User, *, hours: int = 10, **fields: Any) -> Contract:
    """A bank of `hours`, bought in one block for 500.00 EUR."""
    contract = contracts.create_contract(
        organization,
        by=by,
        name="Support bank",
        kind="bank",
        unit="hours",
        starts_on=START,
        **fields,
    )
    if hours:
        contracts.top_up_bank(contract, units=hours * 60, by=by, price_minor=50_000)
    return contract


def per_minute(organization: Organization, by: User, *, deposit_minor: int = 0) -> Contract:
    contract = contracts.create_contract(
        organization,
        by=by,
        name="Hotline",
        kind="per_minute",
        starts_on=START,
        minute_rate=Decimal("1.50"),
    )
    if deposit_minor:
        contracts.pay_deposit(contract, amount_minor=deposit_minor, by=by)
    return contract


# The panel -------------------------------------------------------------------------------


def test_a_ticket_under_a_bank_shows_used_and_remaining_as_hours_and_minutes(
    agent_client: Client, agent: User, admin_user: User, customer: User, acme: Organization
) -> None:
    bank(acme, admin_user, hours=10)
    ticket = open_ticket(customer)
    contracts.log_work(ticket, agent=agent, minutes=95)
    page = agent_client.get(url(ticket)).content.decode()
    assert text_of(page, "entitlement") == "Entitled"
    assert text_of(page, "contract-name").startswith("Support bank")
    assert "Prepaid bank" in page
    assert text_of(page, "contract-used") == "1:35 h"
    assert text_of(page, "contract-bought") == "10:00 h"
    assert text_of(page, "contract-remaining") == "8:25 h"
    assert 'data-testid="contract-warnings"' not in page
    assert 'id="override-form"' not in page


def test_the_low_balance_warning_from_the_summary_is_shown(
    agent_client: Client, agent: User, admin_user: User, customer: User, acme: Organization
) -> None:
    bank(acme, admin_user, hours=2, threshold_units=30)
    ticket = open_ticket(customer)
    contracts.log_work(ticket, agent=agent, minutes=100)
    page = agent_client.get(url(ticket)).content.decode()
    assert text_of(page, "contract-remaining") == "0:20 h"
    assert "The bank is at or below its low-balance threshold." in page


def test_a_requester_the_contract_does_not_name_is_not_authorized_with_an_override(
    agent_client: Client, admin_user: User, customer: User, acme: Organization
) -> None:
    named = UserFactory.create(organization=acme, name="Nora Named")
    bank(acme, admin_user, contacts_policy="named", authorized_contacts=[named])
    ticket = open_ticket(customer)
    assert ticket.entitlement == "not_authorized"
    page = agent_client.get(url(ticket)).content.decode()
    assert text_of(page, "entitlement") == "Not authorized"
    assert "not an authorized contact of this contract" in page
    assert 'class="entitlement entitlement-not_authorized"' in page
    assert 'id="override-form"' in page and 'for="override_reason"' in page


def test_a_bank_used_up_under_block_is_exhausted(
    agent_client: Client, admin_user: User, customer: User, acme: Organization
) -> None:
    bank(acme, admin_user, hours=0, exhaustion="block")
    ticket = open_ticket(customer)
    page = agent_client.get(url(ticket)).content.decode()
    assert text_of(page, "entitlement") == "Exhausted"
    assert text_of(page, "contract-remaining") == "0:00 h"
    assert "The bank is used up: new tickets are flagged exhausted." in page
    assert 'id="override-form"' not in page


def test_a_ticket_without_a_contract_says_so(agent_client: Client, customer: User) -> None:
    ticket = open_ticket(customer)
    page = agent_client.get(url(ticket)).content.decode()
    assert text_of(page, "entitlement") == "No contract"
    assert "No active contract covers this ticket" in page
    assert 'data-testid="contract-name"' not in page
    assert 'id="move-form"' not in page  # Acme has no contract to move it to
    assert text_of(page, "no-worklogs") == "No work logged yet."


def test_incidents_are_counted_and_a_deposit_is_money(
    agent_client: Client,
    agent: User,
    admin_user: User,
    customer: User,
    other_customer: User,
    acme: Organization,
    globex: Organization,
) -> None:
    contracts.create_contract(
        acme,
        by=admin_user,
        name="Ten incidents",
        kind="capped",
        unit="incidents",
        cap_units=10,
        starts_on=START,
    )
    ticket = open_ticket(customer)
    contracts.log_work(ticket, agent=agent, minutes=30)
    services.change_status(ticket, to="resolved", by=agent)  # consumes its incident
    page = agent_client.get(url(ticket)).content.decode()
    assert text_of(page, "contract-used") == "1 incident"
    assert text_of(page, "contract-cap") == "10 incidents"
    assert text_of(page, "contract-remaining") == "9 incidents"

    per_minute(globex, admin_user, deposit_minor=10_000)
    call_ticket = open_ticket(other_customer, channel=Ticket.Channel.PHONE)
    page = agent_client.get(url(call_ticket)).content.decode()
    assert text_of(page, "contract-deposit") == "100.00 EUR"
    assert text_of(page, "contract-used") == "0 agent-minutes"


def test_the_page_reads_a_fixed_number_of_statements_whatever_the_logs_and_contracts(
    agent_client: Client,
    agent: User,
    admin_user: User,
    customer: User,
    acme: Organization,
    django_assert_num_queries: AssertNumQueries,
) -> None:
    bank(acme, admin_user, hours=100)
    ticket = open_ticket(customer)
    contracts.log_work(ticket, agent=agent, minutes=10)
    # The contract panel under a contract: its balance, and its use for the run-out date.
    with django_assert_num_queries(TICKET_PAGE + 2):
        assert agent_client.get(url(ticket)).status_code == 200
    colleagues = UserFactory.create_batch(3, role=User.Role.AGENT)
    for i in range(12):
        contracts.log_work(ticket, agent=colleagues[i % 3], minutes=5 + i, note=f"step {i}")
    contracts.log_call(ticket, agents=colleagues, minutes=7, started_at=NOW, by=agent)
    for kind in ("agreement", "payg", "per_incident"):
        contracts.create_contract(acme, by=admin_user, name=kind, kind=kind, starts_on=START)
    contracts.start_timer(ticket, agent=agent)
    with django_assert_num_queries(TICKET_PAGE + 2):
        page = agent_client.get(url(ticket)).content.decode()
    assert page.count('data-testid="worklog"') == 16
    assert page.count("Call · 3 agents") == 3
    assert page.count('<option value="') >= 5  # the move form offers every active contract


# Work logged by hand ---------------------------------------------------------------------


def test_an_htmx_log_returns_both_panels_and_debits_the_bank(
    agent_client: Client, agent: User, admin_user: User, customer: User, acme: Organization
) -> None:
    contract = bank(acme, admin_user, hours=10)
    ticket = open_ticket(customer)
    response = agent_client.post(
        url(ticket, "work"),
        {"minutes": "45", "channel": "phone", "is_billable": "on", "note": "Walked them through"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "console/tickets/_work_update.html" in names(response)
    assert "console/tickets/detail.html" not in names(response)
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="contract-panel" class="card contract-panel"' in html
    assert html.count('hx-swap-oob="true"') == 2  # the contract panel and the flash
    assert text_of(html, "contract-remaining") == "9:15 h"
    assert "Logged 0:45." in html and "Walked them through" in html
    log = WorkLog.objects.get(ticket=ticket)
    assert (log.agent, log.minutes, log.channel, log.is_billable) == (agent, 45, "phone", True)
    assert log.started_at == NOW - timedelta(minutes=45)
    assert log.contract == contract
    assert sum(e.units for e in LedgerEntry.objects.filter(work_log=log)) == -45


def test_a_plain_log_redirects_to_the_work_section(
    agent_client: Client, agent: User, customer: User
) -> None:
    ticket = open_ticket(customer)
    response = agent_client.post(
        url(ticket, "work"),
        {"minutes": "30", "started_at": "2025-03-03T07:15", "channel": "email", "note": ""},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/console/tickets/{ticket.key}/#work"
    page = agent_client.get(response["Location"]).content.decode()
    assert "Logged 0:30." in page
    log = WorkLog.objects.get(ticket=ticket)
    assert log.started_at == datetime(2025, 3, 3, 7, 15, tzinfo=UTC)
    assert not log.is_billable  # an unticked box
    assert log.contract is None  # no contract: logged, not rated
    assert text_of(page, "worklog-time") == "0:30"
    assert text_of(page, "work-total") == "0:30 h logged"


def test_negative_minutes_come_back_on_the_form_and_nothing_is_logged(
    agent_client: Client, admin_user: User, customer: User, acme: Organization
) -> None:
    bank(acme, admin_user)
    ticket = open_ticket(customer)
    for headers in (HTMX, {}):
        response = agent_client.post(
            url(ticket, "work"), {"minutes": "-5", "channel": "web"}, headers=headers
        )
        assert response.status_code == 200
        html = response.content.decode()
        assert re.search(
            r'<div class="field invalid">\s*<label for="work_minutes">Minutes</label>', html
        )
        assert "Log a positive whole number of minutes." in html
    assert not WorkLog.objects.exists()
    assert not LedgerEntry.objects.filter(kind="work_rated").exists()


def test_work_in_the_future_is_refused_by_the_service_on_its_field(
    agent_client: Client, customer: User
) -> None:
    ticket = open_ticket(customer)
    response = agent_client.post(
        url(ticket, "work"),
        {"minutes": "10", "started_at": "2025-03-04T09:00", "channel": "web"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "Work cannot start in the future." in response.content.decode()
    assert not WorkLog.objects.exists()


def test_an_overdraft_refusal_names_the_problem(
    agent_client: Client, admin_user: User, customer: User, acme: Organization
) -> None:
    bank(acme, admin_user, hours=1, overdraft_units=30)
    ticket = open_ticket(customer)
    response = agent_client.post(
        url(ticket, "work"), {"minutes": "120", "channel": "web", "is_billable": "on"}, headers=HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "past its overdraft limit of 30 minutes; 90 minutes can still be logged" in html
    assert not WorkLog.objects.exists()


# The timer --------------------------------------------------------------------------------


def test_a_timer_survives_a_reload_and_logs_its_minutes_when_stopped(
    agent_client: Client,
    agent: User,
    admin_user: User,
    customer: User,
    acme: Organization,
    _clock: time_machine.Traveller,
) -> None:
    bank(acme, admin_user, hours=10)
    ticket = open_ticket(customer)
    response = agent_client.post(url(ticket, "timer/start"), headers=HTMX)
    assert response.status_code == 200
    assert "Timer running since 09:00." in response.content.decode()
    assert WorkTimer.objects.get(ticket=ticket, agent=agent).started_at == NOW

    _clock.move_to(NOW + timedelta(minutes=25, seconds=10))
    page = agent_client.get(url(ticket)).content.decode()  # a reload
    assert "Timer running since" in page
    assert text_of(page, "timer-elapsed") == "0:25:10"
    assert 'data-timer-elapsed="1510"' in page
    assert "deskpact/worktimer.js" in page

    response = agent_client.post(url(ticket, "timer/stop"), {"note": "Replaced the fuser"})
    assert response.status_code == 302
    log = WorkLog.objects.get(ticket=ticket)
    assert (log.minutes, log.started_at, log.note) == (26, NOW, "Replaced the fuser")  # 25:10
    assert not WorkTimer.objects.exists()
    page = agent_client.get(response["Location"]).content.decode()
    assert "Timer stopped: logged 0:26." in page
    assert text_of(page, "contract-remaining") == "9:34 h"
    assert 'id="timer-toggle">Start timer<' in page


def test_each_agent_has_their_own_timer(
    client: Client, agent: User, customer: User, _clock: time_machine.Traveller
) -> None:
    colleague = UserFactory.create(role=User.Role.AGENT)
    ticket = open_ticket(customer)
    contracts.start_timer(ticket, agent=colleague)
    client.force_login(agent)
    page = client.get(url(ticket)).content.decode()
    assert "Timer running since" not in page
    response = client.post(url(ticket, "timer/stop"), headers=HTMX)
    assert response.status_code == 200
    assert "No timer is running on this ticket." in response.content.decode()
    assert WorkTimer.objects.get().agent == colleague and not WorkLog.objects.exists()


def test_a_timer_that_cannot_be_logged_keeps_running(
    agent_client: Client,
    agent: User,
    admin_user: User,
    other_customer: User,
    _clock: time_machine.Traveller,
    globex: Organization,
) -> None:
    per_minute(globex, admin_user)  # no deposit, no card
    ticket = open_ticket(other_customer, channel=Ticket.Channel.PHONE)
    agent_client.post(url(ticket, "timer/start"), headers=HTMX)
    _clock.move_to(NOW + timedelta(minutes=3))
    response = agent_client.post(url(ticket, "timer/stop"), headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "no deposit left and no card on file" in html
    assert "Timer running since" in html
    assert WorkTimer.objects.filter(ticket=ticket, agent=agent).exists()
    assert not WorkLog.objects.exists()


# Calls -----------------------------------------------------------------------------------


def test_a_call_with_three_agents_for_14_minutes_draws_42_agent_minutes_from_the_deposit(
    agent_client: Client, agent: User, admin_user: User, other_customer: User, globex: Organization
) -> None:
    contract = per_minute(globex, admin_user, deposit_minor=10_000)
    ticket = open_ticket(other_customer, channel=Ticket.Channel.PHONE)
    ann = UserFactory.create(role=User.Role.AGENT, name="Ann Agent")
    ben = UserFactory.create(role=User.Role.AGENT, name="Ben Agent")
    response = agent_client.post(
        url(ticket, "call"),
        {
            "agents": [str(agent.pk), str(ann.pk), str(ben.pk)],
            "minutes": "14",
            "started_at": "2025-03-03T08:30",
            "note": "Conference call",
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Call of 14 min logged for 3 agents (42 agent-minutes)." in html
    call = Call.objects.get(ticket=ticket)
    assert (call.minutes, call.logged_by, call.started_at) == (
        14,
        agent,
        datetime(2025, 3, 3, 8, 30, tzinfo=UTC),
    )
    logs = WorkLog.objects.filter(call=call)
    assert sorted(log.agent.name for log in logs) == ["Ann Agent", "Ben Agent", "Sam Agent"]
    assert {(log.minutes, log.channel, log.logged_by_id) for log in logs} == {
        (14, "phone", agent.pk)
    }
    # 42 agent-minutes at 1.50 EUR: 63.00 EUR drawn from the 100.00 EUR deposit.
    rows = LedgerEntry.objects.filter(contract=contract, kind="work_rated")
    assert -sum(r.units for r in rows) == 42
    assert -sum(r.prepaid_minor for r in rows) == 6_300
    assert text_of(html, "contract-used") == "42 agent-minutes"
    assert text_of(html, "contract-deposit") == "37.00 EUR"
    assert html.count("Call · 3 agents") == 3


def test_a_call_on_a_per_minute_contract_without_a_deposit_is_refused_whole(
    agent_client: Client, agent: User, admin_user: User, other_customer: User, globex: Organization
) -> None:
    per_minute(globex, admin_user)
    ticket = open_ticket(other_customer, channel=Ticket.Channel.PHONE)
    colleague = UserFactory.create(role=User.Role.AGENT)
    for headers in (HTMX, {}):
        response = agent_client.post(
            url(ticket, "call"),
            {"agents": [str(agent.pk), str(colleague.pk)], "minutes": "14"},
            headers=headers,
        )
        assert response.status_code == 200
        html = response.content.decode()
        assert (
            "This per-minute contract has no deposit left and no card on file: take a deposit "
            "or record a card before logging a call." in html
        )
        assert re.search(r'<details class="call-log" open>', html)
    assert not Call.objects.exists() and not WorkLog.objects.exists()


def test_a_call_needs_an_agent_and_positive_minutes(agent_client: Client, customer: User) -> None:
    ticket = open_ticket(customer)
    response = agent_client.post(url(ticket, "call"), {"minutes": "0"}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Name at least one agent on the call." in html
    assert "Log a positive whole number of minutes." in html
    assert not Call.objects.exists()


def test_only_agents_of_the_ticket_queue_may_be_named_on_a_call(
    agent_client: Client, customer: User
) -> None:
    ticket = open_ticket(customer)  # in the default queue
    elsewhere = UserFactory.create(role=User.Role.AGENT, name="Elsewhere Agent")
    QueueFactory.create(slug="billing", name="Billing").agents.add(elsewhere)
    assert "Elsewhere Agent" not in agent_client.get(url(ticket)).content.decode()
    response = agent_client.post(
        url(ticket, "call"), {"agents": [str(elsewhere.pk), str(customer.pk)], "minutes": "5"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not WorkLog.objects.exists()


# The ticket's contract -------------------------------------------------------------------


def test_an_agent_moves_the_ticket_to_another_contract_and_it_is_audited(
    agent_client: Client, agent: User, admin_user: User, customer: User, acme: Organization
) -> None:
    first = bank(acme, admin_user)
    agreement = contracts.create_contract(
        acme, by=admin_user, name="Premium agreement", kind="agreement", starts_on=START
    )
    ticket = open_ticket(customer)
    assert ticket.contract == agreement  # agreements come first
    response = agent_client.post(url(ticket, "contract"), {"contract": str(first.pk)}, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Moved to Support bank: Entitled." in html
    assert text_of(html, "contract-name").startswith("Support bank")
    assert 'id="work" class="card work" aria-labelledby="work-title" hx-swap-oob="true"' in html
    ticket.refresh_from_db()
    assert ticket.contract == first and ticket.entitlement == "entitled"
    entry = AuditEntry.objects.get(action="ticket.contract_changed")
    assert entry.actor == agent
    assert entry.before == {"contract": agreement.pk, "entitlement": "entitled"}
    assert entry.after == {"contract": first.pk, "entitlement": "entitled"}

    response = agent_client.post(url(ticket, "contract"), {"contract": "none"})
    assert response["Location"] == f"/console/tickets/{ticket.key}/#contract-panel"
    ticket.refresh_from_db()
    assert ticket.contract is None and ticket.entitlement == "no_contract"


def test_a_contract_of_another_organization_is_not_offered(
    agent_client: Client, admin_user: User, customer: User, globex: Organization
) -> None:
    theirs = bank(globex, admin_user)
    ticket = open_ticket(customer)
    response = agent_client.post(
        url(ticket, "contract"), {"contract": str(theirs.pk)}, headers=HTMX
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.contract is None
    assert not AuditEntry.objects.filter(action="ticket.contract_changed").exists()


def test_an_override_needs_a_reason_and_is_audited(
    agent_client: Client, agent: User, admin_user: User, customer: User, acme: Organization
) -> None:
    named = UserFactory.create(organization=acme)
    bank(acme, admin_user, contacts_policy="named", authorized_contacts=[named])
    ticket = open_ticket(customer)
    response = agent_client.post(url(ticket, "contract/override"), {"reason": "  "}, headers=HTMX)
    assert response.status_code == 200
    assert "Say why the contact is accepted." in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.entitlement == "not_authorized"

    response = agent_client.post(
        url(ticket, "contract/override"),
        {"reason": "Named contact is on leave; manager approved"},
        headers=HTMX,
    )
    html = response.content.decode()
    assert "Contact accepted: entitled." in html
    assert text_of(html, "entitlement") == "Entitled"
    assert 'id="override-form"' not in html
    ticket.refresh_from_db()
    assert ticket.entitlement == "entitled"
    entry = AuditEntry.objects.get(action="ticket.authorization_overridden")
    assert entry.actor == agent and entry.object_id == str(ticket.pk)
    assert entry.after == {
        "entitlement": "entitled",
        "reason": "Named contact is on leave; manager approved",
    }

    response = agent_client.post(url(ticket, "contract/override"), {"reason": "Again"})
    assert response.status_code == 200  # no longer not authorized: refused on the form
    assert "This ticket is not marked not authorized." in response.content.decode()
    assert AuditEntry.objects.filter(action="ticket.authorization_overridden").count() == 1


# Who may ---------------------------------------------------------------------------------

ACTIONS = {
    "work": {"minutes": "10", "channel": "web"},
    "timer/start": {},
    "timer/stop": {},
    "call": {"minutes": "10"},
    "contract": {"contract": "none"},
    "contract/override": {"reason": "Because"},
}


def test_customers_get_403_and_strangers_the_login_page_on_every_work_url(
    client: Client, admin_user: User, customer: User, acme: Organization
) -> None:
    named = UserFactory.create(organization=acme)
    bank(acme, admin_user, contacts_policy="named", authorized_contacts=[named])
    ticket = open_ticket(customer)  # their own ticket
    for action, data in ACTIONS.items():
        response = client.post(url(ticket, action), data)
        assert response.status_code == 302, action
        assert response["Location"].startswith("/login/?next="), action
    client.force_login(customer)
    for action, data in ACTIONS.items():
        assert client.post(url(ticket, action), data).status_code == 403, action
        assert client.post(url(ticket, action), data, headers=HTMX).status_code == 403, action
    ticket.refresh_from_db()
    assert ticket.entitlement == "not_authorized" and ticket.contract is not None
    assert not WorkLog.objects.exists() and not WorkTimer.objects.exists()


def test_the_work_urls_take_only_posts_and_known_tickets(
    agent_client: Client, customer: User
) -> None:
    ticket = open_ticket(customer)
    for action in ACTIONS:
        assert agent_client.get(url(ticket, action)).status_code == 405, action
    assert agent_client.post("/console/tickets/DP-999999/work/", ACTIONS["work"]).status_code == 404


def test_an_agent_limited_to_another_queue_cannot_log_on_the_ticket(
    client: Client, customer: User
) -> None:
    ticket = open_ticket(customer)  # in the default queue
    limited = UserFactory.create(role=User.Role.AGENT)
    QueueFactory.create(slug="billing", name="Billing").agents.add(limited)
    client.force_login(limited)
    for action, data in ACTIONS.items():
        assert client.post(url(ticket, action), data).status_code == 404, action
    assert not WorkLog.objects.exists() and not WorkTimer.objects.exists()
