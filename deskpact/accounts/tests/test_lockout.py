"""Repeated wrong passwords lock the account on /login/ for a while (django-axes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from deskpact.accounts.lockout import lockout_username
from deskpact.accounts.models import User
from deskpact.accounts.tests.conftest import sign_in

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db

START = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)


def fail_until_locked(client: Client, email: str) -> None:
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        response = sign_in(client, email, f"wrong-password-{attempt}")
        assert response.status_code in (200, 429)
    assert response.status_code == 429  # the last failure locks


def assert_locked_out(response: Response) -> None:
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()


def test_a_wrong_password_below_the_limit_is_only_refused(client: Client, customer: User) -> None:
    response = sign_in(client, customer.email, "wrong-password")

    assert response.status_code == 200
    assert "Email or password is wrong" in response.content.decode()


def test_after_the_failure_limit_the_right_password_is_refused(
    client: Client, customer: User, password: str
) -> None:
    fail_until_locked(client, customer.email)

    assert_locked_out(sign_in(client, customer.email, password))
    assert client.get("/portal/")["Location"] == "/login/?next=/portal/"


def test_changing_the_case_of_the_email_does_not_get_round_the_lock(
    client: Client, customer: User, password: str
) -> None:
    fail_until_locked(client, customer.email)

    assert_locked_out(sign_in(client, customer.email.upper(), password))
    assert_locked_out(sign_in(Client(), " Alice@Acme.Example ", password))


def test_failures_in_any_case_count_towards_one_lock(
    client: Client, customer: User, password: str
) -> None:
    spellings = [customer.email, customer.email.upper(), customer.email.title()]
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, spellings[attempt % len(spellings)], "wrong-password")

    assert_locked_out(sign_in(client, customer.email, password))


def test_the_lock_holds_until_the_cool_off_time_has_passed(
    client: Client, customer: User, password: str
) -> None:
    with time_machine.travel(START, tick=False) as clock:
        fail_until_locked(client, customer.email)
        clock.shift(settings.AXES_COOLOFF_TIME - timedelta(seconds=1))

        assert_locked_out(sign_in(client, customer.email, password))


def test_the_lock_lifts_after_the_cool_off_time(
    client: Client, customer: User, password: str
) -> None:
    with time_machine.travel(START, tick=False) as clock:
        fail_until_locked(client, customer.email)
        clock.shift(settings.AXES_COOLOFF_TIME + timedelta(seconds=1))

        response = sign_in(client, customer.email, password)

        assert (response.status_code, response["Location"]) == (302, "/")
        assert client.get("/portal/").status_code == 200


def test_a_locked_account_does_not_lock_anyone_else(
    client: Client, customer: User, other_customer: User, password: str
) -> None:
    fail_until_locked(client, customer.email)

    response = sign_in(Client(), other_customer.email, password)

    assert response.status_code == 302
    assert_locked_out(sign_in(Client(), customer.email, password))


def test_a_lock_applies_to_every_browser_not_just_the_failing_one(
    client: Client, customer: User, password: str
) -> None:
    fail_until_locked(client, customer.email)

    assert_locked_out(sign_in(Client(REMOTE_ADDR="198.51.100.7"), customer.email, password))


def test_a_successful_sign_in_clears_earlier_failures(
    client: Client, customer: User, password: str
) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, customer.email, "wrong-password")
    assert sign_in(client, customer.email, password).status_code == 302
    client.post("/logout/")

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, customer.email, "wrong-password")
    assert sign_in(client, customer.email, password).status_code == 302


@pytest.mark.parametrize(
    ("credentials", "post", "expected"),
    [
        ({"username": " Ann@Example.COM "}, {}, "ann@example.com"),
        ({"email": "ANN@example.com"}, {}, "ann@example.com"),
        ({}, {"username": "Ann@Example.com"}, "ann@example.com"),
        (None, {}, ""),
    ],
)
def test_lockout_username_is_the_case_folded_email(
    rf: object, credentials: dict[str, str] | None, post: dict[str, str], expected: str
) -> None:
    request = rf.post("/login/", post)  # type: ignore[attr-defined]
    assert lockout_username(request, credentials) == expected


def test_trying_again_during_the_lock_does_not_extend_it(
    client: Client, customer: User, password: str
) -> None:
    # The lockout page promises a lock of AXES_COOLOFF_TIME, counted from the locking failure.
    with time_machine.travel(START, tick=False) as clock:
        fail_until_locked(client, customer.email)
        clock.shift(settings.AXES_COOLOFF_TIME / 2)
        assert_locked_out(sign_in(client, customer.email, password))

        clock.shift(settings.AXES_COOLOFF_TIME / 2 + timedelta(seconds=1))

        assert sign_in(client, customer.email, password).status_code == 302
