"""Send a user whose password must change to the change page before anything else."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

_ALWAYS_ALLOWED = ("/static/", "/api/", "/healthz", "/readyz")


class PasswordExpiryMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_ALWAYS_ALLOWED)
            and request.path not in self._allowed_paths()
            and user.must_change_password_now()
        ):
            messages.warning(request, "Your password has expired. Choose a new one to continue.")
            return redirect("password_change")
        return self.get_response(request)

    @staticmethod
    def _allowed_paths() -> set[str]:
        return {reverse("password_change"), reverse("password_change_done"), reverse("logout")}
