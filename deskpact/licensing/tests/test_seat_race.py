"""Eight processes racing for seats never get more than the license has."""

from __future__ import annotations

import multiprocessing

import pytest
from django.db import connection

from deskpact.accounts.models import User
from deskpact.licensing import services
from deskpact.licensing.models import SeatEvent
from deskpact.licensing.tests.race_worker import add_agent, churn_seat
from deskpact.testing import licenses
from deskpact.testing.factories import UserFactory

PROCESSES = 8


@pytest.mark.django_db(transaction=True)
def test_processes_racing_for_two_free_seats_get_two() -> None:
    UserFactory.create_batch(3, role=User.Role.AGENT)  # evaluation: 5 seats, 2 free
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(PROCESSES), context.Queue()
    workers = [
        context.Process(
            target=add_agent, args=(connection.settings_dict["NAME"], n, barrier, results)
        )
        for n in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    assert [o for o in outcomes if o[1] == "error"] == []
    granted = [o for o in outcomes if o[1] == "granted"]
    refused = [o for o in outcomes if o[1] == "refused"]
    assert len(granted) == 2 and len(refused) == PROCESSES - 2
    assert all("All 5 named seats" in message for _, _, message in refused)
    assert User.objects.filter(role="agent", is_active=True).count() == 5


@pytest.mark.django_db(transaction=True)
def test_processes_taking_and_giving_back_three_seats_never_hold_four(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DESKPACT_LICENSE_PUBLIC_KEYS", licenses.PUBLIC)  # for the children
    services.install_license(licenses.issue_key(seat_type="concurrent", seats=3), by=None)
    users = UserFactory.create_batch(PROCESSES, role=User.Role.AGENT)
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(PROCESSES), context.Queue()
    workers = [
        context.Process(
            target=churn_seat,
            args=(connection.settings_dict["NAME"], user.pk, barrier, results, 4.0, 400),
        )
        for user in users
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    assert [o for o in outcomes if o[3]] == []
    assert sum(o[1] for o in outcomes) > 0 and sum(o[2] for o in outcomes) > 0
    # Replay the events in the order they were written (under the seat lock).
    holders: set[int] = set()
    most = 0
    for kind, user_id, in_use in SeatEvent.objects.order_by("id").values_list(
        "kind", "user_id", "in_use"
    ):
        if kind == SeatEvent.Kind.CHECKOUT:
            holders.add(user_id)
        elif kind == SeatEvent.Kind.RELEASE:
            holders.discard(user_id)
        assert in_use <= 3
        most = max(most, len(holders))
    assert most == 3 and holders == set()
    checkouts = SeatEvent.objects.filter(kind=SeatEvent.Kind.CHECKOUT).count()
    assert checkouts == sum(o[1] for o in outcomes)
