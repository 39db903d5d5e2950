"""Landing pages: the agent console home, the customer portal home, one's own account."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from deskpact.accounts.models import UserSession
from deskpact.accounts.requests import signed_in


def home(request: HttpRequest) -> HttpResponse:
    """Send each person to their own start page."""
    if not request.user.is_authenticated:
        return redirect("login")
    return redirect("console:home" if signed_in(request).is_agent else "portal:home")


@login_required
def account(request: HttpRequest) -> HttpResponse:
    sessions = UserSession.objects.filter(user=signed_in(request))
    return render(
        request,
        "account/account.html",
        {"sessions": sessions, "current_key": request.session.session_key},
    )
