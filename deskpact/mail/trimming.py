"""Trim quoted history and signatures from a reply; the full text is kept beside it."""

from __future__ import annotations

import re

# Lines that start the quoted history in common clients ("On Tue, … wrote:", Outlook's
# header block, a forwarded or original message marker).
_HISTORY_STARTS = [
    re.compile(r"^\s*On .{4,200} wrote:\s*$", re.IGNORECASE),
    re.compile(r"^\s*Am .{4,200} schrieb .{1,200}:\s*$", re.IGNORECASE),
    re.compile(r"^\s*Le .{4,200} a écrit\s*:\s*$", re.IGNORECASE),
    re.compile(r"^\s*-{2,}\s*Original Message\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^\s*-{2,}\s*Ursprüngliche Nachricht\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^\s*From:\s.+$"),
    re.compile(r"^\s*_{10,}\s*$"),
]
_SIGNATURE = re.compile(r"^(-- ?|—|Sent from my .+|Get Outlook for .+)$")


def trim_reply(text: str) -> str:
    """The new part of a reply: above the quoted history, without the signature."""
    lines = text.replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    for i, line in enumerate(lines):
        # Gmail wraps a long attribution: "On …, Name <" and "name@example> wrote:".
        joined = f"{line} {lines[i + 1]}" if i + 1 < len(lines) else line
        starts = any(p.match(line) or p.match(joined) for p in _HISTORY_STARTS)
        if (starts and i > 0) or (line.startswith(">") and _only_quotes_follow(lines[i:])):
            break
        if _SIGNATURE.match(line.rstrip()):
            break
        kept.append(line)
    trimmed = "\n".join(kept).strip()
    return trimmed or text.strip()


def _only_quotes_follow(rest: list[str]) -> bool:
    return all(not line.strip() or line.startswith(">") for line in rest)
