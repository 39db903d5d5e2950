"""Attachment downloads, for agents and customers alike (SPEC §1: always as downloads).

Whoever may not see the message gets a 404, the same as for a file that does not exist.
"""

from __future__ import annotations

import re

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_safe

from deskpact.accounts.requests import signed_in
from deskpact.tickets.errors import TicketNotFound
from deskpact.tickets.selectors import get_attachment_for

_PLAIN_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _media_type(stored: str) -> str:
    # The stored type came from the uploader; only a bare, well-formed type goes back out.
    value = stored.strip().lower()
    return value if _PLAIN_MEDIA_TYPE.fullmatch(value) else "application/octet-stream"


@login_required
@require_safe
def download(request: HttpRequest, attachment_id: int) -> FileResponse:
    try:
        attachment = get_attachment_for(signed_in(request), attachment_id)
    except TicketNotFound:
        raise Http404("No such attachment.") from None
    try:
        handle = attachment.file.storage.open(attachment.file.name or "", "rb")
    except (FileNotFoundError, IsADirectoryError):
        raise Http404("The file of this attachment is missing.") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        # Mail can bring any name; a line break in a header would break the response.
        filename=_CONTROL.sub("_", attachment.filename) or "attachment",
        content_type=_media_type(attachment.content_type),
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Should a browser render it anyway, it runs nothing and loads nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
