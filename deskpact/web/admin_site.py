"""The admin site signs people in through the desk's own login page.

One sign-in page means lockout, password expiry and session rules apply in one place.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


class DeskpactAdminSite(admin.AdminSite):
    site_header = "Deskpact administration"
    site_title = "Deskpact"
    index_title = "Desk setup"

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        target = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = ""
        target = target or "/admin/"
        if not request.user.is_authenticated:
            return redirect_to_login(target)
        if not self.has_permission(request):
            raise PermissionDenied("The admin site is for admins.")
        return redirect(target)
