"""The signed-in person of a request, typed, for views behind an authentication check."""

from __future__ import annotations

from typing import Any

from deskpact.accounts.models import User


def signed_in(request: Any) -> User:
    """`request.user` after authentication has been enforced; anything else is a bug."""
    user = request.user
    if not isinstance(user, User):
        raise TypeError("signed_in() used on a view that lets anonymous visitors in")
    return user
