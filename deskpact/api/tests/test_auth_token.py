"""Tokens for email and password: issued, used, refused, locked out, revoked, voided."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from deskpact.accounts import services, tokens
from deskpact.accounts.models import ApiToken, User
from deskpact.api.tests.support import assert_field_refused, assert_problem

TOKEN_URL = "/api/v1/auth/token/"
ME_URL = "/api/v1/users/me/"

pytestmark = pytest.mark.django_db


def issue(client: APIClient, email: str, password: str) -> Any:
    return client.post(TOKEN_URL, {"email": email, "password": password}, format="json")


def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


# Issuing ---------------------------------------------------------------------------


def test_email_and_password_buy_a_token_that_signs_in(customer: User, password: str) -> None:
    response = issue(APIClient(), "alice@acme.example", password)

    assert response.status_code == 201
    body = response.json()
    assert body["user"]["email"] == "alice@acme.example"
    assert body["prefix"] == body["token"][:8]
    me = with_token(body["token"]).get(ME_URL)
    assert me.status_code == 200
    assert me.json()["id"] == customer.pk


def test_email_is_case_insensitive_when_issuing_a_token(customer: User, password: str) -> None:
    response = issue(APIClient(), "ALICE@ACME.EXAMPLE", password)

    assert response.status_code == 201
    assert response.json()["user"]["id"] == customer.pk


def test_only_the_digest_of_a_token_is_stored(customer: User, password: str) -> None:
    key = issue(APIClient(), customer.email, password).json()["token"]

    row = ApiToken.objects.get(user=customer)
    assert row.key_hash == tokens.digest(key)
    assert key not in (row.key_hash, row.prefix, row.name)


def test_issuing_ignores_a_stale_token_header(customer: User, password: str) -> None:
    client = with_token("revoked-long-ago")

    assert issue(client, customer.email, password).status_code == 201


def test_wrong_password_is_refused_as_invalid_credentials(customer: User) -> None:
    response = issue(APIClient(), customer.email, "not-the-password")

    assert_problem(response, 400, "invalid_credentials")
    assert not ApiToken.objects.exists()


def test_unknown_email_is_refused_like_a_wrong_password(customer: User, password: str) -> None:
    response = issue(APIClient(), "nobody@acme.example", password)

    assert_problem(response, 400, "invalid_credentials")


def test_deactivated_user_gets_no_token(customer: User, password: str) -> None:
    customer.is_active = False
    customer.save()

    assert_problem(issue(APIClient(), customer.email, password), 400, "invalid_credentials")
    assert not ApiToken.objects.exists()


def test_missing_fields_are_named_one_by_one(db: None) -> None:
    response = APIClient().post(TOKEN_URL, {}, format="json")

    body = assert_problem(response, 400, "validation_error")
    assert set(body["errors"]) == {"email", "password"}
    assert body["errors"]["email"][0]["code"] == "required"
    assert body["errors"]["password"][0]["code"] == "required"


def test_malformed_email_is_refused_on_its_field(db: None) -> None:
    response = issue(APIClient(), "not-an-email", "whatever")

    assert assert_field_refused(response, "email")[0]["code"] == "invalid"


# Lockout ----------------------------------------------------------------------------


def test_too_many_wrong_passwords_lock_the_account(customer: User, password: str) -> None:
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert_problem(issue(client, customer.email, "wrong"), 400, "invalid_credentials")
    assert_problem(issue(client, customer.email, "wrong"), 403, "account_locked")

    assert_problem(issue(client, customer.email, password), 403, "account_locked")
    assert not ApiToken.objects.exists()


def test_lockout_counts_failures_whatever_the_case_of_the_email(
    customer: User, password: str
) -> None:
    client = APIClient()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        email = customer.email.upper() if attempt % 2 else customer.email
        issue(client, email, "wrong")

    assert_problem(issue(client, "Alice@Acme.Example", password), 403, "account_locked")


def test_lockout_of_one_account_leaves_others_signing_in(
    customer: User, other_customer: User, password: str
) -> None:
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        issue(client, customer.email, "wrong")

    assert issue(client, other_customer.email, password).status_code == 201


def test_the_right_password_clears_earlier_failures(customer: User, password: str) -> None:
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        issue(client, customer.email, "wrong")
    assert issue(client, customer.email, password).status_code == 201

    assert_problem(issue(client, customer.email, "wrong"), 400, "invalid_credentials")
    assert issue(client, customer.email, password).status_code == 201


# Throttling ----------------------------------------------------------------------------


@pytest.fixture
def token_rate(settings: Any) -> Callable[[str | None], None]:
    """Set the token endpoint's rate for this test, starting from a clean slate."""

    def set_rate(rate: str | None) -> None:
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"token": rate},
        }
        cache.clear()

    return set_rate


def test_token_requests_beyond_the_rate_are_a_429_problem(
    customer: User, password: str, token_rate: Callable[[str | None], None]
) -> None:
    token_rate("2/min")
    client = APIClient()
    assert issue(client, customer.email, "wrong").status_code == 400
    assert issue(client, customer.email, "wrong").status_code == 400

    response = issue(client, customer.email, password)

    assert_problem(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0
    assert not ApiToken.objects.exists()


def test_a_forged_forwarded_for_header_does_not_escape_the_rate(
    customer: User, token_rate: Callable[[str | None], None]
) -> None:
    token_rate("2/min")
    client = APIClient()

    statuses = [
        client.post(
            TOKEN_URL,
            {"email": customer.email, "password": "wrong"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        ).status_code
        for n in range(3)
    ]

    assert statuses[-1] == 429


def test_token_rate_follows_the_settings_in_force(
    customer: User, token_rate: Callable[[str | None], None]
) -> None:
    token_rate(None)
    client = APIClient()

    statuses = {issue(client, f"x{n}@acme.example", "wrong").status_code for n in range(40)}

    assert statuses == {400}


# Using and revoking ------------------------------------------------------------------


def test_request_without_credentials_is_401_asking_for_a_token(db: None) -> None:
    response = APIClient().get(ME_URL)

    assert_problem(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


def test_unknown_token_is_401(db: None) -> None:
    assert_problem(with_token("no-such-token").get(ME_URL), 401, "bad_token")


def test_using_a_token_records_when(customer: User) -> None:
    token, key = services.issue_api_token(customer)

    with_token(key).get(ME_URL)

    token.refresh_from_db()
    assert token.last_used_at is not None


def test_delete_revokes_the_token_in_use(customer: User, password: str) -> None:
    client = with_token(issue(APIClient(), customer.email, password).json()["token"])

    assert client.delete(TOKEN_URL).status_code == 204

    assert_problem(client.get(ME_URL), 401, "bad_token")
    assert not ApiToken.objects.filter(user=customer).exists()


def test_delete_leaves_the_persons_other_tokens_working(customer: User) -> None:
    _, first = services.issue_api_token(customer, name="laptop")
    _, second = services.issue_api_token(customer, name="phone")

    assert with_token(first).delete(TOKEN_URL).status_code == 204

    assert with_token(second).get(ME_URL).status_code == 200


def test_delete_without_credentials_is_401(db: None) -> None:
    assert_problem(APIClient().delete(TOKEN_URL), 401, "not_authenticated")


def test_token_issued_before_a_password_change_stops_working(customer: User) -> None:
    _, key = services.issue_api_token(customer)
    customer.set_password("a-brand-new-passphrase-7")
    customer.save()

    assert_problem(with_token(key).get(ME_URL), 401, "bad_token")


def test_token_issued_after_a_password_change_works(customer: User) -> None:
    customer.set_password("a-brand-new-passphrase-7")
    customer.save()
    response = issue(APIClient(), customer.email, "a-brand-new-passphrase-7")

    assert with_token(response.json()["token"]).get(ME_URL).status_code == 200


def test_deactivated_users_token_is_refused(customer: User) -> None:
    _, key = services.issue_api_token(customer)
    customer.is_active = False
    customer.save()

    assert_problem(with_token(key).get(ME_URL), 401, "bad_token")


# Passwords that must change first -------------------------------------------------------


def test_user_who_must_change_password_gets_no_token(customer: User, password: str) -> None:
    customer.must_change_password = True
    customer.save()

    assert_problem(issue(APIClient(), customer.email, password), 403, "password_expired")
    assert not ApiToken.objects.exists()


def test_existing_token_of_user_who_must_change_password_is_refused(customer: User) -> None:
    _, key = services.issue_api_token(customer)
    customer.must_change_password = True
    customer.save()

    assert_problem(with_token(key).get(ME_URL), 403, "password_expired")


def test_licensed_agent_with_an_old_password_is_refused(
    agent: User, password: str, settings: Any
) -> None:
    settings.PASSWORD_MAX_AGE_DAYS = 90
    _, key = services.issue_api_token(agent)
    User.objects.filter(pk=agent.pk).update(password_changed_at=timezone.now() - timedelta(days=91))

    assert_problem(issue(APIClient(), agent.email, password), 403, "password_expired")
    assert_problem(with_token(key).get(ME_URL), 403, "password_expired")


# Sessions ------------------------------------------------------------------------------


def test_web_session_signs_in_to_the_api(customer: User) -> None:
    client = APIClient()
    client.force_login(customer)

    response = client.get(ME_URL)

    assert response.status_code == 200
    assert response.json()["email"] == customer.email


def test_web_session_sign_in_with_password_reaches_the_api(customer: User, password: str) -> None:
    client = APIClient()
    signed_in = client.post(
        "/login/", {"username": customer.email, "password": password}, format="multipart"
    )
    assert signed_in.status_code == 302

    assert json.loads(client.get(ME_URL).content)["id"] == customer.pk


def test_session_writes_need_a_csrf_token(admin_user: User) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(admin_user)

    response = client.post("/api/v1/organizations/", {"name": "Initech"}, format="json")

    assert_problem(response, 403, "permission_denied")


def test_session_of_user_who_must_change_password_is_refused(customer: User) -> None:
    customer.must_change_password = True
    customer.save()
    client = APIClient()
    client.force_login(customer)

    assert_problem(client.get(ME_URL), 403, "password_expired")
