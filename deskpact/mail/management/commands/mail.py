"""`deskpact mail deliver | listen | poll | import | process | retry`: inbound mail.

deliver reads one message on standard input (an MTA pipe), listen runs the SMTP/LMTP
listener, poll takes unseen mail from the IMAP sources, import reads a Maildir, an mbox or
.eml files; process and retry run stored messages through processing.
"""

from __future__ import annotations

import signal
import sys
import threading
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, InterfaceError, OperationalError
from django.utils import timezone

from deskpact.mail import importing, inbound
from deskpact.mail.models import InboundMessage, MailSource

# sysexits.h: the MTA retries a temporary failure and bounces a data error.
EX_DATAERR = 65
EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "Take inbound mail: deliver, listen, poll or import it; process or retry it."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        deliver = sub.add_parser("deliver", help="store one message read on standard input")
        deliver.add_argument("--source", default="", help="the mail source's name")
        listen = sub.add_parser("listen", help="run the SMTP (or LMTP) listener")
        listen.add_argument("--host", default="127.0.0.1", help="address to listen on")
        listen.add_argument("--port", type=int, default=8025)
        listen.add_argument("--lmtp", action="store_true", help="speak LMTP instead of SMTP")
        listen.add_argument("--source", default="", help="the mail source's name")
        poll = sub.add_parser("poll", help="store unseen mail of the IMAP sources")
        poll.add_argument("--source", default="", help="only this IMAP source")
        poll.add_argument("--limit", type=int, default=200, help="messages per source")
        imports = sub.add_parser("import", help="import a Maildir, an mbox or .eml files")
        imports.add_argument("paths", nargs="+", type=Path, metavar="PATH")
        imports.add_argument("--source", default="", help="the mail source's name")
        imports.add_argument(
            "--no-process",
            action="store_true",
            help="only store the messages; `mail retry` processes them later",
        )
        sub.add_parser("retry", help="process failed messages whose back-off has passed")
        process = sub.add_parser("process", help="process one stored message now")
        process.add_argument("inbound_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "deliver":
            self._deliver(options["source"])
        elif action == "listen":
            self._listen(options)
        elif action == "poll":
            self._poll(options["source"], options["limit"])
        elif action == "import":
            self._import(options)
        elif action == "retry":
            due = inbound.due_for_retry(at=timezone.now())
            for inbound_id in due:
                inbound.process(inbound_id)
            self.stdout.write(f"{len(due)} message(s) processed again")
        else:
            if not InboundMessage.objects.filter(pk=options["inbound_id"]).exists():
                raise CommandError(f"No stored message {options['inbound_id']}.")
            outcome = inbound.process(options["inbound_id"])
            self.stdout.write(outcome.outcome if outcome else "already processed or in progress")

    def _deliver(self, source_name: str) -> None:
        raw = sys.stdin.buffer.read()
        try:
            source = MailSource.objects.filter(name=source_name).first() if source_name else None
            if source_name and source is None:
                self.stderr.write(f"mail deliver: no mail source named {source_name!r}")
                sys.exit(EX_DATAERR)
            stored = inbound.receive(raw, source=source, kind=MailSource.Kind.PIPE)
        except (inbound.MessageRefused, inbound.MessageTooLarge) as exc:
            self.stderr.write(f"mail deliver: {exc.message}")
            sys.exit(EX_DATAERR)
        except (OperationalError, InterfaceError, DatabaseError) as exc:
            # Nothing was stored: the MTA keeps the message and tries again later.
            self.stderr.write(f"mail deliver: database unavailable ({exc}); try again later")
            sys.exit(EX_TEMPFAIL)
        self.stdout.write(f"stored {stored.pk}")

    def _source(self, name: str, command: str) -> MailSource | None:
        if not name:
            return None
        try:
            source = MailSource.objects.filter(name=name).first()
        except (OperationalError, InterfaceError) as exc:
            self.stderr.write(f"mail {command}: database unavailable ({exc}); try again later")
            sys.exit(EX_TEMPFAIL)
        if source is None:
            raise CommandError(f"No mail source named {name!r}.")
        return source

    def _listen(self, options: dict[str, Any]) -> None:
        from deskpact.mail.listener import Listener

        source = self._source(options["source"], "listen")
        listener = Listener(
            host=options["host"], port=options["port"], source=source, lmtp=options["lmtp"]
        )
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        try:
            listener.start()
        except OSError as exc:
            raise CommandError(
                f"Cannot listen on {options['host']}:{options['port']}: {exc}"
            ) from exc
        protocol = "LMTP" if options["lmtp"] else "SMTP"
        self.stdout.write(f"listening on {options['host']}:{options['port']} ({protocol})")
        self.stdout.flush()
        try:
            while not stop.wait(3600):
                pass
        finally:
            listener.stop()
        self.stdout.write("stopped")

    def _poll(self, name: str, limit: int) -> None:
        from deskpact.mail import imap

        try:
            reports = imap.poll_all(name=name, limit=limit)
        except imap.PollFailed as exc:
            raise CommandError(exc.message) from exc
        except (OperationalError, InterfaceError) as exc:
            # Whatever was not stored is still unseen on the server: the next poll takes it.
            self.stderr.write(f"mail poll: database unavailable ({exc}); try again later")
            sys.exit(EX_TEMPFAIL)
        for report in reports:
            self.stdout.write(report.summary())
            for problem in [*report.refused, *report.errors]:
                self.stderr.write(f"  {report.source}: {problem}")
        if not reports:
            self.stdout.write("no active IMAP source")

    def _import(self, options: dict[str, Any]) -> None:
        source = self._source(options["source"], "import")
        try:
            report = importing.import_paths(
                options["paths"], source=source, process=not options["no_process"]
            )
        except importing.ImportRefused as exc:
            raise CommandError(exc.message) from exc
        except OSError as exc:
            raise CommandError(f"Cannot read {exc.filename}: {exc.strerror}") from exc
        except (OperationalError, InterfaceError) as exc:
            # Each message is committed on its own: those before this one are kept.
            self.stderr.write(f"mail import: database unavailable ({exc}); nothing more stored")
            sys.exit(EX_TEMPFAIL)
        for ref, reason in report.refused:
            self.stderr.write(f"refused {ref}: {reason}")
        self.stdout.write(report.summary())
        if report.refused:
            sys.exit(EX_DATAERR)
