"""`Idempotency-Key` for POSTs that create money-bearing rows (work logs, calls, top-ups,
billing runs, credit notes): a client that lost a response sends the request again with
the same key and gets the first answer instead of a second charge.

The first request with a key claims it by inserting its `IdempotentRequest` row and runs in
the same transaction as the row; its answer is stored there before the commit. A duplicate
sent meanwhile waits on the row's unique index (PostgreSQL) or on the writer lock (SQLite)
and then finds the stored answer: the database settles the race, not a lock in memory.
A failed request (4xx or 5xx) keeps no row, so the client may retry with the same key.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.exceptions import ErrorDetail
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from deskpact.accounts.models import User
from deskpact.accounts.requests import signed_in
from deskpact.api.problems import CONTENT_TYPE, problem
from deskpact.billing.models import IdempotentRequest

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
_PATH_LENGTH = IdempotentRequest._meta.get_field("path").max_length or 500

IDEMPOTENCY_KEY = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "Optional; 1 to 255 characters, unique per request you mean (a UUID will do). The "
        "first request with a key runs and its response (status, body, content type) is "
        "kept; sending the same key with the same method, path and body again answers that "
        f"response once more, with the header `{REPLAYED_HEADER}: true`, and creates "
        "nothing. The same key with another body is refused with 422 "
        "(`idempotency_key_reused`). A request that failed (4xx or 5xx) is not kept, so it "
        "may be retried with the same key. Keys belong to the signed-in user."
    ),
)

Handler = TypeVar("Handler", bound=Callable[..., Any])


def checked_key(value: str) -> str:
    """The header's value, or a 400 naming the header."""
    key = value.strip()
    if not key:
        raise exceptions.ValidationError(
            {HEADER: [ErrorDetail("The Idempotency-Key header may not be empty.", "blank")]}
        )
    if len(key) > MAX_KEY_LENGTH:
        message = f"The Idempotency-Key header takes at most {MAX_KEY_LENGTH} characters."
        raise exceptions.ValidationError({HEADER: [ErrorDetail(message, "max_length")]})
    return key


def request_digest(request: Request) -> str:
    """SHA-256 of the method, the path with its query, and the body as parsed (keys sorted):
    the same JSON sent with other spacing or key order is the same request."""
    data: Any = request.data
    if hasattr(data, "lists"):  # a QueryDict: an empty or form body
        data = dict(data.lists())
    body = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    text = "\n".join((request.method or "", request.get_full_path(), body))
    return hashlib.sha256(text.encode()).hexdigest()


def idempotent(handler: Handler) -> Handler:
    """Honour `Idempotency-Key` on a view method's POSTs (other methods pass through).

    On a viewset action, apply it above `@action`, which would otherwise replace the
    schema annotation this adds."""

    @functools.wraps(handler)
    def wrapper(view: APIView, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        value = request.headers.get(HEADER)
        if request.method != "POST" or value is None:
            return cast(HttpResponseBase, handler(view, request, *args, **kwargs))
        key = checked_key(value)
        user = signed_in(request)
        digest = request_digest(request)
        with transaction.atomic():
            claim = _claim(user, key, request, digest)
            if claim is None:
                return _answer_again(user, key, digest)
            response = cast(HttpResponseBase, handler(view, request, *args, **kwargs))
            if response.status_code >= 400:
                claim.delete()  # not kept: the client may fix the cause and retry
                return response
            if isinstance(response, Response):
                # Rendered here so the bytes kept are the bytes sent; rendering twice is a
                # no-op, so DRF's own finalize_response afterwards changes nothing.
                response = view.finalize_response(request, response, *args, **kwargs)
                assert isinstance(response, Response)
                response.render()
            claim.status_code = response.status_code
            claim.response_body = bytes(getattr(response, "content", b""))
            claim.content_type = response.get("Content-Type", "")[:100]
            claim.save(update_fields=["status_code", "response_body", "content_type"])
            return response

    schema = extend_schema(methods=["POST"], parameters=[IDEMPOTENCY_KEY])
    return cast(Handler, schema(wrapper))


def _claim(user: User, key: str, request: Request, digest: str) -> IdempotentRequest | None:
    """The new row for this key, or None when another request holds the key already."""
    try:
        with transaction.atomic():  # a savepoint: the conflict leaves the transaction usable
            return IdempotentRequest.objects.create(
                key=key,
                user=user,
                method=request.method or "",
                path=request.path[:_PATH_LENGTH],
                body_digest=digest,
            )
    except IntegrityError:
        return None


def _answer_again(user: User, key: str, digest: str) -> HttpResponseBase:
    earlier = IdempotentRequest.objects.get(user=user, key=key)
    if earlier.body_digest != digest:
        return _refusal(
            422,
            "idempotency_key_reused",
            f"This Idempotency-Key was used for another request ({earlier.method} "
            f"{earlier.path}) with another body; send a new key for a new request.",
        )
    if earlier.status_code is None:  # not expected: a claim commits with its answer
        return _refusal(
            409,
            "idempotency_key_in_use",
            "A request with this Idempotency-Key is still being processed; retry shortly.",
        )
    response = HttpResponse(
        bytes(earlier.response_body or b""),
        status=earlier.status_code,
        content_type=earlier.content_type or None,
    )
    response[REPLAYED_HEADER] = "true"
    return response


def _refusal(status_code: int, code: str, detail: str) -> HttpResponse:
    body = problem(status_code, code, detail)
    if status_code == 422:
        body["title"] = "Unprocessable content"
    body["errors"] = {HEADER: [{"message": detail, "code": code}]}
    return HttpResponse(json.dumps(body), status=status_code, content_type=CONTENT_TYPE)
