"""GET /api/v1/attachments/<id>/: always a download, only for people who may see the message."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from deskpact.accounts.models import Organization, User
from deskpact.api.tests.support import assert_problem
from deskpact.testing.factories import QueueFactory, UserFactory
from deskpact.tickets import services
from deskpact.tickets.models import Attachment, Message, Ticket

ApiAs = Callable[[User], APIClient]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def url(attachment: Attachment | int) -> str:
    pk = attachment.pk if isinstance(attachment, Attachment) else attachment
    return f"/api/v1/attachments/{pk}/"


def content(response: Any) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def ticket(customer: User) -> Ticket:
    return services.open_ticket(
        requester=customer, submitter=customer, subject="Printer jams", body="b", channel="web"
    )


def reply_with(ticket: Ticket, author: User, name: str, data: bytes, **kwargs: Any) -> Attachment:
    upload = SimpleUploadedFile(name, data, content_type=kwargs.pop("content_type", "text/plain"))
    message = services.post_reply(ticket, author=author, body="see file", attachments=[upload])
    assert message.message is not None
    return message.message.attachments.get()


def note_with(ticket: Ticket, agent: User, name: str, data: bytes) -> Attachment:
    note = services.post_note(
        ticket, author=agent, body="internal", attachments=[SimpleUploadedFile(name, data)]
    )
    return note.attachments.get()


def test_requester_downloads_a_reply_attachment_as_a_file(
    api_as: ApiAs, customer: User, agent: User, ticket: Ticket
) -> None:
    attachment = reply_with(ticket, agent, "fix.patch", b"--- a\n+++ b\n")

    response = api_as(customer).get(url(attachment))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="fix.patch"'
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert content(response) == b"--- a\n+++ b\n"


def test_html_is_served_as_an_opaque_download(
    api_as: ApiAs, customer: User, ticket: Ticket
) -> None:
    attachment = reply_with(
        ticket, customer, "page.html", b"<script>alert(1)</script>", content_type="text/html"
    )

    response = api_as(customer).get(url(attachment))

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize(
    ("name", "disposition"),
    [
        ('say "hi".txt', 'attachment; filename="say \\"hi\\".txt"'),
        ("résumé.pdf", "attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf"),
    ],
)
def test_odd_filenames_are_quoted_in_the_header(
    api_as: ApiAs, customer: User, ticket: Ticket, name: str, disposition: str
) -> None:
    attachment = reply_with(ticket, customer, name, b"x")

    assert api_as(customer).get(url(attachment))["Content-Disposition"] == disposition


def test_the_stored_file_name_is_random_not_the_uploaded_name(
    customer: User, ticket: Ticket
) -> None:
    attachment = reply_with(ticket, customer, "../../etc/passwd", b"x")

    assert attachment.filename == "passwd"
    stored_as = attachment.file.name or ""
    assert "passwd" not in stored_as and ".." not in stored_as


def test_agent_downloads_a_note_attachment(api_as: ApiAs, agent: User, ticket: Ticket) -> None:
    attachment = note_with(ticket, agent, "notes.txt", b"internal")

    response = api_as(agent).get(url(attachment))

    assert response.status_code == 200
    assert content(response) == b"internal"


def test_customer_cannot_download_an_internal_note_attachment(
    api_as: ApiAs, customer: User, agent: User, ticket: Ticket
) -> None:
    attachment = note_with(ticket, agent, "notes.txt", b"internal")

    assert_problem(api_as(customer).get(url(attachment)), 404, "ticket_not_found")


def test_another_organizations_attachment_answers_like_a_missing_one(
    api_as: ApiAs, customer: User, other_customer: User, ticket: Ticket
) -> None:
    attachment = reply_with(ticket, customer, "invoice.pdf", b"%PDF")
    client = api_as(other_customer)

    hidden = assert_problem(client.get(url(attachment)), 404, "ticket_not_found")
    missing = assert_problem(client.get(url(attachment.pk + 1000)), 404, "ticket_not_found")

    assert hidden == missing


def test_colleague_downloads_only_when_the_organization_shares(
    api_as: ApiAs, customer: User, acme: Organization, ticket: Ticket
) -> None:
    colleague = UserFactory.create(email="carl@acme.example", organization=acme)
    attachment = reply_with(ticket, customer, "log.txt", b"x")

    assert_problem(api_as(colleague).get(url(attachment)), 404, "ticket_not_found")
    acme.shares_tickets = True
    acme.save()
    assert api_as(colleague).get(url(attachment)).status_code == 200


def test_agent_of_another_queue_cannot_download(
    api_as: ApiAs, customer: User, ticket: Ticket
) -> None:
    attachment = reply_with(ticket, customer, "log.txt", b"x")
    it_agent = UserFactory.create(role=User.Role.AGENT)
    QueueFactory.create(slug="it").agents.add(it_agent)

    assert_problem(api_as(it_agent).get(url(attachment)), 404, "ticket_not_found")


def test_deactivated_customer_reaches_nothing(
    token_as: Callable[[User], APIClient], customer: User, ticket: Ticket
) -> None:
    attachment = reply_with(ticket, customer, "log.txt", b"x")
    client = token_as(customer)
    customer.is_active = False
    customer.save()

    response = client.get(url(attachment))

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("pk", ["0", "99999999999999999999999"])
def test_out_of_range_ids_are_not_found(api_as: ApiAs, customer: User, pk: str) -> None:
    response = api_as(customer).get(f"/api/v1/attachments/{pk}/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_anonymous_callers_must_authenticate(db: None, customer: User, ticket: Ticket) -> None:
    attachment = reply_with(ticket, customer, "log.txt", b"x")

    assert_problem(APIClient().get(url(attachment)), 401, "not_authenticated")


def test_opening_attachments_of_a_ticket_are_downloadable(api_as: ApiAs, customer: User) -> None:
    ticket = services.open_ticket(
        requester=customer,
        submitter=customer,
        subject="Scan",
        body="see scan",
        channel="web",
        attachments=[SimpleUploadedFile("scan.pdf", b"%PDF-scan")],
    )
    attachment = Attachment.objects.get(message__ticket=ticket)

    response = api_as(customer).get(url(attachment))

    assert content(response) == b"%PDF-scan"
    assert Message.objects.get(ticket=ticket).is_internal is False


def test_a_file_missing_from_storage_is_not_found_rather_than_a_crash(
    api_as: ApiAs, customer: User, ticket: Ticket
) -> None:
    attachment = reply_with(ticket, customer, "log.txt", b"x")
    attachment.file.storage.delete(attachment.file.name or "")

    assert_problem(api_as(customer).get(url(attachment)), 404, "not_found")
