"""An agent times work on a ticket under a bank in real Chromium: the timer survives a reload."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from deskpact.accounts.models import Organization, User
from deskpact.contracts import services as contracts
from deskpact.contracts.models import WorkLog, WorkTimer
from deskpact.tickets import services
from deskpact.tickets.models import Ticket

ARTIFACTS = Path("test-artifacts")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_agent_times_work_under_a_bank_and_sees_the_balance_go_down(
    page: Page,
    live_server: Any,
    agent: User,
    admin_user: User,
    customer: User,
    acme: Organization,
    password: str,
) -> None:
    contract = contracts.create_contract(
        acme,
        by=admin_user,
        name="Support bank",
        kind="bank",
        unit="hours",
        starts_on=timezone.localdate() - timedelta(days=30),
    )
    contracts.top_up_bank(contract, units=600, by=admin_user, price_minor=50_000)
    ticket = services.open_ticket(
        requester=customer,
        submitter=customer,
        subject="Printer on fire",
        body="It smokes when printing.",
        channel=Ticket.Channel.WEB,
    )
    base = str(live_server)
    page.goto(f"{base}/login/?next=/console/tickets/{ticket.key}/")
    page.get_by_label("Email").fill(agent.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/console/tickets/{ticket.key}/")

    panel = page.locator("#contract-panel")
    expect(panel.get_by_test_id("entitlement")).to_have_text("Entitled")
    expect(panel.get_by_test_id("contract-name")).to_contain_text("Support bank")
    expect(panel.get_by_test_id("contract-remaining")).to_have_text("10:00 h")

    page.evaluate("window.__stillHere = 'yes'")  # gone if a request reloads the page
    page.get_by_role("button", name="Start timer").click()
    expect(page.locator("#flash")).to_contain_text("Timer running since")
    expect(page.get_by_role("button", name="Stop and log")).to_be_focused()
    assert page.evaluate("window.__stillHere") == "yes"

    # Twenty-five minutes of work pass: the start time is the database's, not the page's.
    timer = WorkTimer.objects.get(ticket=ticket, agent=agent)
    WorkTimer.objects.filter(pk=timer.pk).update(
        started_at=timer.started_at - timedelta(minutes=25)
    )

    page.reload()
    elapsed = page.get_by_test_id("timer-elapsed")
    expect(page.get_by_test_id("timer")).to_contain_text("Timer running since")
    expect(elapsed).to_have_text(re.compile(r"^0:25:\d\d$"))
    shown = elapsed.inner_text()
    expect(elapsed).not_to_have_text(shown, timeout=3000)  # it counts up in the page
    page.screenshot(path=str(ARTIFACTS / "console-worklog-timer.png"), full_page=True)

    page.evaluate("window.__stillHere = 'yes'")
    page.get_by_label("Note for the log").fill("Replaced the fuser")
    page.get_by_role("button", name="Stop and log").click()
    expect(page.locator("#flash")).to_contain_text("Timer stopped: logged 0:26.")
    row = page.get_by_test_id("worklog")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Sam Agent")
    expect(row).to_contain_text("0:26")
    expect(row).to_contain_text("Replaced the fuser")
    expect(panel.get_by_test_id("contract-used")).to_have_text("0:26 h")
    expect(panel.get_by_test_id("contract-remaining")).to_have_text("9:34 h")
    expect(page.get_by_role("button", name="Start timer")).to_be_visible()
    assert page.evaluate("window.__stillHere") == "yes"
    page.screenshot(path=str(ARTIFACTS / "console-worklog-logged.png"), full_page=True)

    log = WorkLog.objects.get(ticket=ticket)
    assert (log.agent, log.minutes, log.contract) == (agent, 26, contract)
    assert not WorkTimer.objects.exists()
