"""/api/v1/tickets/<key>/rating/: the requester rates a resolution 1-5, once per resolution."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from deskpact.accounts.models import Organization, User
from deskpact.api.tests.support import assert_field_refused, assert_problem
from deskpact.testing.factories import UserFactory
from deskpact.tickets import services
from deskpact.tickets.models import Rating, Ticket

ApiAs = Callable[[User], APIClient]

pytestmark = pytest.mark.django_db


def url(ticket: Ticket) -> str:
    return f"/api/v1/tickets/{ticket.key}/rating/"


@pytest.fixture
def ticket(customer: User) -> Ticket:
    return services.open_ticket(
        requester=customer, submitter=customer, subject="Printer jams", body="b", channel="web"
    )


@pytest.fixture
def resolved(ticket: Ticket, agent: User) -> Ticket:
    services.change_status(ticket, to=Ticket.Status.RESOLVED, by=agent)
    return ticket


def test_requester_rates_a_resolved_ticket(api_as: ApiAs, customer: User, resolved: Ticket) -> None:
    response = api_as(customer).post(
        url(resolved), {"score": 5, "comment": "Quick and kind."}, format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["score"], body["comment"]) == (5, "Quick and kind.")
    rating = Rating.objects.get()
    assert (rating.ticket, rating.rated_by, rating.score) == (resolved, customer, 5)
    assert rating.resolved_at == Ticket.objects.get(pk=resolved.pk).resolved_at


def test_comment_is_optional(api_as: ApiAs, customer: User, resolved: Ticket) -> None:
    response = api_as(customer).post(url(resolved), {"score": 1}, format="json")

    assert response.status_code == 201, response.content
    assert Rating.objects.get().comment == ""


def test_ratings_are_listed_to_whoever_sees_the_ticket(
    api_as: ApiAs, customer: User, agent: User, resolved: Ticket
) -> None:
    services.rate_ticket(resolved, by=customer, score=4, comment="Fine")

    for person in (customer, agent):
        rows = api_as(person).get(url(resolved)).json()
        assert [(r["score"], r["comment"]) for r in rows] == [(4, "Fine")]


def test_a_resolution_is_rated_once(api_as: ApiAs, customer: User, resolved: Ticket) -> None:
    client = api_as(customer)
    assert client.post(url(resolved), {"score": 4}, format="json").status_code == 201

    response = client.post(url(resolved), {"score": 1}, format="json")

    assert_problem(response, 409, "rating_refused")
    assert list(Rating.objects.values_list("score", flat=True)) == [4]


def test_a_new_resolution_may_be_rated_again(
    api_as: ApiAs, customer: User, agent: User, resolved: Ticket
) -> None:
    client = api_as(customer)
    client.post(url(resolved), {"score": 2}, format="json")
    services.post_reply(resolved, author=customer, body="Not fixed after all.")
    services.change_status(resolved, to=Ticket.Status.RESOLVED, by=agent)

    response = client.post(url(resolved), {"score": 5}, format="json")

    assert response.status_code == 201, response.content
    assert sorted(Rating.objects.values_list("score", flat=True)) == [2, 5]


@pytest.mark.parametrize(
    "status", [Ticket.Status.OPEN, Ticket.Status.PENDING, Ticket.Status.CLOSED]
)
def test_only_a_resolved_ticket_is_rated(
    api_as: ApiAs, customer: User, agent: User, ticket: Ticket, status: str
) -> None:
    services.change_status(ticket, to=status, by=agent)

    response = api_as(customer).post(url(ticket), {"score": 5}, format="json")

    assert_problem(response, 409, "rating_refused")
    assert not Rating.objects.exists()


def test_a_new_ticket_is_not_rated(api_as: ApiAs, customer: User, ticket: Ticket) -> None:
    assert_problem(
        api_as(customer).post(url(ticket), {"score": 5}, format="json"), 409, "rating_refused"
    )


def test_only_the_requester_rates(
    api_as: ApiAs, customer: User, agent: User, acme: Organization, resolved: Ticket
) -> None:
    acme.shares_tickets = True
    acme.save()
    colleague = UserFactory.create(email="carl@acme.example", organization=acme)

    for person in (agent, colleague):
        response = api_as(person).post(url(resolved), {"score": 5}, format="json")
        assert_problem(response, 403, "not_allowed")
    assert not Rating.objects.exists()


def test_another_organization_cannot_rate_or_read_ratings(
    api_as: ApiAs, customer: User, other_customer: User, resolved: Ticket
) -> None:
    services.rate_ticket(resolved, by=customer, score=3, comment="Meh")
    client = api_as(other_customer)

    assert_problem(client.get(url(resolved)), 404, "ticket_not_found")
    assert_problem(client.post(url(resolved), {"score": 1}, format="json"), 404, "ticket_not_found")
    assert list(Rating.objects.values_list("score", flat=True)) == [3]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "score"),
        ({"score": 0}, "score"),
        ({"score": 6}, "score"),
        ({"score": -1}, "score"),
        ({"score": 4.5}, "score"),
        ({"score": "five"}, "score"),
        ({"score": None}, "score"),
        ({"score": True}, "score"),
        ({"score": 5, "comment": "x" * 5001}, "comment"),
    ],
)
def test_bad_ratings_are_refused_on_their_field(
    api_as: ApiAs, customer: User, resolved: Ticket, payload: dict[str, Any], field: str
) -> None:
    assert_field_refused(api_as(customer).post(url(resolved), payload, format="json"), field)
    assert not Rating.objects.exists()


@pytest.mark.parametrize("comment", ["bad\\u0000", "\\ud800"])
def test_nul_and_surrogates_in_the_comment_are_refused(
    api_as: ApiAs, customer: User, resolved: Ticket, comment: str
) -> None:
    response = api_as(customer).post(
        url(resolved),
        data=f'{{"score": 3, "comment": "{comment}"}}',
        content_type="application/json",
    )

    assert_field_refused(response, "comment")
    assert not Rating.objects.exists()
