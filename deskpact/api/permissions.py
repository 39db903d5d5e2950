"""API permissions by role: admins manage, agents read, customers see their own."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from deskpact.accounts.authentication import PasswordExpired


class PasswordCurrent(BasePermission):
    """Signed in, and not holding a password that must be changed first."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if user.must_change_password_now():
            raise PasswordExpired()
        return True


class AdminWritesOthersRead(BasePermission):
    """Anyone signed in may read (querysets scope what); only admins change."""

    message = "Only admins can change this."

    def has_permission(self, request: Request, view: Any) -> bool:
        return request.method in SAFE_METHODS or bool(getattr(request.user, "is_admin", False))
