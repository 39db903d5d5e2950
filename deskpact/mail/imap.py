"""Polling an IMAP mailbox: unseen messages are stored, and only then flagged or moved.

Each message is fetched with BODY.PEEK[] (fetching alone never marks it seen), stored with
`inbound.receive` under the reference "<folder>:<uid>", and flagged \\Seen or moved to the
done folder only after that returned. A process that dies between fetch and store leaves
the message unseen, so the next poll takes it again; one that dies between store and flag
leaves a stored row the next poll finds by its reference, so it is flagged, not stored twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import imaplib
import logging
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import InterfaceError, OperationalError

from deskpact.core.errors import DomainError
from deskpact.mail import inbound
from deskpact.mail.models import InboundMessage, MailSource

logger = logging.getLogger(__name__)

# Set on a message the desk will never take (empty, over the size limit): it stays in the
# mailbox, unseen, for a person to look at, and later polls pass over it.
REFUSED_KEYWORD = "DeskpactRefused"
BATCH = 200


class PollFailed(DomainError):
    code = "imap_poll_failed"
    status = 502


@dataclass
class PollReport:
    """What one poll of one mailbox did."""

    source: str
    seen: int = 0
    stored: int = 0
    already_stored: int = 0
    refused: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"{self.source}: {self.seen} unseen, {self.stored} stored, "
            f"{self.already_stored} already stored"
        )
        if self.refused:
            text += f", {len(self.refused)} refused"
        if self.errors:
            text += f", {len(self.errors)} not stored (left unseen, taken again next time)"
        return text


def _quoted(mailbox_name: str) -> str:
    return '"' + mailbox_name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _check(result: tuple[str, Sequence[Any]], what: str) -> Sequence[Any]:
    status, data = result
    if status != "OK":
        detail = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace")
        raise PollFailed(f"IMAP {what} failed: {detail or status}", field="imap")
    return data


def connect(source: MailSource, *, timeout: float = 30.0) -> imaplib.IMAP4:
    """A logged-in connection to the source's server, or PollFailed naming what went wrong."""
    where = f"{source.imap_host}:{source.imap_port}"
    try:
        if source.imap_tls:
            conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                source.imap_host,
                source.imap_port,
                ssl_context=ssl.create_default_context(),
                timeout=timeout,
            )
        else:
            conn = imaplib.IMAP4(source.imap_host, source.imap_port, timeout=timeout)
    except (OSError, imaplib.IMAP4.error) as exc:
        message = f"Could not connect to the IMAP server {where}: {exc}"
        raise PollFailed(message, field="imap") from exc
    try:
        conn.login(source.imap_user, source.imap_password)
    except imaplib.IMAP4.error as exc:
        conn.shutdown()
        raise PollFailed(
            f"The IMAP server {where} refused the login of {source.imap_user!r}: {exc}",
            field="imap_user",
        ) from exc
    return conn


def _fetch(conn: imaplib.IMAP4, uid: str) -> bytes | None:
    data = _check(conn.uid("FETCH", uid, "(BODY.PEEK[])"), f"FETCH of UID {uid}")
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None  # expunged by someone else since the search


def _done(conn: imaplib.IMAP4, uid: str, source: MailSource, capabilities: set[str]) -> None:
    """Flag the message seen, or move it to the done folder."""
    folder = source.imap_done_folder
    if not folder:
        _check(conn.uid("STORE", uid, "+FLAGS.SILENT", r"(\Seen)"), f"STORE of UID {uid}")
    elif "MOVE" in capabilities:
        _check(conn.uid("MOVE", uid, _quoted(folder)), f"MOVE of UID {uid} to {folder}")
    else:
        _check(conn.uid("COPY", uid, _quoted(folder)), f"COPY of UID {uid} to {folder}")
        _check(conn.uid("STORE", uid, "+FLAGS.SILENT", r"(\Seen \Deleted)"), "STORE")
        if "UIDPLUS" in capabilities:
            _check(conn.uid("EXPUNGE", uid), f"EXPUNGE of UID {uid}")
        # Without UIDPLUS an EXPUNGE would also remove what others marked deleted: the
        # copy is flagged \Deleted and seen, and the server expunges it on its own terms.


def poll(
    source: MailSource, *, limit: int = BATCH, timeout: float = 30.0, process_later: bool = True
) -> PollReport:
    """Store the unseen messages of one IMAP source (at most `limit`), then flag or move each.

    A message that could not be stored is left unseen for the next poll and named in the
    report; when the database is unreachable the poll stops at once (OperationalError).
    """
    if source.kind != MailSource.Kind.IMAP:
        raise PollFailed(f"{source.name} is not an IMAP source.", field="kind")
    report = PollReport(source=source.name)
    conn = connect(source, timeout=timeout)
    try:
        # Asked again after login: servers announce MOVE and UIDPLUS to logged-in clients.
        listed = _check(conn.capability(), "CAPABILITY")
        capabilities = {c.upper() for c in (listed[0] or b"").decode("ascii", "replace").split()}
        _check(conn.select(_quoted(source.imap_folder)), f"SELECT of {source.imap_folder}")
        found = _check(
            conn.uid("SEARCH", "UNSEEN", "UNKEYWORD", REFUSED_KEYWORD), "SEARCH of unseen mail"
        )
        numbers = found[0] if found and isinstance(found[0], bytes) else b""
        uids = sorted(int(u) for u in numbers.split())[:limit]
        report.seen = len(uids)
        for number in uids:
            _take(conn, str(number), source, capabilities, report, process_later=process_later)
        conn.close()
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            conn.logout()
    return report


def _take(
    conn: imaplib.IMAP4,
    uid: str,
    source: MailSource,
    capabilities: set[str],
    report: PollReport,
    *,
    process_later: bool,
) -> None:
    raw = _fetch(conn, uid)
    if raw is None:
        return
    ref = f"{source.imap_folder}:{uid}"
    digest = hashlib.sha256(raw).hexdigest()
    try:
        # Stored by a poll that stopped before flagging it. The digest is compared too: after
        # the server renumbers the folder (a new UIDVALIDITY) a UID may name another message.
        if InboundMessage.objects.filter(source=source, source_ref=ref, digest=digest).exists():
            report.already_stored += 1
        else:
            inbound.receive(raw, source=source, ref=ref, process_later=process_later)
            report.stored += 1
    except (inbound.MessageRefused, inbound.MessageTooLarge) as exc:
        report.refused.append(f"UID {uid}: {exc.message}")
        logger.warning("IMAP %s UID %s refused: %s", source.name, uid, exc.message)
        conn.uid("STORE", uid, "+FLAGS.SILENT", f"({REFUSED_KEYWORD})")
        return
    except (OperationalError, InterfaceError):
        raise  # the database is down: nothing more can be stored this time
    except Exception as exc:  # not stored: left unseen, taken again by the next poll
        report.errors.append(f"UID {uid}: {type(exc).__name__}: {exc}")
        logger.warning("IMAP %s UID %s not stored: %s", source.name, uid, exc)
        return
    _done(conn, uid, source, capabilities)


def poll_all(*, name: str = "", limit: int = BATCH) -> list[PollReport]:
    """Poll every active IMAP source (or the one named); a source that fails is reported."""
    sources = MailSource.objects.filter(kind=MailSource.Kind.IMAP, is_active=True)
    if name:
        sources = MailSource.objects.filter(kind=MailSource.Kind.IMAP, name=name)
        if not sources.exists():
            raise PollFailed(f"No IMAP mail source named {name!r}.", field="source")
    reports = []
    for source in sources:
        try:
            reports.append(poll(source, limit=limit))
        except PollFailed as exc:
            reports.append(PollReport(source=source.name, errors=[exc.message]))
    return reports
