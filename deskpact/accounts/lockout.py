"""How django-axes names the account it counts failures for."""

from __future__ import annotations

from typing import Any


def lockout_username(request: Any, credentials: dict[str, Any] | None) -> str:
    # Case-folded, so ANN@x.com and ann@x.com share one failure count.
    source = credentials or {}
    if not source and request is not None:
        source = getattr(request, "POST", {}) or {}
    raw = source.get("username") or source.get("email") or ""
    return str(raw).strip().lower()
