"""The SQLite backend queues write transactions on a file lock and always lets it go."""

from __future__ import annotations

import fcntl
import os
import threading
import time

import pytest
from django.db import connection, connections, transaction

from deskpact.accounts.models import Organization

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite backend only"),
]


def lock_is_free() -> bool:
    """True when another open file could take the writers' lock right now."""
    fd = os.open(f"{connection.settings_dict['NAME']}.writers", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)


def test_a_write_transaction_holds_the_lock_until_it_commits() -> None:
    with transaction.atomic():
        Organization.objects.create(name="Acme")
        assert not lock_is_free()
    assert lock_is_free()


def test_a_failed_transaction_lets_the_lock_go() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        Organization.objects.create(name="Acme")
        raise RuntimeError("refused")
    assert lock_is_free()
    assert not Organization.objects.exists()


def test_a_closed_connection_lets_the_lock_go() -> None:
    other = connection.copy()  # a second connection, as another request would hold
    try:
        other.ensure_connection()
        other._start_transaction_under_autocommit()  # type: ignore[attr-defined]  # atomic()'s first step
        assert not lock_is_free()
        other.close()  # e.g. a worker dying mid-request closes its connection
        assert lock_is_free()
    finally:
        other.close()


def test_writers_in_two_threads_take_turns_and_both_commit() -> None:
    order: list[str] = []
    started = threading.Event()

    def writer(name: str, hold: float) -> None:
        try:
            with transaction.atomic():
                order.append(f"{name} in")
                started.set()
                Organization.objects.create(name=name)
                time.sleep(hold)
                order.append(f"{name} out")
        finally:
            connections.close_all()

    first = threading.Thread(target=writer, args=("first", 0.3))
    first.start()
    assert started.wait(timeout=10)
    second = threading.Thread(target=writer, args=("second", 0.0))
    second.start()
    first.join(timeout=20)
    second.join(timeout=20)
    assert order == ["first in", "first out", "second in", "second out"]
    assert set(Organization.objects.values_list("name", flat=True)) == {"first", "second"}
