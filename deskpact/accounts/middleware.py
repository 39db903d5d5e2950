"""Send a user whose password must change to the change page before anything else."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.messages.storage.base import BaseStorage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

_ALWAYS_ALLOWED = ("/static/", "/api/", "/healthz", "/readyz")
EXPIRED = "Your password has expired. Choose a new one to continue."
TEMPORARY = "Your password was set for you. Choose your own to continue."


class PasswordExpiryMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.must_change_password_now()
            and not request.path.startswith(_ALWAYS_ALLOWED)
            and request.path not in self._allowed_paths()
        ):
            _warn_once(request, TEMPORARY if user.must_change_password else EXPIRED)
            return redirect("password_change")
        return self.get_response(request)

    @staticmethod
    def _allowed_paths() -> set[str]:
        return {reverse("password_change"), reverse("password_change_done"), reverse("logout")}


def _warn_once(request: HttpRequest, text: str) -> None:
    # Every page visited before the change redirects here: say it once, not once per page.
    pending = messages.get_messages(request)
    already = any(message.message == text for message in pending)
    if isinstance(pending, BaseStorage):
        pending.used = False  # looking is not showing: the messages stay for the next page
    if not already:
        messages.warning(request, text)
