"""`deskpact mail import`: mail kept in files becomes tickets and replies, in file order.

A Maildir, an mbox or `.eml` files (one file, or a directory of them). An mbox is read one
message at a time straight from the file, so memory stays flat however large it is: one
message is held at once, and one over the size limit is counted, not held. Each message
goes through the same pipeline as every other source (stored first, then processed).
"""

from __future__ import annotations

import mailbox
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from deskpact.core.errors import DomainError
from deskpact.mail import inbound
from deskpact.mail.models import MailSource

# Read an mbox in slices of at most this much, so a message on one giant line (base64
# without line breaks) is still read without holding more than the size limit.
READ_SLICE = 64 * 1024
# A separator line: "From <sender> <date>", with a date (some digits) after the sender.
FROM_LINE = re.compile(rb"From \S+ .*\d")
ESCAPED_FROM = re.compile(rb">+From ")


class ImportRefused(DomainError):
    code = "import_refused"


@dataclass(frozen=True)
class FileMessage:
    """One message read from a file; `raw` is None when it is over the size limit."""

    ref: str
    raw: bytes | None
    size: int


@dataclass
class ImportReport:
    """What an import did: outcomes counted by name, and each message refused with why."""

    stored: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    refused: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{count} {name}" for name, count in sorted(self.outcomes.items())]
        text = f"{self.stored} message(s) stored"
        if parts:
            text += " (" + ", ".join(parts) + ")"
        if self.refused:
            text += f", {len(self.refused)} refused"
        return text


def is_maildir(path: Path) -> bool:
    return path.is_dir() and (path / "cur").is_dir() and (path / "new").is_dir()


def read_mbox(path: Path, *, max_bytes: int) -> Iterator[FileMessage]:
    """The messages of an mbox, one at a time, with mboxrd `>From ` quoting undone.

    A new message starts at a "From " line that follows an empty line (or opens the file)
    and carries a date; the empty line before it belongs to the separator.
    """
    with path.open("rb") as file:
        first = file.readline(READ_SLICE)
        if not first.startswith(b"From "):
            raise ImportRefused(
                f"{path} is not an mbox: it does not start with a 'From ' line.", field="path"
            )
        pieces: list[bytes] = []
        index, size, blank_before, at_line_start = 0, 0, False, True
        while True:
            piece = file.readline(READ_SLICE)
            if not piece:
                break
            starts_line, at_line_start = at_line_start, piece.endswith(b"\n")
            if starts_line and blank_before and FROM_LINE.match(piece):
                yield _mbox_message(path, index, pieces, size, max_bytes)
                index, pieces, size, blank_before = index + 1, [], 0, False
                continue
            if starts_line and ESCAPED_FROM.match(piece):
                piece = piece[1:]
            blank_before = starts_line and piece in (b"\n", b"\r\n")
            size += len(piece)
            if size <= max_bytes + 2:  # the separator's empty line is dropped below
                pieces.append(piece)
            elif pieces:
                pieces = []  # over the limit: counted, not kept
        yield _mbox_message(path, index, pieces, size, max_bytes)


def _mbox_message(
    path: Path, index: int, pieces: list[bytes], size: int, max_bytes: int
) -> FileMessage:
    if pieces and pieces[-1] in (b"\n", b"\r\n"):
        size -= len(pieces.pop())
    ref = f"mbox:{index}:{path}"
    if size > max_bytes:
        return FileMessage(ref=ref, raw=None, size=size)
    return FileMessage(ref=ref, raw=b"".join(pieces), size=size)


def read_maildir(path: Path, *, max_bytes: int) -> Iterator[FileMessage]:
    """The messages of a Maildir (new/ and cur/), oldest delivery first."""
    box = mailbox.Maildir(path, factory=None, create=False)
    for key in sorted(box.iterkeys()):  # keys start with the delivery time
        with box.get_file(key) as file:
            raw = file.read(max_bytes + 1)
        ref = f"maildir:{key}:{path}"
        if len(raw) > max_bytes:
            yield FileMessage(ref=ref, raw=None, size=len(raw))
        else:
            yield FileMessage(ref=ref, raw=raw, size=len(raw))


def read_eml(paths: Iterable[Path], *, max_bytes: int) -> Iterator[FileMessage]:
    """One message per file; a leading mbox "From " line is not a header and is dropped."""
    for path in paths:
        with path.open("rb") as file:
            raw = file.read(max_bytes + 1 + READ_SLICE)
        if raw.startswith(b"From "):
            raw = raw.split(b"\n", 1)[1] if b"\n" in raw else b""
        size = len(raw)
        yield FileMessage(ref=str(path), raw=None if size > max_bytes else raw, size=size)


def _reader(path: Path, *, max_bytes: int) -> Iterator[FileMessage]:
    """How `path` is read, decided (or refused with the reason) before anything is read."""
    if not path.exists():
        raise ImportRefused(f"{path} does not exist.", field="path")
    if is_maildir(path):
        return read_maildir(path, max_bytes=max_bytes)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".eml" and p.is_file())
        if not files:
            raise ImportRefused(
                f"{path} holds no .eml files and is not a Maildir (no cur/ and new/).",
                field="path",
            )
        return read_eml(files, max_bytes=max_bytes)
    if path.suffix.lower() == ".eml":
        return read_eml([path], max_bytes=max_bytes)
    with path.open("rb") as file:
        if file.read(5) == b"From ":
            return read_mbox(path, max_bytes=max_bytes)
    raise ImportRefused(
        f"{path} is neither an mbox (it does not start with a 'From ' line) nor a .eml file.",
        field="path",
    )


def messages_in(paths: Iterable[Path]) -> Iterator[FileMessage]:
    """Every message under `paths`, in order; every path is checked before the first read."""
    limit = inbound.max_message_bytes()
    readers = [_reader(Path(path), max_bytes=limit) for path in paths]
    for reader in readers:
        yield from reader


def import_messages(
    messages: Iterable[FileMessage], *, source: MailSource | None = None, process: bool = True
) -> ImportReport:
    """Store each message (committed one by one) and, unless told not to, process it at once,
    so a reply later in the import threads onto a ticket opened earlier in it."""
    report = ImportReport()
    limit = inbound.max_message_bytes()
    for item in messages:
        if item.raw is None:
            report.refused.append(
                (item.ref, f"{item.size:,} bytes; the desk takes at most {limit:,}")
            )
            continue
        try:
            stored = inbound.receive(
                item.raw, source=source, kind=MailSource.Kind.IMPORT, ref=item.ref,
                process_later=False,
            )  # fmt: skip
        except (inbound.MessageRefused, inbound.MessageTooLarge) as exc:
            report.refused.append((item.ref, exc.message))
            continue
        report.stored += 1
        if not process:
            report.outcomes["stored"] += 1
            continue
        outcome = inbound.process(stored.pk)
        report.outcomes[outcome.outcome if outcome else "in progress elsewhere"] += 1
    return report


def import_paths(
    paths: Iterable[Path | str], *, source: MailSource | None = None, process: bool = True
) -> ImportReport:
    """Import every message under `paths` (Maildir, mbox, .eml file or directory of them)."""
    return import_messages(messages_in(Path(p) for p in paths), source=source, process=process)
