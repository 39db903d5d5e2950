"""Eight processes asking for the last named seats at once get exactly the seats free."""

from __future__ import annotations

import multiprocessing

import pytest
from django.db import connection

from deskpact.accounts.models import User
from deskpact.licensing.tests.race_worker import add_agent
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
