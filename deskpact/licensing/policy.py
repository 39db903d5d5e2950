"""Which license model the desk runs under, and who it licenses (SPEC §3).

Everything that depends on the model asks `current_license_model()`: the model of the
installed license while it holds, else the evaluation license's (Support).
"""

from __future__ import annotations

from django.db import models


class LicenseModel(models.TextChoices):
    SUPPORT = "support", "Support (agents licensed, customers free)"
    TEAM = "team", "Team (every active user licensed)"


STAFF_ROLES = frozenset({"admin", "agent"})


def current_license_model() -> LicenseModel:
    """The model of the license in force; the evaluation license is Support."""
    from deskpact.licensing.services import license_standing  # models import this module

    return LicenseModel(license_standing().terms.model)


def role_is_licensed(role: str, model: LicenseModel) -> bool:
    """Support licenses agents and admins; Team licenses every active user."""
    return model == LicenseModel.TEAM or role in STAFF_ROLES


def may_own_tickets(role: str, model: LicenseModel) -> bool:
    """Support: only agents and admins own tickets. Team: any active user may."""
    return model == LicenseModel.TEAM or role in STAFF_ROLES


def may_submit_on_behalf(role: str, model: LicenseModel) -> bool:
    """Support: only agents and admins log tickets for someone else. Team: anyone may."""
    return model == LicenseModel.TEAM or role in STAFF_ROLES
