"""Every API error as application/problem+json (RFC 9457) with a stable `code`."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import (
    NON_FIELD_ERRORS,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.fields import get_error_detail
from rest_framework.response import Response
from rest_framework.views import exception_handler

from deskpact.core.errors import DomainError

# A URN, not a URL: it names the problem without promising a page behind it.
PROBLEM_TYPE = "urn:deskpact:problem:"
CONTENT_TYPE = "application/problem+json"

_TITLES = {
    400: "Invalid request",
    401: "Not authenticated",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Too many requests",
    500: "Server error",
}


def problem(status_code: int, code: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": PROBLEM_TYPE + code,
        "title": _TITLES.get(status_code, "Error"),
        "status": status_code,
        "detail": detail,
        "code": code,
        **extra,
    }


def _field_errors(detail: Any, prefix: str = "") -> dict[str, list[dict[str, str]]]:
    """Flatten DRF's nested error detail into {"field.sub": [{"message", "code"}]}."""
    out: dict[str, list[dict[str, str]]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for field, errs in _field_errors(value, name).items():
                out.setdefault(field, []).extend(errs)
    elif isinstance(detail, list):
        for index, item in enumerate(detail):
            if isinstance(item, (dict, list)):
                for field, errs in _field_errors(item, f"{prefix}.{index}").items():
                    out.setdefault(field, []).extend(errs)
            else:
                out.setdefault(prefix or "non_field_errors", []).append(
                    {"message": str(item), "code": getattr(item, "code", "invalid")}
                )
    else:
        out.setdefault(prefix or "non_field_errors", []).append(
            {"message": str(detail), "code": getattr(detail, "code", "invalid")}
        )
    return out


def _validation_problem(detail: Any) -> dict[str, Any]:
    errors = _field_errors(detail)
    first_field, first = next(iter(errors.items()), ("", [{"message": "Invalid input."}]))
    where = "" if first_field in ("", "non_field_errors") else f"{first_field}: "
    return problem(400, "validation_error", f"{where}{first[0]['message']}", errors=errors)


def _django_detail(exc: DjangoValidationError) -> dict[str, Any]:
    """A model or service ValidationError as DRF detail, keeping each message's code."""
    detail = get_error_detail(exc)
    if not isinstance(detail, dict):
        return {"non_field_errors": detail}
    # Django says __all__ where DRF (and so every other API error) says non_field_errors.
    return {("non_field_errors" if k == NON_FIELD_ERRORS else k): v for k, v in detail.items()}


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's exception handler, answering in problem+json with stable codes."""
    # Django raises these while DRF reads the body; unhandled they become an HTML 400.
    if isinstance(exc, RequestDataTooBig):
        detail = (
            "The request is too large. Text fields have limits (a subject 200 characters, a "
            "body 100,000); files go as multipart/form-data attachments."
        )
        return Response(
            problem(413, "request_too_large", detail), status=413, content_type=CONTENT_TYPE
        )
    if isinstance(exc, (TooManyFieldsSent, TooManyFilesSent)):
        exc = exceptions.ParseError("Too many fields or files in one request.")
    if isinstance(exc, DomainError):
        body = problem(exc.status, exc.code, exc.message, **_jsonable(exc.details))
        if exc.field:
            body["errors"] = {exc.field: [{"message": exc.message, "code": exc.code}]}
        return Response(body, status=exc.status, content_type=CONTENT_TYPE)
    if isinstance(exc, DjangoValidationError):
        return Response(
            _validation_problem(_django_detail(exc)), status=400, content_type=CONTENT_TYPE
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None  # a real bug: Django's 500 handler answers (in problem+json for /api/)
    if isinstance(exc, exceptions.ValidationError):
        body = _validation_problem(exc.detail)
    else:
        message: Any = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        body = problem(response.status_code, _code_of(exc, message), str(message))
    response.data = body
    response.content_type = CONTENT_TYPE
    return response


def _code_of(exc: Exception, detail: Any) -> str:
    code = getattr(detail, "code", None) or getattr(exc, "default_code", None) or "error"
    return {
        "not_authenticated": "not_authenticated",
        "authentication_failed": "authentication_failed",
    }.get(code, code)


def _jsonable(details: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (v if isinstance(v, (str, int, float, bool, list, dict, type(None))) else str(v))
        for k, v in details.items()
    }


def problem_response(
    request: HttpRequest, status_code: int, code: str, detail: str
) -> JsonResponse:
    """For Django's own 404/500 handlers under /api/: the same shape as DRF errors."""
    return JsonResponse(
        problem(status_code, code, detail), status=status_code, content_type=CONTENT_TYPE
    )


__all__ = ["problem_exception_handler", "problem_response", "status"]
