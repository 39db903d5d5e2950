"""When a password must be replaced (SPEC §3): no clock, no settings, values in and out."""

from __future__ import annotations

from datetime import datetime, timedelta


def password_expires_at(changed_at: datetime | None, *, max_age_days: int) -> datetime | None:
    """The moment a password set at `changed_at` expires; None when it never does."""
    if max_age_days <= 0 or changed_at is None:
        return None
    return changed_at + timedelta(days=max_age_days)


def must_change_password(
    *,
    changed_at: datetime | None,
    flagged: bool,
    licensed: bool,
    max_age_days: int,
    now: datetime,
) -> bool:
    """A flagged password (set by an admin) or a licensed user's old one must be replaced."""
    if flagged:
        return True
    if not licensed:
        return False
    expires = password_expires_at(changed_at, max_age_days=max_age_days)
    return expires is not None and now >= expires
