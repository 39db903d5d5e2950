"""Reads of people and organizations, scoped to what the asking user may see."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from deskpact.accounts.models import Organization, OrganizationDomain, User


def organizations_visible_to(user: User) -> QuerySet[Organization]:
    """Agents and admins see every organization; a customer only their own."""
    rows = Organization.objects.prefetch_related(
        Prefetch("domains", queryset=OrganizationDomain.objects.order_by("domain"))
    )
    if user.is_agent:
        return rows
    return rows.filter(pk=user.organization_id) if user.organization_id else rows.none()


def users_visible_to(user: User) -> QuerySet[User]:
    """Agents and admins see everyone; a customer sees only themselves."""
    rows = User.objects.select_related("organization")
    return rows if user.is_agent else rows.filter(pk=user.pk)
