"""The SMTP/LMTP listener: 250 only once the message is committed, 552 over the limit, 451
while the database is unreachable. Real SMTP conversations with smtplib on 127.0.0.1."""

from __future__ import annotations

import logging
import os
import smtplib
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from deskpact.accounts.models import User
from deskpact.mail.listener import Listener
from deskpact.mail.models import InboundMessage, MailSource
from deskpact.mail.tests.test_inbound import raw_mail
from deskpact.testing.factories import QueueFactory
from deskpact.tickets.models import Ticket

# Committed rows: the listener stores on a thread (and in another process) of its own.
pytestmark = pytest.mark.django_db(transaction=True)
SENDER, DESK = "alice@acme.example", "support@deskpact.localhost"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def listen() -> Iterator[Callable[..., Listener]]:
    started: list[Listener] = []

    def start(**options: Any) -> Listener:
        listener = Listener(host="127.0.0.1", port=free_port(), **options)
        listener.start()
        started.append(listener)
        return listener

    yield start
    for listener in started:
        listener.stop()


def crlf(raw: bytes) -> bytes:
    """Lines end in CRLF on the wire."""
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def converse(listener: Listener, raw: bytes, *, size: bool = False) -> tuple[int, bytes]:
    """MAIL, RCPT, DATA; the reply to DATA. SIZE is declared only when asked for."""
    raw = crlf(raw)
    with smtplib.SMTP(listener.hostname, listener.port, timeout=60) as client:
        client.ehlo("client.example")
        code, reply = client.mail(SENDER, [f"SIZE={len(raw)}"] if size else [])
        if code != 250:
            return code, reply
        assert client.rcpt(DESK)[0] == 250
        return client.data(raw)


def test_the_reply_is_250_only_once_the_message_is_committed(
    listen: Callable[..., Listener], customer: User
) -> None:
    listener = listen()
    raw = raw_mail()
    code, reply = converse(listener, raw)
    assert code == 250
    # The reply names the stored row, which this (other) connection already reads: it was
    # committed before the answer was sent.
    stored = InboundMessage.objects.get()
    assert reply.decode() == f"2.0.0 Stored as {stored.pk}"
    assert stored.source_kind == MailSource.Kind.SMTP
    assert bytes(stored.raw) == b"Return-Path: <alice@acme.example>\r\n" + crlf(raw)
    assert Ticket.objects.get().subject == "Printer on fire"


def test_a_bounce_keeps_its_empty_envelope_sender(
    listen: Callable[..., Listener], customer: User
) -> None:
    listener = listen()
    with smtplib.SMTP(listener.hostname, listener.port, timeout=30) as client:
        client.sendmail("<>", [DESK], crlf(raw_mail(X_Failed_Recipients=SENDER)))
    stored = InboundMessage.objects.get()
    assert bytes(stored.raw).startswith(b"Return-Path: <>\r\n")
    assert (stored.status, stored.outcome) == (InboundMessage.Status.IGNORED, "bounce")


def test_a_message_for_a_source_is_stored_under_it(listen: Callable[..., Listener]) -> None:
    source = MailSource.objects.create(
        name="front door", kind=MailSource.Kind.SMTP, queue=QueueFactory.create(),
        address="front@deskpact.localhost",
    )  # fmt: skip
    listener = listen(source=source)
    assert converse(listener, raw_mail())[0] == 250
    assert InboundMessage.objects.get().source == source


def test_a_message_over_the_limit_gets_552_and_is_logged(
    listen: Callable[..., Listener], settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.DESKPACT_MAIL_MAX_BYTES = 50_000
    listener = listen()
    big = raw_mail(body=("z" * 70 + "\n") * 1000)
    with caplog.at_level(logging.WARNING, logger="deskpact.mail.listener"):
        declared = converse(listener, big, size=True)  # refused at MAIL FROM, by its SIZE
        undeclared = converse(listener, big)  # refused at the end of DATA
    assert declared[0] == 552 and b"size" in declared[1]
    assert undeclared[0] == 552
    refusals = [r for r in caplog.records if "size limit" in r.getMessage()]
    assert len(refusals) == 2
    assert not InboundMessage.objects.exists()


def test_a_60_mb_message_is_refused_at_the_default_limit(
    listen: Callable[..., Listener], caplog: pytest.LogCaptureFixture
) -> None:
    listener = listen()
    line = b"A" * 998 + b"\r\n"
    big = b"From: alice@acme.example\r\nSubject: huge\r\n\r\n" + line * (60 * 1024 * 1024 // 1000)
    with caplog.at_level(logging.WARNING, logger="deskpact.mail.listener"):
        code, _ = converse(listener, big)
    assert code == 552
    assert any("size limit" in r.getMessage() for r in caplog.records)
    assert not InboundMessage.objects.exists()


def test_an_empty_message_is_refused_for_good(listen: Callable[..., Listener]) -> None:
    code, reply = converse(listen(), b"\r\n")
    assert code == 554 and b"empty" in reply
    assert not InboundMessage.objects.exists()


def test_lmtp_answers_data_once_per_recipient_for_one_stored_message(
    listen: Callable[..., Listener], customer: User
) -> None:
    listener = listen(lmtp=True)
    with smtplib.LMTP(listener.hostname, listener.port, timeout=30) as client:
        client.ehlo_or_helo_if_needed()
        assert client.mail(SENDER)[0] == 250
        assert client.rcpt(DESK)[0] == 250
        assert client.rcpt("billing@deskpact.localhost")[0] == 250
        client.putcmd("data")
        assert client.getreply()[0] == 354
        client.send(crlf(raw_mail()) + b".\r\n")
        replies = [client.getreply(), client.getreply()]
    stored = InboundMessage.objects.get()
    assert replies == [(250, f"2.0.0 Stored as {stored.pk}".encode())] * 2


# --- the command, in a process of its own ---------------------------------------------


def start_listen_command(tmp_path: Path, database_url: str, *args: str) -> tuple[Any, int]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "deskpact.settings",
        "DESKPACT_TASKS": "immediate",
    }
    log = (tmp_path / "listen.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "deskpact", "mail", "listen", "--port", str(port), *args],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError((tmp_path / "listen.log").read_text())
        if b"listening on" in (tmp_path / "listen.log").read_bytes():
            return process, port
        time.sleep(0.1)
    process.kill()
    raise AssertionError("the listener did not start within 60 s")


def stop(process: Any) -> str:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=30)
    return str(process.returncode)


def test_the_listen_command_answers_451_while_the_database_is_unreachable(
    tmp_path: Path,
) -> None:
    process, port = start_listen_command(tmp_path, "postgres://postgres@127.0.0.1:1/deskpact")
    try:
        with (
            smtplib.SMTP("127.0.0.1", port, timeout=60) as client,
            pytest.raises(smtplib.SMTPDataError) as refused,
        ):
            client.sendmail(SENDER, [DESK], crlf(raw_mail()))
    finally:
        stop(process)
    assert refused.value.smtp_code == 451
    assert b"try again later" in refused.value.smtp_error
    assert b"database unavailable" in (tmp_path / "listen.log").read_bytes()


def test_the_listen_command_stores_each_message_before_answering(
    tmp_path: Path, customer: User
) -> None:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    source = MailSource.objects.create(
        name="listener", kind=MailSource.Kind.SMTP, queue=QueueFactory.create(),
        address="desk@deskpact.localhost",
    )  # fmt: skip
    process, port = start_listen_command(tmp_path, url, "--source", "listener")
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
            for n in range(3):
                raw = crlf(raw_mail(message_id=f"<cmd{n}@acme.example>"))
                client.sendmail(SENDER, [DESK], raw)
                # Each acceptance means the row is there already, read here, in this process.
                assert InboundMessage.objects.filter(message_id=f"<cmd{n}@acme.example>").exists()
    finally:
        stop(process)
    assert InboundMessage.objects.filter(source=source).count() == 3
