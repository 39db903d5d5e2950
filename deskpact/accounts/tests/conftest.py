"""Signing in the way people do: through the desk's own login page."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from django.test import Client

from deskpact.accounts.models import User

if TYPE_CHECKING:  # the test client's response type, with .context and .templates
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

# Long, uncommon and unlike any fixture's email or name: passes every validator.
NEW_PASSWORD = "copper-meadow-violin-17"


def sign_in(client: Client, email: str, password: str, *, next_url: str = "") -> Response:
    """POST the login form; a success answers 302, a refusal 200 (or 429 when locked)."""
    url = f"/login/?next={next_url}" if next_url else "/login/"
    return client.post(url, {"username": email, "password": password})


def change_password(client: Client, old: str, new: str) -> Response:
    return client.post(
        "/account/password/",
        {"old_password": old, "new_password1": new, "new_password2": new},
    )


@pytest.fixture
def signed_in_client(password: str) -> Callable[[User], Client]:
    """A fresh browser signed in as `user` through POST /login/ (a tracked session)."""

    def make(user: User) -> Client:
        client = Client()
        response = sign_in(client, user.email, password)
        assert response.status_code == 302, response.content
        return client

    return make
