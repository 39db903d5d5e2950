"""Template context every page gets."""

from __future__ import annotations

from django.http import HttpRequest

from deskpact.licensing.services import license_standing


def license_warning(request: HttpRequest) -> dict[str, str]:
    """Admins see, on every page, when the license runs out or is not accepted."""
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_admin", False):
        return {}
    return {"license_warning": license_standing().warning}
