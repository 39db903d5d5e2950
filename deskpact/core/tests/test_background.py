"""The embedded desk's background thread: tasks run after the response, at low priority."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django_tasks import task

from deskpact.accounts.tasks import send_account_email
from deskpact.core import background
from deskpact.core.tasks import enqueue

THREAD_BACKEND = {"default": {"BACKEND": "deskpact.core.background.BackgroundThreadBackend"}}
SEEN: list[dict[str, Any]] = []


@task()
def note_where_i_ran(*, label: str) -> None:
    me = threading.get_native_id()
    SEEN.append(
        {
            "label": label,
            "thread": threading.current_thread().name,
            "nice": os.getpriority(os.PRIO_PROCESS, me),
        }
    )


@task()
def fail_loudly() -> None:
    raise RuntimeError("this task always fails")


@pytest.fixture
def thread_backend(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    settings.TASKS = THREAD_BACKEND
    monkeypatch.setattr(background, "PERIODIC", [])  # the desk's own jobs read the database
    SEEN.clear()
    yield
    assert background.drain(timeout=10), "background work did not finish"


def test_a_task_runs_on_the_background_thread_not_in_the_caller(thread_backend: None) -> None:
    note_where_i_ran.enqueue(label="first")
    assert background.drain(timeout=10)
    [run] = SEEN
    assert run["label"] == "first"
    assert run["thread"] == "deskpact-background"
    assert threading.current_thread().name != "deskpact-background"


def test_the_background_thread_runs_at_a_lower_priority_than_requests(
    thread_backend: None,
) -> None:
    note_where_i_ran.enqueue(label="priority")
    assert background.drain(timeout=10)
    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert SEEN[0]["nice"] == min(19, mine + 10)


def test_a_failing_task_does_not_stop_the_ones_after_it(
    thread_backend: None, caplog: pytest.LogCaptureFixture
) -> None:
    fail_loudly.enqueue()
    note_where_i_ran.enqueue(label="after the failure")
    assert background.drain(timeout=10)
    assert [run["label"] for run in SEEN] == ["after the failure"]
    assert "this task always fails" in caplog.text


def test_tasks_run_in_the_order_they_were_queued(thread_backend: None) -> None:
    for n in range(20):
        note_where_i_ran.enqueue(label=str(n))
    assert background.drain(timeout=10)
    assert [run["label"] for run in SEEN] == [str(n) for n in range(20)]


@pytest.mark.django_db(transaction=True)
def test_queued_mail_goes_out_only_after_commit_and_off_the_request(
    thread_backend: None,
) -> None:
    with transaction.atomic():
        enqueue(send_account_email, subject="Welcome", body="Hello", to="a@example.com")
    assert background.drain(timeout=10)
    assert [m.subject for m in mail.outbox] == ["Welcome"]


def test_periodic_jobs_run_when_the_thread_starts(
    thread_backend: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran = threading.Event()
    monkeypatch.setattr(background, "PERIODIC", [("test job", 3600, ran.set)])
    # A fresh runner, as in a new process, so the job is due at once.
    monkeypatch.setattr(background, "_runner", None)
    note_where_i_ran.enqueue(label="wake")
    assert ran.wait(timeout=10)
    assert background.drain(timeout=10)


def test_an_unknown_task_mode_is_refused_with_the_setting_named() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", "import deskpact.settings"],
        env={**os.environ, "DESKPACT_TASKS": "sideways"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "DESKPACT_TASKS must be one of thread, immediate" in result.stderr


def test_background_work_waits_while_a_request_is_being_served(thread_backend: None) -> None:
    background.ACTIVITY.started()  # a request is in flight in this process
    try:
        note_where_i_ran.enqueue(label="after the request")
        assert not background.drain(timeout=0.5)
        assert SEEN == []
    finally:
        background.ACTIVITY.ended()
    assert background.drain(timeout=10)
    assert [run["label"] for run in SEEN] == ["after the request"]


def test_under_endless_load_background_work_waits_at_most_the_configured_time(
    thread_backend: None, settings: Any
) -> None:
    settings.DESKPACT_BACKGROUND_MAX_DEFER = 0.3
    background.ACTIVITY.started()
    try:
        note_where_i_ran.enqueue(label="overdue")
        assert background.drain(timeout=10)  # ran although the request never ended
        assert [run["label"] for run in SEEN] == ["overdue"]
    finally:
        background.ACTIVITY.ended()


def test_the_activity_middleware_counts_the_request_even_when_the_view_fails() -> None:
    def view(request: Any) -> Any:
        assert background.ACTIVITY.in_flight == 1
        raise RuntimeError("view failed")

    before = background.ACTIVITY.in_flight
    with pytest.raises(RuntimeError):
        background.RequestActivity(view)(object())
    assert background.ACTIVITY.in_flight == before
