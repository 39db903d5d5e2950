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
