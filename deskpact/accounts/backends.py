"""Django's model backend, with the per-request user lookup compiled once."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from deskpact.accounts.models import User
from deskpact.core.prepared import PreparedLookup

# Every signed-in page reads its user by id (and the organization, which most pages show).
_USER_BY_ID: PreparedLookup[User] = PreparedLookup(
    lambda user_id: User.objects.select_related("organization").filter(pk=user_id),
    "user_id",
    ints=("user_id",),
)


class AccountBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        if not 0 < pk < 2**63:  # beyond what a row id can be (SQLite would overflow)
            return None
        user = _USER_BY_ID.first(user_id=pk)
        return user if user is not None and self.user_can_authenticate(user) else None
