"""POST /api/v1/tickets/: customers open their own, agents on someone's behalf; bad input is
refused on its field and leaves nothing behind."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from deskpact.accounts.models import Organization, User
from deskpact.api.tests.support import assert_field_refused, assert_problem
from deskpact.testing.factories import OrganizationFactory, QueueFactory, UserFactory
from deskpact.tickets.models import Message, Ticket, TicketEvent

ApiAs = Callable[[User], APIClient]
URL = "/api/v1/tickets/"

pytestmark = pytest.mark.django_db


def state() -> tuple[int, ...]:
    """Everything a refused create must leave as it was."""
    return (
        Ticket.objects.count(),
        Message.objects.count(),
        TicketEvent.objects.count(),
        User.objects.count(),
    )


def post_raw(client: APIClient, text: str) -> Any:
    """A JSON body as written, so escapes such as \\u0000 and \\ud800 reach the server."""
    return client.post(URL, data=text, content_type="application/json")


# Customers ------------------------------------------------------------------------------


def test_customer_opens_a_ticket_for_themselves_through_the_api(
    token_as: Callable[[User], APIClient], customer: User, acme: Organization
) -> None:
    response = token_as(customer).post(
        URL,
        {"subject": "  Export to CSV fails ", "body": "It stops at 80%.", "priority": "high"},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    ticket = Ticket.objects.get()
    assert body["key"] == ticket.key == f"DP-{ticket.pk}"
    assert (body["subject"], body["status"], body["priority"], body["channel"]) == (
        "Export to CSV fails",
        "new",
        "high",
        "api",
    )
    assert body["requester"] == {"id": customer.pk, "email": customer.email, "name": "Alice"}
    assert (ticket.requester, ticket.submitter, ticket.organization) == (customer, customer, acme)
    assert (ticket.channel, ticket.owner) == (Ticket.Channel.API, None)


def test_customer_picks_a_queue_by_slug(api_as: ApiAs, customer: User) -> None:
    QueueFactory.create(slug="billing", name="Billing")

    response = api_as(customer).post(
        URL, {"subject": "Refund", "body": "Twice charged.", "queue": "billing"}, format="json"
    )

    assert response.json()["queue"] == "billing"
    assert Ticket.objects.get().queue.slug == "billing"


def test_agent_only_fields_from_a_customer_are_ignored(
    api_as: ApiAs, customer: User, agent: User, acme: Organization, globex: Organization
) -> None:
    response = api_as(customer).post(
        URL,
        {
            "subject": "Help",
            "body": "Please.",
            "organization": globex.pk,
            "owner": agent.pk,
            "requester_email": "bob@globex.example",
            "requester": agent.pk,
            "channel": "phone",
            "status": "resolved",
            "role": "admin",
            "is_internal": True,
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get()
    assert (ticket.organization, ticket.owner, ticket.requester, ticket.submitter) == (
        acme,
        None,
        customer,
        customer,
    )
    assert (ticket.channel, ticket.status) == (Ticket.Channel.API, Ticket.Status.NEW)
    customer.refresh_from_db()
    assert customer.role == User.Role.USER
    assert not User.objects.filter(email="bob@globex.example").exists()


@pytest.mark.parametrize("field", ["owner", "organization"])
def test_unknown_ids_from_a_customer_answer_like_known_ones(
    api_as: ApiAs, customer: User, agent: User, globex: Organization, field: str
) -> None:
    known = {"owner": agent.pk, "organization": globex.pk}[field]
    client = api_as(customer)

    first = client.post(URL, {"subject": "A", "body": "b", field: known}, format="json")
    second = client.post(URL, {"subject": "A", "body": "b", field: 999_999}, format="json")

    # Validating them would tell a customer which ids exist.
    assert first.status_code == second.status_code == 201


# Agents on someone's behalf -------------------------------------------------------------


def test_agent_logs_a_phone_call_for_a_new_contact_who_joins_by_domain(
    api_as: ApiAs, agent: User, acme: Organization
) -> None:
    response = api_as(agent).post(
        URL,
        {
            "subject": "Cannot sign in",
            "body": "Called at 10:05.",
            "requester_email": "Carol@ACME.example",
            "requester_name": "Carol",
            "channel": "phone",
            "owner": agent.pk,
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    carol = User.objects.get(email="carol@acme.example")
    assert (carol.role, carol.organization, carol.name) == (User.Role.USER, acme, "Carol")
    assert not carol.has_usable_password()
    ticket = Ticket.objects.get()
    assert (ticket.requester, ticket.submitter, ticket.owner) == (carol, agent, agent)
    assert (ticket.channel, ticket.organization) == (Ticket.Channel.PHONE, acme)
    body = response.json()
    assert (body["submitter_id"], body["owner"]["id"], body["channel"]) == (
        agent.pk,
        agent.pk,
        "phone",
    )


def test_agent_files_for_an_existing_customer(
    api_as: ApiAs, agent: User, customer: User, acme: Organization
) -> None:
    before = User.objects.count()

    response = api_as(agent).post(
        URL,
        {"subject": "Slow", "body": "b", "requester_email": "ALICE@acme.example"},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert User.objects.count() == before
    ticket = Ticket.objects.get()
    assert (ticket.requester, ticket.organization, ticket.channel) == (customer, acme, "api")


def test_agent_places_a_contact_without_an_organization_in_one(
    api_as: ApiAs, agent: User, acme: Organization
) -> None:
    response = api_as(agent).post(
        URL,
        {
            "subject": "Slow",
            "body": "b",
            "requester_email": "dave@gmail.example",
            "organization": acme.pk,
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    assert Ticket.objects.get().organization == acme
    assert User.objects.get(email="dave@gmail.example").organization is None


def test_agent_cannot_file_a_customer_under_another_organization(
    api_as: ApiAs, agent: User, customer: User, globex: Organization
) -> None:
    before = state()

    response = api_as(agent).post(
        URL,
        {"subject": "S", "body": "b", "requester_email": customer.email, "organization": globex.pk},
        format="json",
    )

    assert_field_refused(response, "organization")
    assert state() == before


def test_owner_who_is_a_customer_is_refused_and_no_contact_is_left_behind(
    api_as: ApiAs, agent: User, customer: User
) -> None:
    before = state()

    response = api_as(agent).post(
        URL,
        {
            "subject": "S",
            "body": "b",
            "requester_email": "new.person@acme.example",
            "owner": customer.pk,
        },
        format="json",
    )

    assert_field_refused(response, "owner")
    assert state() == before
    assert not User.objects.filter(email="new.person@acme.example").exists()


def test_deactivated_requester_is_refused_on_requester_email(api_as: ApiAs, agent: User) -> None:
    gone = UserFactory.create(email="gone@acme.example", is_active=False)
    before = state()

    response = api_as(agent).post(
        URL, {"subject": "S", "body": "b", "requester_email": gone.email}, format="json"
    )

    assert_field_refused(response, "requester_email")
    assert state() == before


# Bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": "b"}, "subject"),
        ({"subject": "", "body": "b"}, "subject"),
        ({"subject": "   ", "body": "b"}, "subject"),
        ({"subject": "S" * 201, "body": "b"}, "subject"),
        ({"subject": "S"}, "body"),
        ({"subject": "S", "body": ""}, "body"),
        ({"subject": "S", "body": "b" * 100_001}, "body"),
        ({"subject": "S", "body": "b", "priority": "critical"}, "priority"),
        ({"subject": "S", "body": "b", "queue": "no-such-queue"}, "queue"),
        ({"subject": "S", "body": "b", "queue": "../etc"}, "queue"),
        ({"subject": ["S"], "body": "b"}, "subject"),
        ({"subject": {"a": 1}, "body": "b"}, "subject"),
    ],
)
def test_bad_ticket_is_refused_on_its_field(
    api_as: ApiAs, customer: User, payload: dict[str, Any], field: str
) -> None:
    before = state()

    assert_field_refused(api_as(customer).post(URL, payload, format="json"), field)
    assert state() == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"requester_email": "not-an-email"}, "requester_email"),
        ({"requester_email": "a@b"}, "requester_email"),
        ({"requester_email": "x" * 250 + "@acme.example"}, "requester_email"),
        ({"organization": 999_999}, "organization"),
        ({"organization": "acme"}, "organization"),
        ({"owner": 999_999}, "owner"),
        ({"channel": "fax"}, "channel"),
        ({"requester_name": "N" * 151, "requester_email": "n@acme.example"}, "requester_name"),
    ],
)
def test_bad_agent_fields_are_refused_on_their_field(
    api_as: ApiAs, agent: User, payload: dict[str, Any], field: str
) -> None:
    before = state()

    response = api_as(agent).post(URL, {"subject": "S", "body": "b", **payload}, format="json")

    assert_field_refused(response, field)
    assert state() == before


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"subject": "Printer\\u0000", "body": "b"}', "subject"),
        ('{"subject": "S", "body": "jams\\u0000 again"}', "body"),
        ('{"subject": "Printer \\ud800", "body": "b"}', "subject"),
        ('{"subject": "S", "body": "\\udfff"}', "body"),
    ],
)
def test_nul_bytes_and_lone_surrogates_are_refused_on_their_field(
    api_as: ApiAs, customer: User, raw: str, field: str
) -> None:
    before = state()

    assert_field_refused(post_raw(api_as(customer), raw), field)
    assert state() == before


def test_nul_in_requester_email_is_refused(api_as: ApiAs, agent: User) -> None:
    before = state()

    response = post_raw(
        api_as(agent), '{"subject": "S", "body": "b", "requester_email": "a\\u0000@acme.example"}'
    )

    assert_field_refused(response, "requester_email")
    assert state() == before


def test_a_10_mb_subject_is_a_clean_problem_not_a_server_error(
    api_as: ApiAs, customer: User
) -> None:
    before = state()
    client = api_as(customer)
    client.raise_request_exception = False

    response = post_raw(client, json.dumps({"subject": "S" * 10 * 1024 * 1024, "body": "b"}))

    body = assert_problem(response, 413, "request_too_large")
    assert "subject" in body["detail"]
    assert state() == before


def test_a_subject_just_under_the_body_limit_is_refused_on_its_field(
    api_as: ApiAs, customer: User
) -> None:
    response = post_raw(api_as(customer), json.dumps({"subject": "S" * 4_000_000, "body": "b"}))

    assert_field_refused(response, "subject")


def test_malformed_json_is_a_parse_problem(api_as: ApiAs, customer: User) -> None:
    assert_problem(post_raw(api_as(customer), '{"subject": '), 400, "parse_error")


def test_form_encoded_bodies_are_not_accepted(api_as: ApiAs, customer: User) -> None:
    response = api_as(customer).post(URL, {"subject": "S", "body": "b"}, format="multipart")

    assert_problem(response, 415, "unsupported_media_type")
    assert not Ticket.objects.exists()


def test_script_in_the_body_is_stored_and_returned_verbatim_as_json_text(
    api_as: ApiAs, customer: User
) -> None:
    script = '<script>alert("x")</script><img src=x onerror=alert(1)>'

    response = api_as(customer).post(URL, {"subject": script, "body": script}, format="json")

    assert response.status_code == 201, response.content
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert (response.json()["subject"], response.json()["body"]) == (script, script)
    stored = Ticket.objects.get()
    assert (stored.subject, stored.body) == (script, script)


def test_anonymous_callers_are_told_to_authenticate(db: None) -> None:
    response = APIClient().post(URL, {"subject": "S", "body": "b"}, format="json")

    assert_problem(response, 401, "not_authenticated")
    assert not Ticket.objects.exists()


def test_a_customer_without_an_organization_opens_a_ticket_without_one(api_as: ApiAs) -> None:
    loner = UserFactory.create(email="lone@gmail.example")
    OrganizationFactory.create(domains=["acme.example"])

    response = api_as(loner).post(URL, {"subject": "S", "body": "b"}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["organization"] is None


def test_owner_who_does_not_work_the_queue_is_refused(api_as: ApiAs, agent: User) -> None:
    it_agent = UserFactory.create(email="ivy@desk.example", role=User.Role.AGENT)
    QueueFactory.create(slug="it").agents.add(it_agent)
    QueueFactory.create(slug="billing")
    before = state()

    response = api_as(agent).post(
        URL, {"subject": "S", "body": "b", "queue": "billing", "owner": it_agent.pk}, format="json"
    )

    assert_field_refused(response, "owner")
    assert state() == before
