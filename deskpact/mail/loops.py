"""When the desk must not answer a message automatically, and which messages are bounces."""

from __future__ import annotations

from collections.abc import Collection

from deskpact.mail.parsing import ParsedMail

BOUNCE_SENDERS = ("mailer-daemon@", "postmaster@")
BULK_PRECEDENCE = {"bulk", "junk", "list"}


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
