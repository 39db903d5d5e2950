"""Who may open which part of the web interface."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from deskpact.accounts.requests import signed_in

View = Callable[..., HttpResponse]


def _role_required(allowed: Callable[[Any], bool], refusal: str) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not allowed(signed_in(request)):
                raise PermissionDenied(refusal)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


# Agents and admins only; customers get 403, strangers the login page.
agent_required = _role_required(lambda user: user.is_agent, "This page is for agents.")
# Admins only; agents and customers get 403, strangers the login page.
admin_required = _role_required(lambda user: user.is_admin, "This page is for admins.")
