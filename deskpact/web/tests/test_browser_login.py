"""Sign in through the real page in Chromium and land on the right home."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from deskpact.accounts.models import User

ARTIFACTS = Path("test-artifacts")


def sign_in(page: Page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/")
    expect(page).to_have_url(f"{base_url}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_agent_signs_in_and_lands_in_the_console(
    page: Page, live_server: object, agent: User, password: str
) -> None:
    sign_in(page, str(live_server), agent.email.upper(), password)
    expect(page).to_have_url(f"{live_server}/console/")
    expect(page.get_by_test_id("console-home")).to_have_text("Agent console")
    expect(page.get_by_test_id("account-link")).to_have_text(agent.name)
    page.screenshot(path=str(ARTIFACTS / "login-agent-console.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_customer_signs_in_and_lands_in_the_portal(
    page: Page, live_server: object, customer: User, password: str
) -> None:
    sign_in(page, str(live_server), customer.email, password)
    expect(page).to_have_url(f"{live_server}/portal/")
    expect(page.get_by_test_id("portal-home")).to_have_text("Support portal")
    expect(page.get_by_text("Acme")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "login-customer-portal.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_wrong_password_shows_an_error_on_the_page(
    page: Page, live_server: object, customer: User
) -> None:
    sign_in(page, str(live_server), customer.email, "not-the-password")
    expect(page).to_have_url(f"{live_server}/login/")
    expect(page.get_by_role("alert")).to_contain_text("Email or password is wrong")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_when_every_concurrent_seat_is_taken_the_login_page_says_so(
    page: Page, live_server: object, agent: User, password: str
) -> None:
    from deskpact.licensing import leases, services
    from deskpact.testing import licenses
    from deskpact.testing.factories import UserFactory

    services.install_license(licenses.issue_key(seat_type="concurrent", seats=1), by=None)
    leases.checkout_seat(UserFactory.create(role=User.Role.AGENT))  # someone else works
    sign_in(page, str(live_server), agent.email, password)
    expect(page).to_have_url(f"{live_server}/login/")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("The one concurrent seat is in use")
    expect(alert).to_contain_text("The earliest seat frees at")
    page.screenshot(path=str(ARTIFACTS / "login-no-seat-free.png"), full_page=True)
