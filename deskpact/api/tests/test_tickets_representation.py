"""TicketOut is written out by hand for speed: it must say exactly what its fields declare."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers
from rest_framework.test import APIClient

from deskpact.accounts.models import User
from deskpact.api.serializers.tickets import TicketOut
from deskpact.tickets import selectors, services
from deskpact.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def declared(ticket: Ticket) -> dict[str, Any]:
    """What DRF's own field-by-field representation of TicketOut gives."""
    return dict(serializers.ModelSerializer.to_representation(TicketOut(), ticket))


def test_ticket_out_matches_its_declared_fields(customer: User, agent: User) -> None:
    plain = services.open_ticket(
        requester=customer, submitter=customer, subject="Plain", body="b", channel="web"
    )
    worked = services.open_ticket(
        requester=customer,
        submitter=agent,
        subject="Phoned in <b>bold</b>",
        body="Caller said: ünïcödé",
        channel="phone",
        owner=agent,
        priority="high",
        follows=plain,
        at=datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=UTC),
    )
    services.update_ticket(worked, by=agent, status="resolved", cause="configuration")
    for ticket in (plain, worked):
        for shaped in (selectors.get_ticket_for(agent, ticket.pk, summary=True), ticket):
            assert TicketOut(shaped).data == declared(shaped)
    assert TicketOut(worked).data["follows"] == plain.key
    assert TicketOut(plain).data["owner"] is None


def test_ticket_out_keys_are_the_declared_fields(customer: User) -> None:
    ticket = services.open_ticket(
        requester=customer, submitter=customer, subject="s", body="b", channel="web"
    )
    assert list(TicketOut(ticket).data) == list(TicketOut.Meta.fields)


def statements(call: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = call()
    assert response.status_code in (200, 201), response.content
    return len(ctx.captured_queries)


def test_reading_a_ticket_costs_three_statements_and_reads_no_password(
    token_as: Callable[[User], APIClient], agent: User, customer: User
) -> None:
    ticket = services.open_ticket(
        requester=customer, submitter=agent, subject="s", body="b", channel="phone", owner=agent
    )
    client = token_as(agent)
    client.get(f"/api/v1/tickets/{ticket.key}/")  # the token's once-a-minute touch
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/api/v1/tickets/{ticket.key}/")
    assert response.status_code == 200
    # The token with its user, the agent's queues, the ticket.
    assert len(ctx.captured_queries) == 3
    ticket_sql = ctx.captured_queries[-1]["sql"]
    assert "password" not in ticket_sql and "last_login" not in ticket_sql


def test_a_customer_opens_a_ticket_in_a_fixed_number_of_statements(
    token_as: Callable[[User], APIClient], customer: User
) -> None:
    client = token_as(customer)
    body = {"subject": "Printer", "body": "It jams.", "priority": "normal"}
    client.post("/api/v1/tickets/", body, format="json")
    counts = {
        statements(lambda: client.post("/api/v1/tickets/", body, format="json")) for _ in range(3)
    }
    # The token; the organization's contracts (it has none: no balance to read); then in one
    # transaction (a savepoint pair here, inside the test's own transaction) the default
    # queue, the ticket, its "created" event, its acknowledgement.
    assert counts == {8}
