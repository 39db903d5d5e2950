"""`deskpact mail listen`: an SMTP or LMTP listener (aiosmtpd) in front of `inbound.receive`.

The reply to DATA is 250 only after `receive` returned, i.e. once the raw message is
committed; a database that cannot be reached gets 451 (the sending server keeps the
message and tries again). A message over the size limit gets 552, before it is held in
memory, and the refusal is logged.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any, AnyStr

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.db import DatabaseError, close_old_connections, connections

from deskpact.mail import inbound
from deskpact.mail.models import MailSource

logger = logging.getLogger(__name__)


class InboundHandler:
    """aiosmtpd handler: each message is stored by `inbound.receive` before it is answered.

    Storing runs on one worker thread of its own (the ORM is synchronous), so the event loop
    keeps serving other connections meanwhile and one database connection is used.
    """

    def __init__(self, *, source: MailSource | None = None, lmtp: bool = False) -> None:
        self.source = source
        self.lmtp = lmtp
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mail-listener")

    def _store(self, raw: bytes) -> int:
        close_old_connections()  # a connection lost while idle is reopened, not reused
        kind = self.source.kind if self.source else MailSource.Kind.SMTP
        return inbound.receive(raw, source=self.source, kind=kind).pk

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        if raw.strip():  # an empty message stays empty, and is refused as such
            # The final delivery records the envelope sender, as RFC 5321 §4.4 asks: an
            # empty one (<>) is how bounces are told apart.
            sender = (envelope.mail_from or "").strip("<>").encode("utf-8", "replace")
            raw = b"Return-Path: <" + sender + b">\r\n" + raw
        loop = asyncio.get_running_loop()
        try:
            stored = await loop.run_in_executor(self.executor, self._store, raw)
        except inbound.MessageTooLarge as exc:
            logger.warning("refused a message from %s: %s", envelope.mail_from, exc.message)
            status = f"552 5.3.4 {exc.message}"
        except inbound.MessageRefused as exc:
            status = f"554 5.6.0 {exc.message}"
        except DatabaseError as exc:
            logger.error("message from %s not stored, database unavailable: %s",
                         envelope.mail_from, exc)  # fmt: skip
            status = "451 4.3.0 The desk cannot store mail right now; try again later."
        except Exception:
            logger.exception("message from %s not stored", envelope.mail_from)
            status = "451 4.3.0 The message could not be stored; try again later."
        else:
            status = f"250 2.0.0 Stored as {stored}"
        if self.lmtp:
            # LMTP answers DATA once per recipient; the message is stored once for them all.
            return "\r\n".join([status] * max(1, len(envelope.rcpt_tos)))
        return status

    def close(self) -> None:
        """Close the worker thread's database connection and stop the thread."""
        self.executor.submit(connections.close_all).result(timeout=30)
        self.executor.shutdown(wait=True)


class _LogsRefusals:
    """Logs every 552 aiosmtpd gives on its own (SIZE too large, DATA over the limit)."""

    session: Session | None
    envelope: Envelope | None

    async def push(self, status: AnyStr) -> None:
        text = status.decode("ascii", "replace") if isinstance(status, bytes) else str(status)
        if text.startswith("552"):
            peer = self.session.peer if self.session else None
            sender = self.envelope.mail_from if self.envelope else None
            logger.warning("refused a message over the size limit from %s (%s): %s",
                           sender, peer, text)  # fmt: skip
        await super().push(status)  # type: ignore[misc]


class DeskSMTP(_LogsRefusals, SMTP):
    pass


class DeskLMTP(_LogsRefusals, LMTP):
    pass


class Listener(Controller):
    """The listener on host:port, run on a thread of its own: `start()`, then `stop()`."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 8025,
        source: MailSource | None = None,
        lmtp: bool = False,
        **smtp: Any,
    ) -> None:
        self.lmtp = lmtp
        self.inbound_handler = InboundHandler(source=source, lmtp=lmtp)
        super().__init__(
            self.inbound_handler,
            hostname=host,
            port=port,
            # aiosmtpd stops keeping the data past this and answers 552 itself.
            data_size_limit=inbound.max_message_bytes(),
            decode_data=False,
            **smtp,
        )

    def factory(self) -> SMTP:
        server_class = DeskLMTP if self.lmtp else DeskSMTP
        return server_class(self.handler, **self.SMTP_kwargs)

    def stop(self, no_assert: bool = False) -> None:
        super().stop(no_assert=no_assert)
        self.inbound_handler.close()
