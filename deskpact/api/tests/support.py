"""Assertions shared by the API tests: every error is problem+json with a stable code."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse

PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}


def assert_problem(response: HttpResponse, status: int, code: str) -> dict[str, Any]:
    """The response is an RFC 9457 problem with `status` and `code`; returns its body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = json.loads(response.content)
    assert body.keys() >= PROBLEM_KEYS
    assert (body["status"], body["code"]) == (status, code)
    assert body["type"] == f"urn:deskpact:problem:{code}"
    assert body["title"] and body["detail"]
    return body


def assert_field_refused(
    response: HttpResponse, field: str, *, code: str = "validation_error"
) -> list[dict[str, str]]:
    """A 400 problem naming `field` among its per-field errors; returns that field's errors."""
    body = assert_problem(response, 400, code)
    assert field in body["errors"], body["errors"]
    errors: list[dict[str, str]] = body["errors"][field]
    assert errors and all(e.keys() == {"message", "code"} and e["message"] for e in errors)
    return errors
