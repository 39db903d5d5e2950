"""The portal and the public form in a real Chromium: sign in, submit with a file, find it,
open it, download the file; and a stranger's request through the public form."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from deskpact.accounts.models import User
from deskpact.testing.factories import QueueFactory
from deskpact.tickets import services
from deskpact.tickets.models import Ticket

ARTIFACTS = Path("test-artifacts")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_customer_submits_a_ticket_with_a_file_finds_it_and_opens_it(
    page: Page, live_server: Any, customer: User, password: str
) -> None:
    base = str(live_server)
    page.goto(f"{base}/portal/")
    page.get_by_label("Email").fill(customer.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/portal/")
    expect(page.get_by_test_id("no-tickets")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "portal-empty.png"), full_page=True)

    page.get_by_role("link", name="New ticket").click()
    page.get_by_label("Subject").fill("Invoices do not print")
    page.get_by_label("Describe the problem").fill("Since Monday the print button does nothing.")
    page.get_by_label("Priority").select_option("high")
    page.get_by_label("Attachments").set_input_files(
        {"name": "console.log", "mimeType": "text/plain", "buffer": b"TypeError: print is null"}
    )
    page.screenshot(path=str(ARTIFACTS / "portal-new-ticket.png"), full_page=True)
    page.get_by_role("button", name="Submit ticket").click()

    ticket = Ticket.objects.get()
    expect(page).to_have_url(f"{base}/portal/tickets/{ticket.key}/")
    expect(page.get_by_role("status")).to_contain_text(f"Ticket {ticket.key} was created")
    expect(page.get_by_test_id("ticket-subject")).to_have_text("Invoices do not print")
    link = page.get_by_test_id("attachment")
    expect(link).to_have_text("console.log")
    with page.expect_download() as info:
        link.click()
    assert info.value.suggested_filename == "console.log"
    assert Path(info.value.path()).read_bytes() == b"TypeError: print is null"
    page.screenshot(path=str(ARTIFACTS / "portal-ticket.png"), full_page=True)

    page.get_by_role("link", name="← All tickets").click()
    row = page.get_by_test_id("ticket-list").get_by_role("row").filter(has_text=ticket.key)
    expect(row).to_contain_text("Received")
    page.screenshot(path=str(ARTIFACTS / "portal-list.png"), full_page=True)
    row.get_by_role("link", name="Invoices do not print").click()
    expect(page).to_have_url(f"{base}/portal/tickets/{ticket.key}/")
    expect(page.get_by_test_id("thread")).to_contain_text("the print button does nothing")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_stranger_sends_the_public_form_with_the_keyboard(page: Page, live_server: Any) -> None:
    QueueFactory.create(name="Support", slug="support", is_default=True)
    page.goto(f"{live_server}/submit/")
    page.get_by_label("Your name").focus()
    page.keyboard.type("Dana")
    page.keyboard.press("Tab")
    page.keyboard.type("dana@example.org")
    page.keyboard.press("Tab")  # past the help text, not into the hidden honeypot
    page.keyboard.type("Where is my order?")
    page.keyboard.press("Tab")
    page.keyboard.type("Ordered last week, nothing yet.")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Send request")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/submit/support/thanks/\?receipt="))
    ticket = Ticket.objects.get()
    expect(page.get_by_test_id("ticket-key")).to_have_text(ticket.key)
    assert ticket.requester.email == "dana@example.org" and ticket.subject == "Where is my order?"
    page.screenshot(path=str(ARTIFACTS / "portal-public-form-thanks.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_customer_rates_a_resolved_ticket_from_the_mail_link(
    page: Page, live_server: Any, customer: User, agent: User, password: str
) -> None:
    ticket = services.open_ticket(
        requester=customer, submitter=customer, subject="VPN drops", body="Hourly.", channel="web"
    )
    services.post_reply(ticket, author=agent, body="New profile installed.")
    services.change_status(ticket, to=Ticket.Status.RESOLVED, by=agent)
    page.goto(f"{live_server}/portal/tickets/{ticket.key}/#rate")  # the resolution mail's link
    page.get_by_label("Email").fill(customer.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()

    rating = page.get_by_role("group", name="How did we do?")
    expect(rating).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "portal-rate.png"), full_page=True)
    rating.get_by_label("4: Good").check()
    page.get_by_label("Comment").fill("Fixed fast.")
    page.get_by_role("button", name="Send rating").click()
    expect(page.get_by_test_id("rated")).to_contain_text("4 out of 5")
    assert ticket.ratings.get().score == 4
