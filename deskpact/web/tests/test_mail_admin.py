"""The admins' mail pages: inbound messages by status, retry and discard, mail sources."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from deskpact.accounts.models import User
from deskpact.mail import inbound, sources
from deskpact.mail.models import InboundMessage, MailSource
from deskpact.tickets.models import Queue, Ticket

pytestmark = pytest.mark.django_db
Status = InboundMessage.Status


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def raw_mail(n: int, *, sender: str = "alice@acme.example", subject: str = "") -> bytes:
    return (
        f"From: {sender}\r\nTo: support@deskpact.localhost\r\n"
        f"Subject: {subject or f'Message {n}'}\r\nMessage-ID: <web-{n}@acme.example>\r\n"
        "X-Mailer: Example Mail 1.0\r\n\r\n"
        f"Body {n}.\r\n"
    ).encode()


def stored(n: int, **kwargs: Any) -> InboundMessage:
    return inbound.receive(raw_mail(n, **kwargs), kind="pipe", process_later=False)


def processed(n: int, **kwargs: Any) -> InboundMessage:
    row = stored(n, **kwargs)
    inbound.process(row.pk)
    row.refresh_from_db()
    return row


@pytest.fixture
def failed(customer: User) -> InboundMessage:
    """A message that failed: its requester was deactivated when it was processed."""
    row = stored(1, subject="Cannot print")
    User.objects.filter(pk=customer.pk).update(is_active=False)
    inbound.process(row.pk)
    User.objects.filter(pk=customer.pk).update(is_active=True)
    row.refresh_from_db()
    assert row.status == Status.FAILED
    return row


@pytest.mark.parametrize(
    "path", ["/mail/", "/mail/1/", "/mail/sources/"], ids=["inbox", "message", "sources"]
)
def test_the_mail_pages_are_for_admins_only(
    path: str, agent: User, customer: User, admin_user: User
) -> None:
    stored(1)
    assert Client().get(path).status_code == 302  # strangers: the login page
    assert _client(agent).get(path).status_code == 403
    assert _client(customer).get(path).status_code == 403


@pytest.mark.parametrize("action", ["retry", "discard"])
def test_agents_can_neither_retry_nor_discard(
    action: str, agent: User, failed: InboundMessage
) -> None:
    response = _client(agent).post(f"/mail/{failed.pk}/{action}/")
    assert response.status_code == 403
    failed.refresh_from_db()
    assert failed.status == Status.FAILED


def test_the_inbox_lists_failed_and_held_messages_first(
    admin_user: User, failed: InboundMessage
) -> None:
    done = processed(2, subject="Printed fine")
    later = timezone.now() + timedelta(minutes=5)
    InboundMessage.objects.filter(pk=done.pk).update(received_at=later)  # the newest
    held = stored(3, subject="Waiting for a seat")
    InboundMessage.objects.filter(pk=held.pk).update(
        status=Status.HELD, outcome="no_seat", error="Held: all 5 named seats are in use."
    )
    page = _client(admin_user).get("/mail/")
    html = page.content.decode()
    assert page.status_code == 200
    order = [html.index(f'data-testid="inbound-{pk}"') for pk in (held.pk, failed.pk, done.pk)]
    assert max(order[:2]) < order[2]  # both waiting ones come before the newest processed
    assert "deactivated" in html and "Held: all 5 named seats are in use." in html
    assert "alice@acme.example" in html and "Cannot print" in html
    assert 'data-testid="waiting-count">2 waiting' in html


def test_the_inbox_filters_by_status(admin_user: User, failed: InboundMessage) -> None:
    done = processed(2)
    html = _client(admin_user).get("/mail/", {"status": "processed"}).content.decode()
    assert f'data-testid="inbound-{done.pk}"' in html
    assert f'data-testid="inbound-{failed.pk}"' not in html


def test_a_message_page_shows_headers_outcome_error_and_actions(
    admin_user: User, failed: InboundMessage
) -> None:
    html = _client(admin_user).get(f"/mail/{failed.pk}/").content.decode()
    assert "X-Mailer" in html and "Example Mail 1.0" in html  # its headers
    assert "&lt;web-1@acme.example&gt;" in html
    assert "Failed" in html and "deactivated" in html
    assert f'action="/mail/{failed.pk}/retry/"' in html
    assert f'action="/mail/{failed.pk}/discard/"' in html


def test_a_processed_message_links_its_ticket_and_offers_no_actions(
    admin_user: User, customer: User
) -> None:
    done = processed(2)
    assert done.ticket is not None
    ticket = done.ticket
    html = _client(admin_user).get(f"/mail/{done.pk}/").content.decode()
    assert f'href="/console/tickets/{ticket.key}/"' in html
    assert "/retry/" not in html and "/discard/" not in html


def test_retrying_a_failed_message_makes_its_ticket(
    admin_user: User, failed: InboundMessage, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(admin_user).post(f"/mail/{failed.pk}/retry/", follow=True)
    assert "The message goes through processing again." in response.content.decode()
    failed.refresh_from_db()
    assert (failed.status, failed.outcome, failed.attempts) == (Status.PROCESSED, "ticket", 2)
    assert failed.ticket is not None and failed.ticket.subject == "Cannot print"


def test_discarding_keeps_the_message_marked_ignored(
    admin_user: User, failed: InboundMessage
) -> None:
    response = _client(admin_user).post(f"/mail/{failed.pk}/discard/", follow=True)
    assert "The message is discarded; it stays stored." in response.content.decode()
    failed.refresh_from_db()
    assert (failed.status, failed.outcome) == (Status.IGNORED, "discarded")
    assert bytes(failed.raw) == raw_mail(1, subject="Cannot print")
    assert not Ticket.objects.exists()


def test_a_processed_message_cannot_be_retried_or_discarded(
    admin_user: User, customer: User
) -> None:
    done = processed(2)
    client = _client(admin_user)
    for action, done_word in (("retry", "retried"), ("discard", "discarded")):
        html = client.post(f"/mail/{done.pk}/{action}/", follow=True).content.decode()
        assert f"Only failed or held messages can be {done_word}." in html
    done.refresh_from_db()
    assert (done.status, done.outcome) == (Status.PROCESSED, "ticket")


def test_the_actions_need_post(admin_user: User, failed: InboundMessage) -> None:
    assert _client(admin_user).get(f"/mail/{failed.pk}/retry/").status_code == 405


def test_an_admin_creates_a_source_and_sees_its_secret_once(admin_user: User) -> None:
    queue = Queue.objects.create(name="Webhook", slug="webhook")
    client = _client(admin_user)
    response = client.post(
        "/mail/sources/",
        {"name": "Provider", "kind": "api", "queue": queue.pk, "address": "Hook@Desk.example"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    source = MailSource.objects.get(name="Provider")
    assert (source.kind, source.address, source.queue) == ("api", "hook@desk.example", queue)
    secret = html.split('data-testid="source-secret">', 1)[1].split("<", 1)[0]
    assert sources.source_for_secret(secret) == source
    again = client.get("/mail/sources/").content.decode()
    assert secret not in again and "Provider" in again


def test_a_source_with_a_taken_name_is_refused_on_the_form(admin_user: User) -> None:
    queue = Queue.objects.create(name="Webhook", slug="webhook")
    sources.create_source(name="Provider", kind="api", queue=queue, address="a@x.example", by=None)
    response = _client(admin_user).post(
        "/mail/sources/",
        {"name": "Provider", "kind": "api", "queue": queue.pk, "address": "b@x.example"},
    )
    html = response.content.decode()
    assert "Mail source with this Name already exists." in html
    assert 'data-testid="source-secret"' not in html
    assert MailSource.objects.count() == 1


def test_agents_cannot_create_sources(agent: User) -> None:
    queue = Queue.objects.create(name="Webhook", slug="webhook")
    response = _client(agent).post(
        "/mail/sources/",
        {"name": "Sneaky", "kind": "api", "queue": queue.pk, "address": "s@x.example"},
    )
    assert response.status_code == 403 and not MailSource.objects.exists()
