"""`Authorization: Token <key>` for the API, checked against stored digests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.request import Request

from deskpact.accounts import tokens
from deskpact.accounts.models import ApiToken
from deskpact.core.prepared import PreparedLookup
from deskpact.licensing.leases import keep_seat


class PasswordExpired(exceptions.PermissionDenied):
    default_detail = "Your password has expired: sign in on the web to choose a new one."
    default_code = "password_expired"


# Every API request makes this lookup: compiled once, not per request.
_TOKEN_BY_DIGEST: PreparedLookup[ApiToken] = PreparedLookup(
    lambda key_hash: ApiToken.objects.select_related("user", "user__organization").filter(
        key_hash=key_hash
    ),
    "key_hash",
)


class ApiTokenAuthentication(TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key: str) -> tuple[Any, ApiToken]:
        token = _TOKEN_BY_DIGEST.first(key_hash=tokens.digest(key))
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.", code="bad_token")
        changed = token.user.password_changed_at
        if changed is not None and token.created_at < changed:
            # A password change voids every token issued before it, wherever it was made.
            raise exceptions.AuthenticationFailed("Invalid or revoked token.", code="bad_token")
        if token.user.must_change_password_now():
            raise PasswordExpired()
        now = timezone.now()
        # Touch at most once a minute: a busy client must not write on every request.
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        keep_seat(token.user, at=now)  # concurrent licenses: NoSeatFree (409) when full
        return token.user, token


class SeatSessionAuthentication(SessionAuthentication):
    """DRF's session authentication; a licensed user also keeps a concurrent seat."""

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is not None:
            keep_seat(result[0])
        return result
