"""SQLite with writers queued by the operating system instead of by polling.

SQLite lets one writer in at a time; a second one waits in its busy handler, which sleeps
1, 2, 5, 10, 15 … ms between attempts. Under load two web processes keep missing each
other's short write transactions that way: most of a ticket creation's time tail was that
sleeping. Here every write transaction first takes an exclusive `flock` on a file beside
the database, which the kernel hands over the moment the holder commits. SQLite's own
locking still decides what is safe; the file lock only makes the queue fair and prompt.
"""

from __future__ import annotations

import fcntl
import os
from typing import Any

from django.db.backends.sqlite3 import base


# The hooks below are Django's private transaction methods, which django-stubs leave out.
class DatabaseWrapper(base.DatabaseWrapper):
    _writer_lock_fd: int | None = None
    _writer_lock_held = False

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        if not self.is_in_memory_db():
            path = f"{self.settings_dict['NAME']}.writers"
            self._writer_lock_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        return connection

    def _start_transaction_under_autocommit(self) -> None:
        if self._writer_lock_fd is not None and not self._writer_lock_held:
            fcntl.flock(self._writer_lock_fd, fcntl.LOCK_EX)
            self._writer_lock_held = True
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._release_writer_lock()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]
        finally:
            self._release_writer_lock()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self._release_writer_lock()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]
        finally:
            self._release_writer_lock()
            if self._writer_lock_fd is not None:
                os.close(self._writer_lock_fd)
                self._writer_lock_fd = None

    def _release_writer_lock(self) -> None:
        if self._writer_lock_held and self._writer_lock_fd is not None:
            fcntl.flock(self._writer_lock_fd, fcntl.LOCK_UN)
        self._writer_lock_held = False
