"""Headers of the desk's own mail: ids, threading, and marks that stop mail loops."""

from __future__ import annotations

import uuid


def new_message_id(domain: str) -> str:
    return f"<{uuid.uuid4().hex}@{domain}>"


def ticket_subject(key: str, subject: str, *, prefix: str = "") -> str:
    """'[DP-12] Printer on fire', with an optional 'Re:' or 'Resolved:' before it."""
    head = f"{prefix} " if prefix else ""
    return f"{head}[{key}] {subject}"[:250]


def thread_headers(
    message_id: str, *, earlier: list[str], automatic: bool, loop: str = ""
) -> dict[str, str]:
    """Message-ID, In-Reply-To/References to the ticket's earlier mail, Auto-Submitted, and
    X-Loop naming the desk, so that its own mail coming back is never answered."""
    headers = {"Message-ID": message_id}
    if loop:
        headers["X-Loop"] = loop
    if earlier:
        headers["In-Reply-To"] = earlier[-1]
        headers["References"] = " ".join(earlier[-10:])
    if automatic:
        headers["Auto-Submitted"] = "auto-replied"
    return headers
