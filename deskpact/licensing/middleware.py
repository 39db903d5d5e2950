"""Web pages: a signed-in licensed user keeps a concurrent seat while they work."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from deskpact.licensing.errors import NoSeatFree
from deskpact.licensing.leases import keep_seat

# The API keeps seats in its authentication classes; static files need none.
_NOT_HERE = ("/static/", "/api/", "/healthz", "/readyz")


class SeatLeaseMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(_NOT_HERE):
            try:
                keep_seat(user)
            except NoSeatFree as refused:
                # Their lease ran out while away and the seats filled: back to sign-in.
                logout(request)
                messages.error(request, refused.message)
                return redirect("login")
        return self.get_response(request)
