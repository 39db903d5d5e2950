"""When the desk must not answer a message automatically, and which messages are bounces."""

from __future__ import annotations

import re
from collections.abc import Collection

from deskpact.mail.parsing import ParsedMail

BOUNCE_SENDERS = ("mailer-daemon@", "postmaster@")
BULK_PRECEDENCE = {"bulk", "junk", "list"}
FINAL_RECIPIENT = re.compile(
    r"^(?:Final|Original)-Recipient:\s*rfc822\s*;\s*<?([^\s<>]+@[^\s<>]+?)>?\s*$", re.I | re.M
)


def is_bounce(mail: ParsedMail) -> bool:
    """A delivery status notification, or a message from a mailer daemon."""
    if mail.content_type == "multipart/report" or any(
        p.content_type == "message/delivery-status" for p in mail.parts
    ):
        return True
    sender = mail.from_address
    return any(sender.startswith(prefix) for prefix in BOUNCE_SENDERS) or (
        mail.return_path == ""
        and "x-failed-recipients" in mail.headers
        and bool(mail.headers["x-failed-recipients"])
    )


def no_auto_reply_reason(
    mail: ParsedMail, *, desk_addresses: Collection[str], loop_name: str
) -> str:
    """Why nothing automatic may answer this message; empty when an answer is fine."""
    if mail.auto_submitted and mail.auto_submitted != "no":
        return f"Auto-Submitted: {mail.auto_submitted}"
    if mail.precedence in BULK_PRECEDENCE:
        return f"Precedence: {mail.precedence}"
    if loop_name.lower() in mail.x_loop:
        return "X-Loop names this desk"
    if mail.from_address in {a.lower() for a in desk_addresses}:
        return "sent from one of the desk's own addresses"
    if is_bounce(mail):
        return "a bounce"
    if mail.headers.get("x-autoreply") or mail.headers.get("x-autorespond"):
        return "an auto-reply"
    if mail.headers.get("list-id"):
        return "mail from a list"
    return ""


def is_auto_reply(mail: ParsedMail) -> bool:
    """An answer a machine sent (out of office, vacation notice), whichever header says so."""
    return bool(
        (mail.auto_submitted and mail.auto_submitted != "no")
        or mail.headers.get("x-autoreply")
        or mail.headers.get("x-autorespond")
        or mail.precedence == "auto_reply"
    )


def bounced_addresses(mail: ParsedMail) -> list[str]:
    """The recipients a bounce reports as failed: X-Failed-Recipients, else the delivery
    report's Final-Recipient lines (at most 20, lower case, without repeats)."""
    found = re.findall(r"[\w.+-]+@[\w.-]+", mail.headers.get("x-failed-recipients", ""))
    for part in mail.parts:
        if part.content_type == "message/delivery-status":
            text = part.data.decode("utf-8", "replace")
            found.extend(m.group(1) for m in FINAL_RECIPIENT.finditer(text))
    return list(dict.fromkeys(a.lower().rstrip(".") for a in found))[:20]
