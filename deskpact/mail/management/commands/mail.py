"""`deskpact mail deliver | process | retry`: inbound mail from a shell or an MTA pipe."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, InterfaceError, OperationalError
from django.utils import timezone

from deskpact.mail import inbound
from deskpact.mail.models import InboundMessage, MailSource

# sysexits.h: the MTA retries a temporary failure and bounces a data error.
EX_DATAERR = 65
EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "Take inbound mail: deliver one message from standard input, process or retry."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        deliver = sub.add_parser("deliver", help="store one message read on standard input")
        deliver.add_argument("--source", default="", help="the mail source's name")
        sub.add_parser("retry", help="process failed messages whose back-off has passed")
        process = sub.add_parser("process", help="process one stored message now")
        process.add_argument("inbound_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "deliver":
            self._deliver(options["source"])
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
