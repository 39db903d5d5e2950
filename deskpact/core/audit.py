"""The single door to the audit log: every admin-significant action goes through `record`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone

from deskpact.core.models import AuditEntry


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """JSON-safe values of `fields` on `obj`, for the before/after of an audit entry."""
    return {name: _jsonable(getattr(obj, name)) for name in fields}


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[dict, dict]:
    """Only the keys whose values differ, so an entry shows what really changed."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def record(
    action: str,
    obj: models.Model,
    *,
    actor: Any = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    at: datetime | None = None,
    ip_address: str | None = None,
) -> AuditEntry:
    """Write one audit row; call it inside the transaction that makes the change."""
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry.objects.create(
        at=at or timezone.now(),
        actor=actor if is_user else None,
        actor_label=str(getattr(actor, "email", "") or ("system" if actor is None else actor)),
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_label=str(obj)[:254],
        before=dict(before) if before is not None else None,
        after=dict(after) if after is not None else None,
        ip_address=ip_address,
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (Decimal, datetime)) or hasattr(value, "isoformat"):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value
