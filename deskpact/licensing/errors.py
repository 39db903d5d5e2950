"""What licensing refuses, with stable codes for the API."""

from __future__ import annotations

from deskpact.core.errors import Conflict, DomainError


class InvalidLicenseKey(DomainError):
    code = "invalid_license_key"
    status = 400


class NoSeatFree(Conflict):
    code = "no_seat_free"
