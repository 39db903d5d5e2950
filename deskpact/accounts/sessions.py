"""Database sessions whose tracked row follows the session when Django renews its key.

Django issues a new key on a password change (`update_session_auth_hash`) and in the
admin's password form; without this the `UserSession` row keeps the dead key and the
live session can no longer be ended on purpose. Enable with
SESSION_ENGINE = "deskpact.accounts.sessions".
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from deskpact.accounts.models import UserSession
from deskpact.core.prepared import PreparedLookup

# Read on every signed-in page: compiled once.
_SESSION_BY_KEY: PreparedLookup[Session] = PreparedLookup(
    lambda session_key: Session.objects.filter(session_key=session_key), "session_key"
)


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self) -> Any:
        # Django's own lookup, with the expiry compared here rather than in SQL.
        if not self.session_key:
            return None
        session = _SESSION_BY_KEY.first(session_key=self.session_key)
        if session is None or session.expire_date <= timezone.now():
            self._session_key = None
            return None
        return session

    def cycle_key(self) -> None:
        old_key = self.session_key
        super().cycle_key()
        if old_key and old_key != self.session_key:
            UserSession.objects.filter(session_key=old_key).update(session_key=self.session_key)

    def flush(self) -> None:
        # A flush (sign-out, or signing in as someone else) ends the session for good.
        old_key = self.session_key
        super().flush()
        if old_key:
            UserSession.objects.filter(session_key=old_key).delete()
