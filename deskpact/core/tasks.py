"""The one way to queue background work.

`enqueue(task, ticket_id=...)` runs the task after the current transaction commits
(never for a rolled-back change). Without a broker the configured django-tasks
backend runs it in this process; a broker backend plugs in through settings.TASKS
without touching callers. Pass ids, not objects: the task reads fresh rows.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django_tasks.base import Task

logger = logging.getLogger(__name__)


def enqueue(task: Task[Any, Any], **kwargs: Any) -> None:
    """Queue `task(**kwargs)` to run once the surrounding transaction has committed."""

    def _send() -> None:
        result = task.enqueue(**kwargs)
        if result.errors:  # in-process backend: the task already ran and failed
            logger.error("task %s failed: %s", task.name, result.errors[-1].traceback)

    transaction.on_commit(_send, robust=True)
