"""OpenAPI extensions for the desk's own authentication classes."""

from __future__ import annotations

from drf_spectacular.authentication import SessionScheme


class SeatSessionScheme(SessionScheme):
    """Session cookies, as DRF's (the seat kept alongside changes nothing in the schema)."""

    target_class = "deskpact.accounts.authentication.SeatSessionAuthentication"
