"""Reading what real mail servers and clients send: whatever arrives yields a ParsedMail.

Broken MIME, undeclared or unknown charsets and odd transfer encodings are read as well
as they can be; what could not be read is listed in `problems` instead of raising.
"""

from __future__ import annotations

import codecs
import contextlib
import email
import email.errors
import email.header
import email.policy
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr
from typing import Any

import nh3

# Tried in order when a part declares no charset or a wrong one: UTF-8 is strict, so a
# windows-1252 body falls through to it; latin-1 would accept anything but reads € wrong.
FALLBACK_CHARSETS = ("utf-8", "windows-1252", "latin-1")
# Mail labelled Latin-1 is in practice windows-1252 (as browsers read it, WHATWG): read as
# Latin-1, its € and smart quotes would become invisible C1 control characters.
LATIN_1_NAMES = {"iso8859-1", "latin-1", "latin1", "iso-8859-1"}
# The line that really separates the parts of a multipart body whose declared boundary
# is wrong (a client that rewrote the header but not the body).
BOUNDARY_LINE = re.compile(r"(?m)^--([0-9A-Za-z'()+_,./:=?-]{1,70}?)(?:--)?[ \t]*\r?$")
MESSAGE_ID = re.compile(r"<[^<>\s]+>")
# Tags and attributes kept in HTML bodies; scripts, event handlers, styles and remote
# images (tracking pixels) are removed.
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "div", "dl", "dt", "em", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "q", "s", "small", "span",
    "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan"}}


@dataclass(frozen=True)
class Part:
    """An attachment or inline image: what it is called, its type and its bytes."""

    filename: str
    content_type: str
    data: bytes
    is_inline: bool = False


@dataclass(frozen=True)
class ParsedMail:
    message_id: str
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    subject: str
    from_address: str
    from_name: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    return_path: str
    auto_submitted: str
    precedence: str
    x_loop: tuple[str, ...]
    content_type: str
    text: str
    html: str
    parts: tuple[Part, ...] = ()
    problems: tuple[str, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)


def decode_bytes(data: bytes, charset: str | None) -> tuple[str, str | None]:
    """Text of `data` in its declared charset, else the first fallback that reads it.
    Returns the text and a problem description when the declared charset was not usable."""
    problem = None
    if charset:
        try:
            if codecs.lookup(charset).name in LATIN_1_NAMES:
                with contextlib.suppress(UnicodeDecodeError):
                    return data.decode("windows-1252"), None
            return data.decode(charset), None
        except (LookupError, UnicodeDecodeError):
            problem = f"declared charset {charset!r} could not decode the text"
    for candidate in FALLBACK_CHARSETS:
        try:
            return data.decode(candidate), problem
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1", errors="replace"), problem  # unreachable: latin-1 reads all


def _header(msg: Message, name: str) -> str:
    try:
        value = msg.get(name)
    except Exception:  # a malformed header the parser chokes on
        return ""
    if value is None:
        return ""
    text = str(value)
    # Header values never carry line breaks here: they would be injected into replies.
    return " ".join(text.replace("\x00", "").split())


def _ids(value: str) -> tuple[str, ...]:
    return tuple(MESSAGE_ID.findall(value))


def _addresses(msg: Message, name: str) -> tuple[str, ...]:
    try:
        values = msg.get_all(name, [])
    except Exception:
        return ()
    return tuple(addr.lower() for _, addr in getaddresses([str(v) for v in values]) if "@" in addr)


def _part_text(part: Message) -> tuple[str, str | None]:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        raw = part.get_payload()
        return (raw if isinstance(raw, str) else ""), None
    return decode_bytes(payload, part.get_content_charset())


def sanitise_html(html: str) -> str:
    """Keep the formatting, drop scripts, handlers, styles and every remote image."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def html_to_text(html: str) -> str:
    """A readable text version of an HTML body for tickets that only had HTML."""
    text = re.sub(r"(?is)<(script|style|head)[^>]*>.*?</\1>", " ", html)
    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>|</tr>|</h\d>", "\n", text)
    text = re.sub(r"<[^>]+>", "", text)
    import html as html_lib

    text = html_lib.unescape(text)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _walk(msg: Message, problems: list[str]) -> tuple[list[str], list[str], list[Part]]:
    """Text bodies, HTML bodies and attachments, depth first; nested messages attach."""
    texts: list[str] = []
    htmls: list[str] = []
    parts: list[Part] = []
    for part in _leaves(msg):
        ctype = part.get_content_type()
        disposition = (part.get_content_disposition() or "").lower()
        filename = part.get_filename() or ""
        if (
            disposition == "attachment"
            or (filename and disposition != "inline")
            or (ctype not in ("text/plain", "text/html") and not ctype.startswith("multipart/"))
        ):
            data = _part_bytes(part)
            name = filename or _default_name(ctype, len(parts) + 1)
            parts.append(Part(name[:255], ctype, data, is_inline=disposition == "inline"))
            continue
        text, problem = _part_text(part)
        if problem:
            problems.append(problem)
        (htmls if ctype == "text/html" else texts).append(text)
    return texts, htmls, parts


def _leaves(msg: Message) -> Iterator[Message]:
    """The parts that carry content, depth first. A nested message (message/rfc822, a
    delivery report) is one part, attached whole, not read into the body."""
    if msg.get_content_maintype() == "message" or not msg.is_multipart():
        yield msg
        return
    payload = msg.get_payload()
    for sub in payload if isinstance(payload, list) else []:
        if isinstance(sub, Message):
            yield from _leaves(sub)


def _part_bytes(part: Message) -> bytes:
    if part.get_content_maintype() == "message":
        payload: Any = part.get_payload()
    else:
        payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, list):  # message/rfc822: the message; delivery-status: blocks
        chunks = []
        for inner in payload:
            try:
                chunks.append(inner.as_bytes())
            except Exception:  # a nested message the generator cannot write back
                chunks.append(str(inner).encode("utf-8", "replace"))
        return b"\n".join(chunks)
    if isinstance(payload, str):
        return payload.encode("utf-8", "surrogateescape")
    return b""


def _default_name(ctype: str, n: int) -> str:
    ext = {"message/rfc822": "eml", "text/calendar": "ics", "image/png": "png",
           "image/jpeg": "jpg", "application/pdf": "pdf", "message/delivery-status": "txt",
           "text/rfc822-headers": "txt"}.get(ctype, "bin")  # fmt: skip
    return f"part-{n}.{ext}"


def parse(raw: bytes) -> ParsedMail:
    """Read one RFC 5322 message; never raises for what a mail server might deliver."""
    problems: list[str] = []
    msg = email.message_from_bytes(raw, _class=EmailMessage, policy=email.policy.compat32)
    problems.extend(type(d).__name__ for d in msg.defects)
    if any(isinstance(d, email.errors.StartBoundaryNotFoundDefect) for d in msg.defects):
        msg = _with_boundary_found(msg)
    texts, htmls, parts = _walk(msg, problems)
    for part in msg.walk():
        problems.extend(type(d).__name__ for d in getattr(part, "defects", []) if part is not msg)
    subject = _decoded_header(msg, "Subject")
    # The address is read before the name is decoded: an encoded name may hold a comma
    # ("Müller, Hans") that would split the decoded header into two addresses.
    name, address = parseaddr(" ".join(_header_text(msg, "From").split()))
    if "@" in address:
        name = _decode_words(name)
    else:
        name, address = parseaddr(_decoded_header(msg, "From"))
    html = "\n".join(htmls)
    text = "\n\n".join(t for t in texts if t.strip())
    if not text and html:
        text = html_to_text(html)
    return ParsedMail(
        message_id=(_ids(_header(msg, "Message-ID")) or ("",))[0][:998],
        in_reply_to=_ids(_header(msg, "In-Reply-To")),
        references=_ids(_header(msg, "References")),
        subject=subject,
        from_address=address.lower() if "@" in address else "",
        from_name=name,
        to=_addresses(msg, "To") + _addresses(msg, "Delivered-To"),
        cc=_addresses(msg, "Cc"),
        return_path=_header(msg, "Return-Path").strip("<>").lower(),
        auto_submitted=_header(msg, "Auto-Submitted").lower(),
        precedence=_header(msg, "Precedence").lower(),
        x_loop=tuple(v.lower() for v in _all(msg, "X-Loop")),
        content_type=msg.get_content_type(),
        text=text.replace("\x00", ""),
        html=sanitise_html(html) if html else "",
        parts=tuple(parts),
        problems=tuple(dict.fromkeys(problems)),
        headers={
            k.lower(): _header(msg, k)
            for k in ("X-Failed-Recipients", "X-Autoreply", "X-Autorespond", "List-Id", "Date")
        },
    )


def _all(msg: Message, name: str) -> list[str]:
    try:
        return [" ".join(str(v).split()) for v in msg.get_all(name, [])]
    except Exception:
        return []


def _with_boundary_found(msg: Message) -> Message:
    """A multipart message whose declared boundary never occurs, re-read with the
    boundary its body really uses; unchanged when the body names none."""
    payload = msg.get_payload()
    match = BOUNDARY_LINE.search(payload) if isinstance(payload, str) else None
    if match is None:
        return msg
    try:
        msg.set_boundary(match.group(1))
        fixed = email.message_from_bytes(
            msg.as_bytes(), _class=EmailMessage, policy=email.policy.compat32
        )
    except Exception:  # what could be read stays as it was
        return msg
    return fixed if fixed.is_multipart() else msg


def _header_text(msg: Message, name: str) -> str:
    """A header as text: raw 8-bit values (UTF-8 sent without encoded words) read in
    their charset instead of as replacement characters."""
    try:
        raw = msg.get(name)
    except Exception:  # a malformed header the parser chokes on
        return ""
    if raw is None:
        return ""
    if isinstance(raw, email.header.Header):
        return "".join(
            decode_bytes(chunk, charset)[0] if isinstance(chunk, bytes) else chunk
            for chunk, charset in email.header.decode_header(raw)
        )
    return str(raw)


def _decode_words(text: str) -> str:
    """Text with its encoded words (=?iso-2022-jp?B?...?=) decoded, whatever the charset."""
    try:
        chunks = email.header.decode_header(text)
    except Exception:
        return " ".join(text.replace("\x00", "").split())
    out = []
    for chunk, charset in chunks:
        if isinstance(chunk, bytes):
            out.append(decode_bytes(chunk, charset)[0])
        else:
            out.append(chunk)
    return " ".join("".join(out).replace("\x00", "").split())


def _decoded_header(msg: Message, name: str) -> str:
    """An encoded-word header (=?iso-2022-jp?B?...?=) as text, whatever its charsets."""
    return _decode_words(_header_text(msg, name))
