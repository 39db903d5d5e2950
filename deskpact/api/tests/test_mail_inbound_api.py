"""POST /api/v1/mail/inbound/: a raw message from a mail source, authenticated by its secret."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from django.test import Client
from rest_framework.test import APIClient

from deskpact.accounts.models import User
from deskpact.api.tests.support import assert_problem
from deskpact.mail import sources
from deskpact.mail.models import InboundMessage, MailSource
from deskpact.tickets.models import Queue

pytestmark = pytest.mark.django_db
URL = "/api/v1/mail/inbound/"
RAW = (
    b"From: Alice Example <alice@acme.example>\r\n"
    b"To: support@deskpact.localhost\r\n"
    b"Subject: VPN drops every hour\r\n"
    b"Message-ID: <api-1@acme.example>\r\n"
    b"\r\n"
    b"The VPN drops every hour on the hour.\r\n"
)


@pytest.fixture
def queue(db: None) -> Queue:
    return Queue.objects.create(name="Webhook", slug="webhook", email_address="hook@desk.example")


@pytest.fixture
def source(queue: Queue) -> tuple[MailSource, str]:
    return sources.create_source(
        name="Provider webhook", kind="api", queue=queue, address="hook@desk.example", by=None
    )


def post(client: Any, body: bytes, content_type: str = "message/rfc822", **headers: str) -> Any:
    return client.generic("POST", URL, body, content_type=content_type, **headers)


def test_a_message_with_the_bearer_secret_is_stored_and_answered_202(
    source: tuple[MailSource, str],
) -> None:
    row, secret = source
    response = post(APIClient(), RAW, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 202, response.content
    body = response.json()
    stored = InboundMessage.objects.get(pk=body["id"])
    assert body == {
        "id": stored.pk,
        "status": "received",
        "size": len(RAW),
        "message_id": "<api-1@acme.example>",
    }
    assert bytes(stored.raw) == RAW  # the bytes exactly as posted
    assert (stored.source, stored.source_kind) == (row, "api")


def test_the_secret_header_and_an_octet_stream_body_work_too(
    source: tuple[MailSource, str],
) -> None:
    _, secret = source
    response = post(
        APIClient(),
        RAW,
        content_type="application/octet-stream",
        HTTP_X_DESKPACT_SOURCE_SECRET=secret,
    )
    assert response.status_code == 202, response.content
    assert InboundMessage.objects.filter(pk=response.json()["id"]).exists()


@pytest.mark.django_db(transaction=True)
def test_the_answer_comes_after_the_commit_and_the_message_becomes_a_ticket(
    source: tuple[MailSource, str], customer: User
) -> None:
    row, secret = source
    response = post(APIClient(), RAW, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 202
    # Committed: processing (queued on commit, run in process in tests) has seen the row.
    stored = InboundMessage.objects.get(pk=response.json()["id"])
    assert (stored.status, stored.outcome) == (InboundMessage.Status.PROCESSED, "ticket")
    ticket = stored.ticket
    assert ticket is not None
    assert ticket.queue == row.queue and ticket.requester == customer


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_AUTHORIZATION": "Bearer dpms_1_" + "x" * 43},
        {"HTTP_AUTHORIZATION": "Bearer not-a-secret"},
        {"HTTP_X_DESKPACT_SOURCE_SECRET": "wrong"},
        {"HTTP_AUTHORIZATION": "Bearer two words"},
    ],
)
def test_a_missing_or_wrong_secret_is_401_and_nothing_stored(
    source: tuple[MailSource, str], headers: dict[str, str]
) -> None:
    response = post(APIClient(), RAW, **headers)
    code = "not_authenticated" if not headers else "bad_source_secret"
    assert_problem(response, 401, code)
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not InboundMessage.objects.exists()


def test_another_sources_secret_with_this_sources_id_is_refused(
    source: tuple[MailSource, str], queue: Queue
) -> None:
    row, _ = source
    _, other = sources.create_source(
        name="Second", kind="api", queue=queue, address="two@desk.example", by=None
    )
    forged = f"dpms_{row.pk}_{other.rsplit('_', 1)[-1]}"
    assert_problem(
        post(APIClient(), RAW, HTTP_AUTHORIZATION=f"Bearer {forged}"), 401, "bad_source_secret"
    )


def test_a_deactivated_source_or_a_pipe_source_cannot_post(
    source: tuple[MailSource, str], queue: Queue
) -> None:
    row, secret = source
    MailSource.objects.filter(pk=row.pk).update(is_active=False)
    assert_problem(
        post(APIClient(), RAW, HTTP_AUTHORIZATION=f"Bearer {secret}"), 401, "bad_source_secret"
    )
    _, pipe_secret = sources.create_source(
        name="Pipe", kind="pipe", queue=queue, address="pipe@desk.example", by=None
    )
    response = post(APIClient(), RAW, HTTP_AUTHORIZATION=f"Bearer {pipe_secret}")
    assert_problem(response, 401, "bad_source_secret")


def test_a_person_signed_in_by_token_or_session_is_not_a_source(
    source: tuple[MailSource, str], admin_user: User, token_as: Any
) -> None:
    assert_problem(post(token_as(admin_user), RAW), 401, "not_authenticated")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin_user)
    assert_problem(post(browser, RAW), 401, "not_authenticated")
    assert not InboundMessage.objects.exists()


def test_the_endpoint_needs_no_csrf_token(source: tuple[MailSource, str]) -> None:
    _, secret = source
    browser = Client(enforce_csrf_checks=True)
    response = post(browser, RAW, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 202


def test_an_empty_message_is_400(source: tuple[MailSource, str]) -> None:
    _, secret = source
    body = assert_problem(
        post(APIClient(), b"", HTTP_AUTHORIZATION=f"Bearer {secret}"), 400, "message_refused"
    )
    assert body["errors"]["message"][0]["code"] == "message_refused"
    whitespace = post(APIClient(), b"\r\n \r\n", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert_problem(whitespace, 400, "message_refused")
    assert not InboundMessage.objects.exists()


def test_an_oversize_message_is_413(source: tuple[MailSource, str], settings: Any) -> None:
    _, secret = source
    settings.DESKPACT_MAIL_MAX_BYTES = 10_000
    big = RAW + b"x" * 10_000
    body = assert_problem(
        post(APIClient(), big, HTTP_AUTHORIZATION=f"Bearer {secret}"), 413, "message_too_large"
    )
    assert "10,000" in body["detail"]
    assert not InboundMessage.objects.exists()


def test_a_message_over_the_form_upload_limit_is_still_taken(
    source: tuple[MailSource, str], settings: Any
) -> None:
    _, secret = source
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000  # for forms; a message has its own limit
    big = RAW + b"y" * 5000
    response = post(APIClient(), big, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 202, response.content
    assert InboundMessage.objects.get().size == len(big)


def test_another_content_type_is_415(source: tuple[MailSource, str]) -> None:
    _, secret = source
    response = post(
        APIClient(),
        b'{"raw": "x"}',
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert_problem(response, 415, "unsupported_media_type")


def test_only_post_is_offered(source: tuple[MailSource, str]) -> None:
    _, secret = source
    response = APIClient().get(URL, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert_problem(response, 405, "method_not_allowed")


def test_the_secret_is_shown_once_and_only_its_hash_kept(source: tuple[MailSource, str]) -> None:
    row, secret = source
    row.refresh_from_db()
    assert secret.startswith(f"dpms_{row.pk}_") and len(secret) > 40
    assert secret not in row.secret_hash and row.secret_hash == sources.hash_secret(secret)
    assert sources.source_for_secret(secret) == row
    renewed = sources.renew_secret(row, by=None)
    assert sources.source_for_secret(secret) is None
    assert sources.source_for_secret(renewed) == row


def test_the_endpoint_is_in_the_schema_with_an_example() -> None:
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    schema = yaml.safe_load(response.content)
    operation = schema["paths"][URL]["post"]
    content = operation["requestBody"]["content"]
    assert set(content) == {"message/rfc822", "application/octet-stream"}
    assert (
        "Subject: VPN drops every hour"
        in next(iter(content["message/rfc822"]["examples"].values()))["value"]
    )
    assert {"202", "400", "401", "413"} <= set(operation["responses"])
    assert operation["security"] == [{"mailSourceSecret": []}]
    assert schema["components"]["securitySchemes"]["mailSourceSecret"]["scheme"] == "bearer"
