"""Attachment downloads: always as a download, never sniffed, only for who may see them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from deskpact.accounts.models import User
from deskpact.testing.factories import QueueFactory
from deskpact.tickets import services
from deskpact.tickets.models import Attachment, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def ticket_with(customer: User, upload: SimpleUploadedFile, **kwargs: Any) -> Attachment:
    ticket = services.open_ticket(
        requester=customer,
        submitter=customer,
        subject="With a file",
        body="b",
        channel="web",
        attachments=[upload],
        **kwargs,
    )
    return Attachment.objects.get(message__ticket=ticket)


def download(client: Client, attachment: Attachment) -> Any:
    return client.get(f"/attachments/{attachment.pk}/")


def test_the_requester_downloads_the_file_with_safe_headers(client: Client, customer: User) -> None:
    attachment = ticket_with(
        customer, SimpleUploadedFile("report.pdf", b"%PDF-1.7 data", content_type="application/pdf")
    )
    client.force_login(customer)
    response = download(client, attachment)
    assert response.status_code == 200
    assert response.getvalue() == b"%PDF-1.7 data"
    assert response["Content-Disposition"] == 'attachment; filename="report.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]


def test_html_is_a_download_too_never_a_page(client: Client, customer: User) -> None:
    attachment = ticket_with(
        customer,
        SimpleUploadedFile("x.html", b"<script>alert(1)</script>", content_type="text/html"),
    )
    client.force_login(customer)
    response = download(client, attachment)
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


@pytest.mark.parametrize(
    "stored", ["", "text/html\r\nX-Evil: 1", "not a type", "text/plain; charset=utf-8; x=<y>"]
)
def test_an_odd_stored_type_goes_out_as_octet_stream(
    client: Client, customer: User, stored: str
) -> None:
    attachment = ticket_with(customer, SimpleUploadedFile("a.bin", b"data"))
    Attachment.objects.filter(pk=attachment.pk).update(content_type=stored)
    client.force_login(customer)
    assert download(client, attachment)["Content-Type"] == "application/octet-stream"


def test_a_name_with_quotes_accents_and_line_breaks_is_kept_safely(
    client: Client, customer: User
) -> None:
    attachment = ticket_with(customer, SimpleUploadedFile("x.txt", b"data"))
    Attachment.objects.filter(pk=attachment.pk).update(filename='Qué "bien"\r\nX-Evil: 1.txt')
    client.force_login(customer)
    response = download(client, attachment)
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert "\n" not in disposition and "\r" not in disposition
    assert "filename*=utf-8''Qu%C3%A9" in disposition


def test_an_agent_downloads_from_the_same_url(client: Client, customer: User, agent: User) -> None:
    attachment = ticket_with(customer, SimpleUploadedFile("log.txt", b"lines"))
    client.force_login(agent)
    assert download(client, attachment).getvalue() == b"lines"


def test_an_agent_limited_to_other_queues_gets_not_found(
    client: Client, customer: User, agent: User
) -> None:
    attachment = ticket_with(
        customer, SimpleUploadedFile("log.txt", b"lines"), queue=QueueFactory.create(slug="it")
    )
    agent.queues.add(QueueFactory.create(slug="billing"))
    client.force_login(agent)
    assert download(client, attachment).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, customer: User) -> None:
    attachment = ticket_with(customer, SimpleUploadedFile("log.txt", b"lines"))
    response = client.get(f"/attachments/{attachment.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next=/attachments/{attachment.pk}/"


def test_unknown_ids_and_missing_files_are_not_found(client: Client, customer: User) -> None:
    attachment = ticket_with(customer, SimpleUploadedFile("log.txt", b"lines"))
    client.force_login(customer)
    assert client.get("/attachments/999999/").status_code == 404
    attachment.file.storage.delete(str(attachment.file.name))
    assert client.get(f"/attachments/{attachment.pk}/").status_code == 404


def test_downloads_are_read_only(client: Client, customer: User) -> None:
    attachment = ticket_with(customer, SimpleUploadedFile("log.txt", b"lines"))
    client.force_login(customer)
    assert client.post(f"/attachments/{attachment.pk}/").status_code == 405


def test_a_reply_attachment_is_downloadable_by_the_requester(
    client: Client, customer: User, agent: User
) -> None:
    ticket = services.open_ticket(
        requester=customer, submitter=customer, subject="s", body="b", channel="web"
    )
    reply = services.post_reply(
        ticket,
        author=agent,
        body="Here is the fix",
        attachments=[SimpleUploadedFile("fix.patch", b"--- a\n+++ b")],
    )
    assert reply.message is not None
    attachment = reply.message.attachments.get()
    client.force_login(customer)
    page = client.get(f"/portal/tickets/{ticket.key}/").content.decode()
    assert f'href="/attachments/{attachment.pk}/"' in page and "fix.patch" in page
    assert download(client, attachment).getvalue() == b"--- a\n+++ b"
    assert Ticket.objects.count() == 1
