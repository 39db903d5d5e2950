"""An agent works a ticket in real Chromium: keyboard to open it, htmx for every action."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from deskpact.accounts.models import User
from deskpact.tickets import services
from deskpact.tickets.models import Ticket

ARTIFACTS = Path("test-artifacts")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_agent_takes_a_ticket_from_unassigned_replies_and_resolves_it_without_reloads(
    page: Page, live_server: object, agent: User, customer: User, password: str
) -> None:
    ticket = services.open_ticket(
        requester=customer,
        submitter=customer,
        subject="Printer on fire",
        body="It smokes when printing.",
        channel=Ticket.Channel.WEB,
    )
    base = str(live_server)
    page.goto(f"{base}/login/?next=/console/")
    page.get_by_label("Email").fill(agent.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("console-home")).to_have_text("Agent console")

    page.get_by_test_id("nav-unassigned").click()
    expect(page.get_by_test_id("list-title")).to_have_text("Unassigned")
    row = page.get_by_test_id(f"row-{ticket.key}")
    expect(row).to_contain_text("Printer on fire")
    page.screenshot(path=str(ARTIFACTS / "console-unassigned.png"), full_page=True)

    page.keyboard.press("j")  # highlight the first row, focus its link
    expect(row).to_have_class("is-current")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{base}/console/tickets/{ticket.key}/")
    expect(page.get_by_test_id("ticket-owner")).to_have_text("nobody")

    # Survives only as long as no request reloads the page.
    page.evaluate("window.__stillHere = 'yes'")

    page.keyboard.press("a")  # the shortcut clicks "Assign to me"
    expect(page.get_by_test_id("ticket-owner")).to_have_text(agent.name)
    expect(page.get_by_role("button", name="Assign to me")).to_be_disabled()

    page.keyboard.press("r")
    reply_box = page.get_by_label("Public reply")
    expect(reply_box).to_be_focused()
    reply_box.fill("We are sending a technician.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_test_id("reply")).to_contain_text("We are sending a technician.")
    expect(page.get_by_label("Public reply")).to_have_value("")
    expect(page.get_by_test_id("ticket-status")).to_have_text("Open")  # first reply opens it

    page.get_by_label("Status").select_option("resolved")
    page.locator("#status-submit").click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("Resolved")
    expect(page.locator("#history")).to_contain_text("Status Open → Resolved")
    expect(page.locator("#flash")).to_contain_text("Status is now Resolved.")

    assert page.evaluate("window.__stillHere") == "yes"
    page.screenshot(path=str(ARTIFACTS / "console-ticket.png"), full_page=True)

    ticket.refresh_from_db()
    assert ticket.owner_id == agent.pk and ticket.status == "resolved"
    assert ticket.messages.get().body == "We are sending a technician."
