"""GET and PATCH /api/v1/tickets/<key>/: by key or number; agents change, all or nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from deskpact.accounts.models import User
from deskpact.api.tests.support import assert_field_refused, assert_problem
from deskpact.testing.factories import QueueFactory, UserFactory
from deskpact.tickets import services
from deskpact.tickets.models import Ticket, TicketEvent

ApiAs = Callable[[User], APIClient]

pytestmark = pytest.mark.django_db


def url(ticket: Ticket | str | int) -> str:
    key = ticket.key if isinstance(ticket, Ticket) else ticket
    return f"/api/v1/tickets/{key}/"


@pytest.fixture
def ticket(customer: User) -> Ticket:
    return services.open_ticket(
        requester=customer, submitter=customer, subject="Printer jams", body="b", channel="web"
    )


def stored(ticket: Ticket) -> tuple[Any, ...]:
    row = Ticket.objects.get(pk=ticket.pk)
    return (row.status, row.priority, row.cause, row.owner_id, row.resolved_at, row.updated_at)


# Reading --------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["{key}", "{number}", "dp-{number}", "Dp-{number}"])
def test_ticket_is_found_by_key_or_number(
    api_as: ApiAs, customer: User, ticket: Ticket, form: str
) -> None:
    response = api_as(customer).get(url(form.format(key=ticket.key, number=ticket.pk)))

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["key"], body["id"], body["subject"]) == (ticket.key, ticket.pk, "Printer jams")
    assert body.keys() == {
        "key",
        "id",
        "subject",
        "body",
        "status",
        "priority",
        "channel",
        "cause",
        "queue",
        "requester",
        "submitter_id",
        "organization",
        "owner",
        "follows",
        "contract",
        "entitlement",
        "created_at",
        "updated_at",
        "first_response_at",
        "resolved_at",
        "closed_at",
    }


def test_invisible_and_nonexistent_tickets_answer_the_same_404(
    api_as: ApiAs, other_customer: User, ticket: Ticket
) -> None:
    client = api_as(other_customer)

    hidden = assert_problem(client.get(url(ticket)), 404, "ticket_not_found")
    missing = assert_problem(client.get(url("DP-999999")), 404, "ticket_not_found")

    # Word for word the same but for the key the caller sent.
    assert hidden | {"detail": None} == missing | {"detail": None}
    assert hidden["detail"].replace(ticket.key, "?") == missing["detail"].replace("DP-999999", "?")


@pytest.mark.parametrize("key", ["DP-0", "0", "9" * 30, "DP-" + "9" * 18])
def test_out_of_range_keys_are_not_found(api_as: ApiAs, customer: User, key: str) -> None:
    response = api_as(customer).get(url(key))

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("key", ["DP-x", "abc", "DP--1", "1.5"])
def test_keys_of_another_shape_are_not_routed(api_as: ApiAs, customer: User, key: str) -> None:
    assert_problem(api_as(customer).get(url(key)), 404, "not_found")


def test_detail_costs_the_same_queries_for_2_and_20_messages(
    api_as: ApiAs, agent: User, customer: User, ticket: Ticket
) -> None:
    client = api_as(agent)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url(ticket)).status_code == 200
        return len(captured)

    for n in range(2):
        services.post_reply(ticket, author=customer, body=f"reply {n}")
    few = queries()
    for n in range(18):
        services.post_note(ticket, author=agent, body=f"note {n}")

    assert queries() == few


# Changing -------------------------------------------------------------------------------


def test_agent_changes_status_priority_cause_and_owner_together(
    api_as: ApiAs, agent: User, ticket: Ticket
) -> None:
    response = api_as(agent).patch(
        url(ticket),
        {"status": "resolved", "priority": "urgent", "cause": "configuration", "owner": agent.pk},
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["priority"], body["cause"], body["owner"]["id"]) == (
        "resolved",
        "urgent",
        "configuration",
        agent.pk,
    )
    assert body["resolved_at"] is not None
    row = Ticket.objects.get(pk=ticket.pk)
    assert (row.status, row.priority, row.cause, row.owner) == (
        "resolved",
        "urgent",
        "configuration",
        agent,
    )
    kinds = set(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert {"assigned", "priority", "cause", "status"} <= kinds


def test_agent_unassigns_with_null_owner(api_as: ApiAs, agent: User, ticket: Ticket) -> None:
    services.assign_ticket(ticket, owner=agent, by=agent)

    response = api_as(agent).patch(url(ticket), {"owner": None}, format="json")

    assert response.json()["owner"] is None
    assert Ticket.objects.get(pk=ticket.pk).owner is None


def test_refused_transition_changes_nothing_else(
    api_as: ApiAs, agent: User, ticket: Ticket
) -> None:
    services.change_status(ticket, to=Ticket.Status.CLOSED, by=agent)
    before, events = stored(ticket), TicketEvent.objects.count()

    response = api_as(agent).patch(
        url(ticket), {"priority": "urgent", "owner": agent.pk, "status": "open"}, format="json"
    )

    body = assert_problem(response, 409, "transition_refused")
    assert "status" in body["errors"]
    assert stored(ticket) == before
    assert TicketEvent.objects.count() == events


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"status": "bogus", "priority": "urgent"}, "status"),
        ({"priority": "critical", "status": "open"}, "priority"),
        ({"cause": "gremlins", "priority": "urgent"}, "cause"),
        ({"owner": 999_999, "priority": "urgent"}, "owner"),
        ({"owner": "sam", "priority": "urgent"}, "owner"),
    ],
)
def test_invalid_field_changes_nothing(
    api_as: ApiAs, agent: User, ticket: Ticket, payload: dict[str, Any], field: str
) -> None:
    before, events = stored(ticket), TicketEvent.objects.count()

    assert_field_refused(api_as(agent).patch(url(ticket), payload, format="json"), field)
    assert stored(ticket) == before
    assert TicketEvent.objects.count() == events


def test_a_customer_cannot_be_made_owner(
    api_as: ApiAs, agent: User, customer: User, ticket: Ticket
) -> None:
    before = stored(ticket)

    response = api_as(agent).patch(
        url(ticket), {"owner": customer.pk, "priority": "urgent"}, format="json"
    )

    assert_field_refused(response, "owner")
    assert stored(ticket) == before


def test_customer_may_not_change_their_own_ticket(
    api_as: ApiAs, customer: User, agent: User, ticket: Ticket
) -> None:
    before = stored(ticket)

    for payload in (
        {"status": "resolved"},
        {"priority": "urgent"},
        {"owner": agent.pk},
        {"owner": 999_999},  # refused the same: no hint which ids exist
        {},
    ):
        response = api_as(customer).patch(url(ticket), payload, format="json")
        assert_problem(response, 403, "not_allowed")
    assert stored(ticket) == before


def test_customer_patching_someone_elses_ticket_finds_nothing(
    api_as: ApiAs, other_customer: User, ticket: Ticket
) -> None:
    before = stored(ticket)

    response = api_as(other_customer).patch(url(ticket), {"status": "closed"}, format="json")

    assert_problem(response, 404, "ticket_not_found")
    assert stored(ticket) == before


def test_put_is_not_offered(api_as: ApiAs, agent: User, ticket: Ticket) -> None:
    response = api_as(agent).put(url(ticket), {"status": "open"}, format="json")

    assert_problem(response, 405, "method_not_allowed")


def test_agent_limited_to_other_queues_cannot_change_it(api_as: ApiAs, ticket: Ticket) -> None:
    it_agent = UserFactory.create(role=User.Role.AGENT)
    QueueFactory.create(slug="it").agents.add(it_agent)
    before = stored(ticket)

    response = api_as(it_agent).patch(url(ticket), {"priority": "urgent"}, format="json")

    assert_problem(response, 404, "ticket_not_found")
    assert stored(ticket) == before
