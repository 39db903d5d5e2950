"""`Authorization: Token <key>`: digests, deactivation, password age, last use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from rest_framework.exceptions import AuthenticationFailed

from deskpact.accounts import services, tokens
from deskpact.accounts.authentication import ApiTokenAuthentication, PasswordExpired
from deskpact.accounts.models import ApiToken, User
from deskpact.testing.factories import UserFactory

pytestmark = pytest.mark.django_db

START = datetime(2025, 2, 3, 8, 0, tzinfo=UTC)


def authenticate(key: str) -> tuple[object, ApiToken]:
    return ApiTokenAuthentication().authenticate_credentials(key)


def test_a_token_signs_in_its_owner(customer: User) -> None:
    token, key = services.issue_api_token(customer)

    assert authenticate(key) == (customer, token)


def test_an_unknown_key_is_refused(customer: User) -> None:
    services.issue_api_token(customer)

    with pytest.raises(AuthenticationFailed, match="Invalid or revoked token"):
        authenticate(tokens.new_key())


def test_the_digest_is_sha256_of_the_key() -> None:
    assert tokens.digest("abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    assert tokens.new_key() != tokens.new_key()


def test_an_agent_with_an_expired_password_is_told_to_change_it_on_the_web() -> None:
    with time_machine.travel(START, tick=False) as clock:
        agent = UserFactory.create(role=User.Role.AGENT)
        _, key = services.issue_api_token(agent)
        clock.shift(timedelta(days=settings.PASSWORD_MAX_AGE_DAYS))

        with pytest.raises(PasswordExpired):
            authenticate(key)


def test_a_customers_token_outlives_the_password_age() -> None:
    with time_machine.travel(START, tick=False) as clock:
        customer = UserFactory.create(role=User.Role.USER)
        _, key = services.issue_api_token(customer)
        clock.shift(timedelta(days=10 * settings.PASSWORD_MAX_AGE_DAYS))

        assert authenticate(key)[0] == customer


def test_last_use_is_written_at_most_once_a_minute() -> None:
    with time_machine.travel(START, tick=False) as clock:
        customer = UserFactory.create()
        token, key = services.issue_api_token(customer)
        authenticate(key)
        first = ApiToken.objects.get(pk=token.pk).last_used_at
        assert first == START

        clock.shift(timedelta(seconds=59))
        authenticate(key)
        assert ApiToken.objects.get(pk=token.pk).last_used_at == START

        clock.shift(timedelta(seconds=2))
        authenticate(key)
        assert ApiToken.objects.get(pk=token.pk).last_used_at == START + timedelta(seconds=61)
