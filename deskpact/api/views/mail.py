"""/api/v1/mail/inbound/: a raw RFC 5322 message from a mail provider's inbound webhook.

The caller is a mail source, not a person: it proves itself with the source's secret
(`Authorization: Bearer <secret>` or `X-Deskpact-Source-Secret`), never with a session,
so no cookie or CSRF token is involved.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.parsers import BaseParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from deskpact.api.serializers.mail import InboundAcceptedOut
from deskpact.mail import inbound, sources
from deskpact.mail.models import MailSource

SECRET_HEADER = "HTTP_X_DESKPACT_SOURCE_SECRET"


class SourceSecretAuthentication(BaseAuthentication):
    """A mail source's secret, as a bearer token or in X-Deskpact-Source-Secret."""

    def authenticate(self, request: Request) -> tuple[Any, MailSource] | None:
        secret = request.META.get(SECRET_HEADER, "").strip()
        if not secret:
            parts = get_authorization_header(request).split()
            if not parts or parts[0].lower() != b"bearer":
                return None
            if len(parts) != 2:
                raise exceptions.AuthenticationFailed(
                    "Send the source secret as 'Authorization: Bearer <secret>'.",
                    code="bad_source_secret",
                )
            secret = parts[1].decode("ascii", "replace")
        source = sources.source_for_secret(secret)
        if source is None or source.kind != MailSource.Kind.API:
            raise exceptions.AuthenticationFailed(
                "The source secret is not valid for the inbound mail endpoint.",
                code="bad_source_secret",
            )
        return AnonymousUser(), source

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="deskpact-mail"'


class SourceSecretScheme(OpenApiAuthenticationExtension):
    target_class = "deskpact.api.views.mail.SourceSecretAuthentication"
    name = "mailSourceSecret"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "The secret of an HTTP-endpoint mail source (shown once when the "
            "source is created). X-Deskpact-Source-Secret: <secret> works as well.",
        }


class IsMailSource(BasePermission):
    def has_permission(self, request: Request, view: object) -> bool:
        return isinstance(request.auth, MailSource)


class RawMessageParser(BaseParser):
    """The request body is the message itself, read up to the desk's size limit."""

    media_type = "message/rfc822"

    def parse(  # type: ignore[override]  # the data is the message's bytes, not a mapping
        self, stream: Any, media_type: str | None = None, parser_context: Any = None
    ) -> bytes:
        limit = inbound.max_message_bytes()
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > limit:
            raise inbound.MessageTooLarge(
                f"The message is {int(declared):,} bytes; the desk takes at most {limit:,}.",
                field="message",
            )
        if stream is None:
            return b""
        chunks: list[bytes] = []
        size = 0
        while size <= limit:  # bounded: at most limit + 1 bytes are read
            chunk = stream.read(min(1024 * 1024, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise inbound.MessageTooLarge(
                f"The message is over {limit:,} bytes; the desk takes at most {limit:,}.",
                field="message",
            )
        return b"".join(chunks)


class OctetStreamMessageParser(RawMessageParser):
    media_type = "application/octet-stream"


RAW_EXAMPLE = (
    "From: Alice Example <alice@acme.example>\r\n"
    "To: support@desk.example\r\n"
    "Subject: VPN drops every hour\r\n"
    "Message-ID: <plain-1@acme.example>\r\n"
    "Date: Mon, 2 Nov 2026 10:14:02 +0100\r\n"
    "\r\n"
    "The VPN drops every hour on the hour.\r\n"
)


class InboundMailView(APIView):
    authentication_classes = [SourceSecretAuthentication]
    permission_classes = [IsMailSource]
    parser_classes = [RawMessageParser, OctetStreamMessageParser]

    @extend_schema(
        operation_id="mail_inbound_create",
        summary="Deliver one raw email message",
        description=(
            "The body is one RFC 5322 message, exactly as received (headers, MIME parts, "
            "CRLF or LF). It is stored, committed, and only then answered with 202; making "
            "it a ticket or a reply happens in the background, once however often it is "
            "delivered. Errors are problem+json: `not_authenticated` or "
            "`bad_source_secret` (401), `message_refused` for an empty body (400), "
            "`message_too_large` (413)."
        ),
        request={
            "message/rfc822": OpenApiTypes.BINARY,
            "application/octet-stream": OpenApiTypes.BINARY,
        },
        responses={
            202: InboundAcceptedOut,
            400: OpenApiResponse(description="The message is empty (`message_refused`)."),
            401: OpenApiResponse(description="No or a wrong source secret."),
            413: OpenApiResponse(description="The message is over the size limit."),
        },
        examples=[
            OpenApiExample(
                "A plain message",
                value=RAW_EXAMPLE,
                request_only=True,
                media_type="message/rfc822",
            ),
            OpenApiExample(
                "Stored",
                value={
                    "id": 4711,
                    "status": "received",
                    "size": 212,
                    "message_id": "<plain-1@acme.example>",
                },
                response_only=True,
                status_codes=["202"],
            ),
        ],
        tags=["mail"],
    )
    def post(self, request: Request) -> Response:
        data: Any = request.data  # bytes from the parsers; {} when the body was empty
        raw = data if isinstance(data, bytes) else b""
        source = request.auth
        assert isinstance(source, MailSource)
        stored = inbound.receive(raw, source=source, ref=request.META.get("HTTP_X_REQUEST_ID", ""))
        body: Any = {
            "id": stored.pk,
            "status": stored.status,
            "size": stored.size,
            "message_id": stored.message_id,
        }
        return Response(InboundAcceptedOut(body).data, status=202)
