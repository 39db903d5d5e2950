"""Fixtures shared by every test: settings for tests, people and organizations."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from deskpact.accounts.models import Organization, User
from deskpact.licensing.leases import forget_renewals
from deskpact.licensing.services import remember_installed_license
from deskpact.mail.inbound import forget_desk_addresses
from deskpact.testing import licenses
from deskpact.testing.factories import OrganizationFactory, UserFactory

# Playwright's sync API runs an event loop in the test thread; Django must allow ORM use there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "quiet-harbour-lantern-42"


@pytest.fixture(autouse=True)
def _test_settings(settings: Any) -> None:
    # Manifest storage needs collectstatic; tests serve static files from the finders.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Argon2 on every created user would dominate the suite's time; one test checks Argon2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"token": None}}
    # Background work runs inside the request, so a test sees its mail and rows at once;
    # deskpact/core/tests/test_background.py covers the background thread itself.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # Each test's database starts with no license installed; the terms a previous test
    # installed are forgotten, and reading "none" costs no statement in query counts.
    remember_installed_license(None)
    forget_renewals()  # seat and presence renewals: each test's users start unseen
    forget_desk_addresses()  # each test's queues and mail sources are the desk's addresses
    settings.LICENSE_PUBLIC_KEYS = [licenses.PUBLIC]  # the key `issue_key` signs with


@pytest.fixture
def issue_key() -> licenses.IssueKey:
    """Signed license keys the test desk trusts (deskpact/testing/licenses.py)."""
    return licenses.issue_key


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def acme(db: None) -> Organization:
    return OrganizationFactory.create(name="Acme", domains=["acme.example"])


@pytest.fixture
def globex(db: None) -> Organization:
    return OrganizationFactory.create(name="Globex", domains=["globex.example"])


@pytest.fixture
def admin_user(db: None) -> User:
    return UserFactory.create(email="ada@desk.example", name="Ada Admin", role=User.Role.ADMIN)


@pytest.fixture
def agent(db: None) -> User:
    return UserFactory.create(email="sam@desk.example", name="Sam Agent", role=User.Role.AGENT)


@pytest.fixture
def customer(acme: Organization) -> User:
    return UserFactory.create(email="alice@acme.example", name="Alice", organization=acme)


@pytest.fixture
def other_customer(globex: Organization) -> User:
    return UserFactory.create(email="bob@globex.example", name="Bob", organization=globex)


@pytest.fixture
def api_as() -> Callable[[User], APIClient]:
    """An API client signed in as the given person (session-less, like a token client)."""

    def make(user: User) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make
