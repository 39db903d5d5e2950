"""The per-request reads of a signed-in page: the session row and its user."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from deskpact.accounts.backends import AccountBackend
from deskpact.accounts.models import Organization, User
from deskpact.accounts.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_the_backend_finds_an_active_user_with_their_organization(
    customer: User, acme: Organization
) -> None:
    found = AccountBackend().get_user(customer.pk)
    assert found == customer
    with CaptureQueriesContext(connection) as ctx:
        assert found is not None and found.organization == acme
    assert ctx.captured_queries == []


@pytest.mark.parametrize("user_id", [None, "", "abc", "12x", 10**30])
def test_the_backend_finds_nobody_for_an_id_that_is_not_one(user_id: object) -> None:
    assert AccountBackend().get_user(user_id) is None


def test_the_backend_finds_nobody_deactivated_or_unknown(customer: User) -> None:
    backend = AccountBackend()
    assert backend.get_user(customer.pk + 1000) is None
    customer.is_active = False
    customer.save(update_fields=["is_active"])
    assert backend.get_user(customer.pk) is None


def test_a_session_loads_until_it_expires() -> None:
    store = SessionStore()
    store["note"] = "kept"
    store.create()
    assert SessionStore(store.session_key)["note"] == "kept"
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    expired = SessionStore(store.session_key)
    assert expired.get("note") is None
    assert expired.session_key is None  # a new one will be issued


def test_an_unknown_session_key_loads_nothing() -> None:
    store = SessionStore("x" * 32)
    assert store.get("note") is None and store.session_key is None
