"""The admin's license page and the warning banner admins see on every page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from deskpact.accounts.models import User
from deskpact.licensing.models import InstalledLicense
from deskpact.testing.licenses import IssueKey

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_shows_the_evaluation_license_and_seats(admin_user: User, agent: User) -> None:
    page = _client(admin_user).get("/license/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "In force: Evaluation" in html and "5 named" in html
    assert "2 licensed users, 3 free" in html


def test_an_admin_installs_a_key_from_the_page(admin_user: User, issue_key: IssueKey) -> None:
    client = _client(admin_user)
    response = client.post("/license/", {"key": issue_key(seats=30)}, follow=True)
    html = response.content.decode()
    assert "License for Acme Support Ltd installed." in html
    assert "In force: Acme Support Ltd" in html and "30 named" in html
    assert InstalledLicense.objects.count() == 1


def test_a_bad_key_is_shown_on_the_form_and_changes_nothing(admin_user: User) -> None:
    response = _client(admin_user).post("/license/", {"key": "DPL1.short"})
    assert response.status_code == 200
    assert "three parts" in response.content.decode()
    assert InstalledLicense.objects.count() == 0


def test_agents_may_not_open_the_page(agent: User, customer: User) -> None:
    assert _client(agent).get("/license/").status_code == 403
    assert _client(customer).get("/license/").status_code == 403
    assert Client().get("/license/").status_code == 302  # to the login page


def test_admins_are_warned_on_every_page_before_the_license_ends(
    admin_user: User, agent: User, issue_key: IssueKey
) -> None:
    ends = timezone.localdate() + timedelta(days=11)
    _client(admin_user).post("/license/", {"key": issue_key(valid_until=ends)})
    banner = "in 25 days the desk falls back to evaluation limits"  # 11 + 14 grace days
    assert banner in _client(admin_user).get("/console/").content.decode()
    assert banner not in _client(agent).get("/console/").content.decode()


def test_the_advisor_page_recommends_and_draws_the_curve(admin_user: User) -> None:
    from datetime import timedelta as td

    from deskpact.licensing.models import Presence
    from deskpact.testing.factories import UserFactory

    start = timezone.now() - td(days=3)
    for n, agent in enumerate(UserFactory.create_batch(6, role=User.Role.AGENT)):
        begun = start + td(hours=8 * (n % 3))  # three shifts of two
        Presence.objects.create(user=agent, started_at=begun, last_seen_at=begun + td(hours=6))
    query = "support_named=500&support_concurrent=1800&team_named=520&team_concurrent=1900"
    page = _client(admin_user).get(f"/license/advice/?days=30&{query}")
    html = page.content.decode()
    assert page.status_code == 200
    assert '<svg class="chart"' in html and "<polyline" in html
    # Seven people (the admin signing in too), two at once: 7 x 500 = 3500 named against
    # 2 x 1800 = 3600 concurrent.
    assert 'data-testid="option-support-named" class="recommended"' in html
    assert "7 people, at most 2 at once" in html and "saves -" not in html


def test_the_advisor_page_shows_a_bad_price_on_its_field(admin_user: User) -> None:
    page = _client(admin_user).get("/license/advice/?days=30&support_named=-1")
    html = page.content.decode()
    assert page.status_code == 200 and "greater than or equal to 0" in html
    assert '<svg class="chart"' not in html
