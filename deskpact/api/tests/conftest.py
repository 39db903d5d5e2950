"""API clients that sign in the way real clients do: with a token from the desk."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from deskpact.accounts import services
from deskpact.accounts.models import User


@pytest.fixture
def token_as() -> Callable[[User], APIClient]:
    """A client sending `Authorization: Token <key>` for a freshly issued token."""

    def make(user: User) -> APIClient:
        _, key = services.issue_api_token(user, name="tests")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return make
