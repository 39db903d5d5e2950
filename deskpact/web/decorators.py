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


def agent_required(view: View) -> View:
    """Agents and admins only; customers get 403, strangers the login page."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not signed_in(request).is_agent:
            raise PermissionDenied("This page is for agents.")
        return view(request, *args, **kwargs)

    return wrapper
