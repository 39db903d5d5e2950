"""The whole life of a ticket in real Chromium, a customer and an agent side by side."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from deskpact.accounts.models import User
from deskpact.tickets.models import Ticket

ARTIFACTS = Path("test-artifacts")


def _sign_in(page: Page, base: str, email: str, password: str, start: str) -> None:
    page.goto(f"{base}{start}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_submit_assign_reply_resolve_rate(
    browser: Browser,
    live_server: Any,
    customer: User,
    agent: User,
    password: str,
    tmp_path: Path,
) -> None:
    base = str(live_server)
    customer_page = browser.new_context().new_page()
    agent_page = browser.new_context().new_page()

    # The customer submits with an attachment.
    _sign_in(customer_page, base, customer.email, password, "/portal/")
    customer_page.get_by_role("link", name="New ticket").click()
    customer_page.get_by_label("Subject").fill("Scanner jams on A3")
    customer_page.get_by_label("Describe the problem").fill("Every A3 sheet jams halfway.")
    log = tmp_path / "scanner.log"
    log.write_text("jam at sensor 4\n")
    customer_page.get_by_label("Attachments").set_input_files(str(log))
    customer_page.get_by_role("button", name="Submit ticket").click()
    ticket = Ticket.objects.get(subject="Scanner jams on A3")
    expect(customer_page.get_by_test_id("attachment")).to_contain_text("scanner.log")
    customer_page.screenshot(path=str(ARTIFACTS / "flow-1-portal-submitted.png"), full_page=True)

    # The agent finds it unassigned, takes it and replies.
    _sign_in(agent_page, base, agent.email, password, "/console/")
    agent_page.get_by_test_id("nav-unassigned").click()
    agent_page.get_by_test_id(f"row-{ticket.key}").get_by_role("link").first.click()
    expect(agent_page).to_have_url(f"{base}/console/tickets/{ticket.key}/")
    agent_page.get_by_role("button", name="Assign to me").click()
    expect(agent_page.get_by_test_id("ticket-owner")).to_have_text(agent.name)
    agent_page.get_by_label("Public reply").fill("Please clean sensor 4 with the brush.")
    agent_page.get_by_role("button", name="Send reply").click()
    expect(agent_page.locator("[data-testid=reply].from-agent")).to_contain_text("clean sensor 4")
    agent_page.screenshot(path=str(ARTIFACTS / "flow-2-console-replied.png"), full_page=True)

    # The customer sees the reply on the page and got it by mail.
    customer_page.reload()
    expect(customer_page.get_by_test_id("thread")).to_contain_text("clean sensor 4")
    replies = [m for m in mail.outbox if m.subject.startswith(f"Re: [{ticket.key}]")]
    assert [m.to for m in replies] == [[customer.email]]
    assert "clean sensor 4" in replies[0].body

    # The agent resolves; the customer rates from the resolution mail's link.
    agent_page.get_by_label("Status").select_option("resolved")
    agent_page.locator("#status-submit").click()
    expect(agent_page.get_by_test_id("ticket-status")).to_have_text("Resolved")
    assert any(m.subject.startswith(f"Resolved: [{ticket.key}]") for m in mail.outbox)
    customer_page.reload()  # the mail's link is this page's own #rate anchor
    customer_page.get_by_role("group", name="How did we do?").get_by_label("5").first.check()
    customer_page.get_by_role("button", name="Send rating").click()
    expect(customer_page.get_by_test_id("rated")).to_contain_text("5 out of 5")
    customer_page.screenshot(path=str(ARTIFACTS / "flow-3-portal-rated.png"), full_page=True)

    ticket.refresh_from_db()
    assert (ticket.status, ticket.owner_id) == ("resolved", agent.pk)
    assert ticket.first_response_at is not None and ticket.ratings.get().score == 5
