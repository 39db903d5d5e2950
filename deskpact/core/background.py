"""Background work in this process, on one low-priority thread, after the response.

The embedded desk has no broker. Running tasks inside the request (django-tasks'
ImmediateBackend) made every ticket wait for its acknowledgement to be rendered and sent;
here the task goes to a queue that a daemon thread drains while the process is not
serving a request (RequestActivity below counts them), at a lower CPU priority. Requests
come first: under a burst, mail waits until the burst is over, and at most
DESKPACT_BACKGROUND_MAX_DEFER seconds (30) however busy the desk is.

Nothing is kept only in memory: every task this desk queues works from rows that are
already committed (an OutgoingMail row waits with `sent_at` empty), and the periodic jobs
registered in `PERIODIC` pick up whatever a stopped process left behind.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.db import close_old_connections, connections
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks.base import Task, TaskResult, TaskResultStatus
from django_tasks.utils import get_random_id
from typing_extensions import ParamSpec

logger = logging.getLogger(__name__)

T = TypeVar("T")
P = ParamSpec("P")

# Jobs run by the thread now and then (and once when it starts): (name, every_seconds, job).
# Registered by the apps that own them (see deskpact.mail.apps).
PERIODIC: list[tuple[str, float, Callable[[], object]]] = []


def every(seconds: float, name: str) -> Callable[[Callable[[], object]], Callable[[], object]]:
    """Register `job` to run on the background thread every `seconds`."""

    def register(job: Callable[[], object]) -> Callable[[], object]:
        PERIODIC.append((name, seconds, job))
        return job

    return register


class _Runner:
    """One queue and one thread per process; started on first use, again after a fork."""

    def __init__(self, backend: ImmediateBackend) -> None:
        self.backend = backend
        self.pid = os.getpid()
        self.items: queue.Queue[tuple[float, TaskResult[Any]]] = queue.Queue()
        self.next_run = {name: 0.0 for name, _, _ in PERIODIC}
        self.thread = threading.Thread(target=self._loop, name="deskpact-background", daemon=True)
        self.thread.start()

    def put(self, result: TaskResult[Any]) -> None:
        self.items.put((time.monotonic(), result))

    def drain(self, timeout: float) -> bool:
        """Wait until everything queued so far has run; False when `timeout` passed first."""
        deadline = time.monotonic() + timeout
        while self.items.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def _loop(self) -> None:
        _lower_priority()
        while True:
            try:
                queued_at, result = self.items.get(timeout=self._wait())
            except queue.Empty:
                self._run_periodic()
                connections.close_all()  # idle: give the database its connection back
                continue
            try:
                _wait_for_idle(queued_at)
                self.backend._execute_task(result)  # records errors on the result, logs them
                if result.status == TaskResultStatus.FAILED and result.errors:
                    logger.error(
                        "background task %s failed: %s",
                        result.task.name,
                        result.errors[-1].traceback,
                    )
            except Exception:  # never let one task stop the thread
                logger.exception("background task %s crashed", result.task.name)
            finally:
                self.items.task_done()
                close_old_connections()
            self._run_periodic()

    def _wait(self) -> float:
        if not PERIODIC:
            return 60.0
        return max(0.05, min(self.next_run.values()) - time.monotonic())

    def _run_periodic(self) -> None:
        now = time.monotonic()
        for name, seconds, job in PERIODIC:
            due = self.next_run.get(name, 0.0)
            if due > now:
                continue
            _wait_for_idle(due)
            self.next_run[name] = time.monotonic() + seconds
            try:
                job()
            except Exception:
                logger.exception("periodic job %s failed", name)
            finally:
                close_old_connections()


def _lower_priority() -> None:
    # Linux keeps a nice value per thread: only this thread yields the CPU to requests.
    nice = settings.DESKPACT_BACKGROUND_NICE
    try:
        current = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), min(19, current + nice))
    except (AttributeError, OSError):  # not Linux, or not allowed: run at normal priority
        pass


class _Activity:
    """Requests in flight in this process, and when the last one ended (monotonic)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight = 0
        self.last_end = 0.0

    def started(self) -> None:
        with self.lock:
            self.in_flight += 1

    def ended(self) -> None:
        with self.lock:
            self.in_flight -= 1
            self.last_end = time.monotonic()

    def idle_for(self, seconds: float) -> bool:
        return self.in_flight == 0 and time.monotonic() - self.last_end >= seconds


ACTIVITY = _Activity()
EXIT_WAIT = 10.0  # seconds a stopping process waits for its queued work
IDLE_GAP = 0.02  # a pause this long between requests is free time for background work


def _wait_for_idle(since: float) -> None:
    # Polled, not signalled: a wake-up every 10 ms costs nothing next to a request.
    max_defer = settings.DESKPACT_BACKGROUND_MAX_DEFER
    while not ACTIVITY.idle_for(IDLE_GAP) and time.monotonic() - since < max_defer:
        time.sleep(0.01)


class RequestActivity:
    """Middleware (outermost): tells the background thread when the process is serving."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        ACTIVITY.started()
        try:
            return self.get_response(request)
        finally:
            ACTIVITY.ended()


_runner: _Runner | None = None
_runner_lock = threading.Lock()


def _get_runner(backend: ImmediateBackend) -> _Runner:
    global _runner
    with _runner_lock:
        if _runner is None or _runner.pid != os.getpid() or not _runner.thread.is_alive():
            _runner = _Runner(backend)
        return _runner


def drain(timeout: float = 30.0) -> bool:
    """Wait for this process's queued background work; True when nothing is left."""
    runner = _runner
    if runner is None or runner.pid != os.getpid():
        return True
    return runner.drain(timeout)


@atexit.register
def _drain_at_exit() -> None:
    # A command that queued mail (say `deskpact demo`) lets it go out before exiting.
    if not drain(timeout=EXIT_WAIT):
        logger.warning("background work still queued at exit; periodic jobs will pick it up")


class BackgroundThreadBackend(ImmediateBackend):
    """django-tasks backend: run each task later, on this process's background thread."""

    def enqueue(
        self,
        task: Task[P, T],
        args: P.args,  # type: ignore[valid-type]
        kwargs: P.kwargs,  # type: ignore[valid-type]
    ) -> TaskResult[T]:
        self.validate_task(task)
        result: TaskResult[T] = TaskResult(
            task=task,
            id=get_random_id(),
            status=TaskResultStatus.READY,
            enqueued_at=None,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        _get_runner(self).put(result)
        return result
