"""Domain errors: each carries a stable code that the API and the pages show."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A business rule refused an action; `code` is stable, `message` is for people."""

    code = "domain_error"
    status = 400

    def __init__(self, message: str, *, field: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details


class NotFound(DomainError):
    code = "not_found"
    status = 404


class PermissionRefused(DomainError):
    code = "permission_denied"
    status = 403


class Conflict(DomainError):
    code = "conflict"
    status = 409
