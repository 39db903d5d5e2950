"""Concurrent seats end to end: sign-in takes one, activity keeps it, sign-out or idleness
gives it back; the count is what the database says."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from deskpact.accounts.models import User
from deskpact.accounts.services import issue_api_token
from deskpact.core.models import AuditEntry
from deskpact.licensing import leases, services
from deskpact.licensing.errors import NoSeatFree
from deskpact.licensing.models import SeatEvent, SeatLease, SeatReservation
from deskpact.testing.factories import TEST_PASSWORD, UserFactory
from deskpact.testing.licenses import IssueKey

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_seats(issue_key: IssueKey) -> None:
    services.install_license(issue_key(seat_type="concurrent", seats=2), by=None)
    leases.forget_renewals()


def _agents(count: int) -> list[User]:
    return [UserFactory.create(role=User.Role.AGENT) for _ in range(count)]


def _sign_in(user: User) -> tuple[Client, Any]:
    client = Client()
    response = client.post("/login/", {"username": user.email, "password": TEST_PASSWORD})
    return client, response


def _kinds() -> list[str]:
    return list(SeatEvent.objects.order_by("id").values_list("kind", flat=True))


def test_the_third_sign_in_on_two_seats_is_refused_saying_when_one_frees(
    two_seats: None,
) -> None:
    first, second, third = _agents(3)
    assert _sign_in(first)[1].status_code == 302
    assert _sign_in(second)[1].status_code == 302
    _, refused = _sign_in(third)
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "All 2 concurrent seats are in use, so you cannot sign in right now." in page
    assert "The earliest seat frees at" in page and "(in 30 minutes)" in page
    assert SeatLease.objects.count() == 2
    assert _kinds() == ["checkout", "checkout", "refusal"]


def test_signing_out_gives_the_seat_back_at_once(two_seats: None) -> None:
    first, second, third = _agents(3)
    client, _ = _sign_in(first)
    _sign_in(second)
    client.post("/logout/")
    assert not SeatLease.objects.filter(user=first).exists()
    assert _sign_in(third)[1].status_code == 302
    assert _kinds() == ["checkout", "checkout", "release", "checkout"]


def test_a_lease_nobody_renews_is_reclaimed_by_the_next_sign_in(two_seats: None) -> None:
    first, second, third = _agents(3)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _sign_in(first)
        _sign_in(second)  # then both browsers crash: nobody signs out
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert _sign_in(third)[1].status_code == 200  # not yet
    with time_machine.travel(start + timedelta(minutes=30, seconds=1), tick=False):
        assert _sign_in(third)[1].status_code == 302
    assert list(SeatLease.objects.values_list("user_id", flat=True)) == [third.pk]
    assert _kinds() == ["checkout", "checkout", "refusal", "expiry", "expiry", "checkout"]


def test_one_person_holds_one_seat_across_tabs_devices_and_api_clients(
    two_seats: None,
) -> None:
    (agent,) = _agents(1)
    laptop, _ = _sign_in(agent)
    phone, _ = _sign_in(agent)
    _, key = issue_api_token(agent, name="script")
    leases.forget_renewals()
    assert Client().get("/api/v1/tickets/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    for client in (laptop, phone):
        assert client.get("/console/").status_code == 200
    assert SeatLease.objects.filter(user=agent).count() == 1
    assert _kinds() == ["checkout"]


def test_activity_keeps_the_same_lease_through_a_short_drop_and_a_restart(
    two_seats: None,
) -> None:
    (agent,) = _agents(1)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client, _ = _sign_in(agent)
    taken = SeatLease.objects.get(user=agent)
    # The network drops for 20 minutes; every process restarts meanwhile (no memory left).
    leases.forget_renewals()
    with time_machine.travel(start + timedelta(minutes=20), tick=False):
        assert client.get("/console/").status_code == 200
    lease = SeatLease.objects.get(user=agent)
    assert (lease.pk, lease.taken_at) == (taken.pk, taken.taken_at)
    assert lease.expires_at == start + timedelta(minutes=50)


def _statements(client: Client, path: str) -> list[str]:
    client.get(path)  # warm
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return [_shape(q["sql"]) for q in ctx.captured_queries]


def _shape(sql: str) -> str:
    """A statement without its values (session keys, ids differ between clients)."""
    return re.sub(r"'[^']*'|\b\d+\b", "?", sql)


def test_a_fresh_lease_costs_no_statement_and_a_renewal_one(issue_key: IssueKey) -> None:
    (agent,) = _agents(1)
    named, _ = _sign_in(agent)  # evaluation license: named seats, no lease
    without_lease = _statements(named, "/account/")
    services.install_license(issue_key(seat_type="concurrent", seats=2), by=None)
    client, _ = _sign_in(agent)
    assert _statements(client, "/account/") == without_lease
    leases.forget_renewals()
    with CaptureQueriesContext(connection) as ctx:
        client.get("/account/")
    extra = [_shape(q["sql"]) for q in ctx.captured_queries]
    extra = [sql for sql in extra if sql not in without_lease]
    assert len(ctx.captured_queries) == len(without_lease) + 1
    assert len(extra) == 1 and extra[0].startswith('UPDATE "licensing_seatlease"')


def test_when_seats_fill_while_someone_was_away_their_next_page_asks_them_to_sign_in(
    two_seats: None,
) -> None:
    first, second, third = _agents(3)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        away, _ = _sign_in(first)
    leases.forget_renewals()
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        _sign_in(second)
        _sign_in(third)
        response = away.get("/console/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/login/")
    assert "All 2 concurrent seats are in use" in response.content.decode()


def test_a_reserved_seat_waits_for_its_user(two_seats: None) -> None:
    boss, first, second = _agents(3)
    SeatReservation.objects.create(user=boss, created_at=timezone.now())
    assert _sign_in(first)[1].status_code == 302
    assert _sign_in(second)[1].status_code == 200  # the other seat is the boss's
    assert _sign_in(boss)[1].status_code == 302


def test_an_overdraft_seat_is_given_with_its_event(issue_key: IssueKey) -> None:
    services.install_license(
        issue_key(seat_type="concurrent", seats=2, overdraft_percent=50), by=None
    )
    first, second, third, fourth = _agents(4)
    for user in (first, second, third):
        leases.checkout_seat(user)
    with pytest.raises(NoSeatFree):
        leases.checkout_seat(fourth)
    assert SeatLease.objects.get(user=third).is_overdraft
    assert _kinds() == ["checkout", "checkout", "overdraft", "refusal"]


def test_an_admin_frees_a_seat_from_the_license_page_audited(
    two_seats: None, admin_user: User
) -> None:
    first, second = _agents(2)
    leases.checkout_seat(first)
    leases.checkout_seat(admin_user)
    admin = Client()
    admin.force_login(admin_user)
    page = admin.get("/license/").content.decode()
    assert "Seats held now (2 of 2)" in page and first.email in page
    admin.post(f"/license/seats/{first.pk}/release/")
    assert not SeatLease.objects.filter(user=first).exists()
    entry = AuditEntry.objects.get(action="license.seat_released")
    assert entry.object_id == str(first.pk) and entry.actor_id == admin_user.pk
    assert leases.checkout_seat(second) is not None


def test_customers_need_no_seat_under_the_support_model(two_seats: None, customer: User) -> None:
    _agents(2)
    for agent in User.objects.filter(role="agent"):
        leases.checkout_seat(agent)
    client, response = _sign_in(customer)
    assert response.status_code == 302
    assert client.get("/portal/").status_code == 200
    assert not SeatLease.objects.filter(user=customer).exists()


def test_an_api_client_without_a_seat_gets_a_409_problem(two_seats: None) -> None:
    first, second, third = _agents(3)
    leases.checkout_seat(first)
    leases.checkout_seat(second)
    _, key = issue_api_token(third, name="script")
    response = Client().get("/api/v1/tickets/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 409
    assert response.json()["code"] == "no_seat_free"


def test_the_seats_api_lists_holders_and_releases_them(
    two_seats: None, admin_user: User, api_as: Any
) -> None:
    (agent,) = _agents(1)
    leases.checkout_seat(agent)
    client = api_as(admin_user)
    body = client.get("/api/v1/license/seats/").json()
    assert (body["seat_type"], body["seats"], body["in_use"], body["free"]) == (
        "concurrent",
        2,
        1,
        1,
    )
    assert [h["email"] for h in body["holders"]] == [agent.email]
    assert client.delete(f"/api/v1/license/seats/{agent.pk}/").status_code == 204
    assert client.delete(f"/api/v1/license/seats/{agent.pk}/").status_code == 404


def test_under_the_team_model_customers_take_a_free_seat_but_are_never_stopped(
    issue_key: IssueKey, customer: User, other_customer: User
) -> None:
    services.install_license(issue_key(model="team", seat_type="concurrent", seats=1), by=None)
    leases.forget_renewals()
    _, response = _sign_in(customer)
    assert response.status_code == 302 and SeatLease.objects.filter(user=customer).exists()
    second, response = _sign_in(other_customer)  # no seat left: in all the same
    assert response.status_code == 302
    assert second.get("/portal/").status_code == 200
    assert not SeatLease.objects.filter(user=other_customer).exists()
    assert _kinds() == ["checkout", "refusal", "refusal"]  # sign-in, then the first page
    # An agent under the same license is refused.
    (agent,) = _agents(1)
    assert _sign_in(agent)[1].status_code == 200
