"""Workers in separate processes processing one message at once make one ticket.

PostgreSQL only: the at-most-once rule is a partial unique index that makes the second
writer wait for the first and then fail, which needs real concurrent connections.
Module-level imports stay stdlib-only: each child process imports this module before
it has set Django up.
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Any

import pytest

WORKERS = 4
ROUNDS = 3


def process_in_child(database_name: str, inbound_id: int, barrier: Any, results: Any) -> None:
    """One worker: set Django up against the test database, then process the message."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deskpact.settings")
    import django

    django.setup()
    from django.db import connection

    from deskpact.mail import inbound

    connection.settings_dict["NAME"] = database_name
    try:
        connection.ensure_connection()
        barrier.wait(timeout=60)  # every worker starts at the same moment
        outcome = inbound.process(inbound_id)
        results.put((inbound_id, outcome.outcome if outcome else "not_claimed", ""))
    except Exception as exc:  # reported to the test, which fails on it
        results.put((inbound_id, "error", f"{type(exc).__name__}: {exc}"))
    finally:
        connection.close()


def run_workers(targets: list[int]) -> list[tuple[int, str, str]]:
    """Process each of `targets` in its own process, all at once; bounded waits."""
    from django.db import connection

    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(len(targets)), context.Queue()
    name = connection.settings_dict["NAME"]
    workers = [
        context.Process(target=process_in_child, args=(name, pk, barrier, results))
        for pk in targets
    ]
    for worker in workers:
        worker.start()
    try:
        outcomes = [results.get(timeout=120) for _ in workers]
    finally:
        for worker in workers:
            worker.join(timeout=30)
            if worker.is_alive():
                worker.kill()
                worker.join(timeout=10)
    assert [o for o in outcomes if o[1] == "error"] == []
    return outcomes


@pytest.fixture
def on_postgresql(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL; SQLite serialises them")
    monkeypatch.setenv("DESKPACT_TASKS", "immediate")  # children leave no background thread


def raw_message(n: int) -> bytes:
    return (
        "From: Alice Example <alice@acme.example>\r\n"
        "To: support@deskpact.localhost\r\n"
        f"Subject: Race {n}\r\n"
        f"Message-ID: <race-{n}@acme.example>\r\n"
        "\r\n"
        f"Two workers read this message {n} at once.\r\n"
    ).encode()


@pytest.mark.django_db(transaction=True)
def test_workers_processing_the_same_stored_message_make_one_ticket(
    on_postgresql: None, customer: Any
) -> None:
    from deskpact.mail import inbound
    from deskpact.mail.models import InboundMessage
    from deskpact.tickets.models import Ticket

    for n in range(ROUNDS):
        stored = inbound.receive(raw_message(n), kind="pipe", process_later=False)
        outcomes = run_workers([stored.pk] * WORKERS)
        assert sorted(o[1] for o in outcomes) == ["not_claimed"] * (WORKERS - 1) + ["ticket"]
        stored.refresh_from_db()
        assert (stored.status, stored.attempts) == (InboundMessage.Status.PROCESSED, 1)
        assert Ticket.objects.filter(subject=f"Race {n}").count() == 1


@pytest.mark.django_db(transaction=True)
def test_workers_processing_two_copies_of_one_message_make_one_ticket(
    on_postgresql: None, customer: Any
) -> None:
    from deskpact.mail import inbound
    from deskpact.mail.models import InboundMessage, OutgoingMail
    from deskpact.tickets.models import Ticket

    Status = InboundMessage.Status
    for n in range(ROUNDS):
        # The same message stored twice (an MTA that retried, two sources for one mailbox).
        copies = [
            inbound.receive(raw_message(100 + n), kind="pipe", process_later=False)
            for _ in range(WORKERS)
        ]
        outcomes = run_workers([c.pk for c in copies])
        assert sorted(o[1] for o in outcomes) == ["duplicate"] * (WORKERS - 1) + ["ticket"]
        rows = InboundMessage.objects.filter(pk__in=[c.pk for c in copies])
        assert sorted(rows.values_list("status", flat=True)) == sorted(
            [Status.IGNORED] * (WORKERS - 1) + [Status.PROCESSED]
        )  # none left half-done in "processing"
        tickets = Ticket.objects.filter(subject=f"Race {100 + n}")
        assert tickets.count() == 1
        assert set(rows.values_list("ticket_id", flat=True)) == {tickets.get().pk}
        assert OutgoingMail.objects.filter(ticket=tickets.get()).count() == 1  # one answer
