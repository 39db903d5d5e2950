"""IMAP polling against a real Dovecot started for these tests on a high loopback port.

Nothing is flagged or moved before it is stored: a message whose store fails stays unseen and
is taken by the next poll, and one stored by a poll that failed before flagging is flagged by
the next poll, not stored twice. Needs Debian's dovecot-imapd; skipped without it.
"""

from __future__ import annotations

import contextlib
import imaplib
import io
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from deskpact.accounts.models import User
from deskpact.mail import imap
from deskpact.mail.models import InboundMessage, MailSource
from deskpact.mail.tests.test_inbound import raw_mail
from deskpact.testing.factories import QueueFactory
from deskpact.tickets.models import Ticket

DOVECOT = shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin:/usr/local/sbin")
pytestmark = [
    pytest.mark.skipif(
        DOVECOT is None,
        reason="Dovecot is not installed (apt-get install dovecot-imapd): "
        "the IMAP tests poll a real IMAP server",
    ),
    pytest.mark.django_db(transaction=True),
]
PASSWORD = "harbour-lantern-quiet-7"


USERS = 30  # one mailbox per test, all known before the server starts


@dataclass
class Server:
    root: Path
    port: int
    taken: int = 0

    def add_user(self) -> str:
        self.taken += 1
        assert self.taken <= USERS, "more tests than mailboxes: raise USERS"
        return f"desk{self.taken}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def dovecot_config(root: Path, port: int) -> str:
    if os.getuid() == 0:
        # Dovecot never gives mail access as root: the mailboxes belong to `nobody`, and its
        # own processes run as the users the package created.
        mail_uid, mail_gid, own_users = 65534, 65534, ""
    else:
        me = pwd.getpwuid(os.getuid()).pw_name
        mail_uid, mail_gid = os.getuid(), os.getgid()
        own_users = f"default_internal_user = {me}\ndefault_login_user = {me}\n"
    return f"""\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
instance_name = deskpact-test-{port}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
{own_users}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
"""


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Server]:
    root = Path(tempfile.mkdtemp(prefix="dp-dovecot-"))  # short: socket paths are limited
    root.chmod(0o755)
    for sub in ("run", "state", "home"):
        (root / sub).mkdir()
    if os.getuid() == 0:
        os.chown(root / "home", 65534, 65534)
    (root / "passwd").write_text(
        "".join(f"desk{n}:{{PLAIN}}{PASSWORD}::::::\n" for n in range(1, USERS + 1))
    )
    port = free_port()
    (root / "dovecot.conf").write_text(dovecot_config(root, port))
    assert DOVECOT is not None
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
        stdout=(root / "stdout.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                log = (root / "stdout.log").read_text() + _read(root / "dovecot.log")
                raise AssertionError(f"Dovecot did not start:\n{log}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        break
            except OSError:
                time.sleep(0.1)
        yield Server(root=root, port=port)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        shutil.rmtree(root, ignore_errors=True)


def _read(path: Path) -> str:
    return path.read_text() if path.exists() else ""


@pytest.fixture
def mailbox(dovecot: Server) -> Iterator[Callable[[], imaplib.IMAP4]]:
    """A fresh user's mailbox on the server; opens a client connection to it."""
    user = dovecot.add_user()
    clients: list[imaplib.IMAP4] = []

    def open_client() -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", dovecot.port, timeout=30)
        client.login(user, PASSWORD)
        clients.append(client)
        return client

    open_client.user = user  # type: ignore[attr-defined]
    yield open_client
    for client in clients:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            client.logout()


def make_source(dovecot: Server, user: str, **fields: Any) -> MailSource:
    return MailSource.objects.create(
        name=f"imap-{user}",
        kind=MailSource.Kind.IMAP,
        queue=QueueFactory.create(),
        address=f"{user}@deskpact.localhost",
        imap_host="127.0.0.1",
        imap_port=dovecot.port,
        imap_tls=False,
        imap_user=user,
        imap_password=PASSWORD,
        **fields,
    )


def append(client: imaplib.IMAP4, raw: bytes, *, flags: str | None = None) -> None:
    status, _ = client.append("INBOX", flags, None, raw.replace(b"\n", b"\r\n"))
    assert status == "OK"


def flags_by_uid(client: imaplib.IMAP4, folder: str = "INBOX") -> dict[int, set[str]]:
    client.select(folder)
    status, data = client.uid("FETCH", "1:*", "(FLAGS)")
    assert status == "OK"
    found: dict[int, set[str]] = {}
    for item in data:
        if not isinstance(item, bytes):
            continue
        text = item.decode()
        uid = int(text.split("UID ", 1)[1].split()[0].rstrip(")"))
        found[uid] = set(text.split("FLAGS (", 1)[1].split(")", 1)[0].split())
    return found


def stored_refs() -> list[str]:
    return sorted(InboundMessage.objects.values_list("source_ref", flat=True))


def test_unseen_messages_are_stored_then_flagged_seen(
    dovecot: Server, mailbox: Any, customer: User
) -> None:
    client = mailbox()
    append(client, raw_mail())
    append(
        client, raw_mail(subject="Read already", message_id="<r@acme.example>"), flags=r"(\Seen)"
    )
    append(client, raw_mail(subject="VPN down", message_id="<v@acme.example>"))
    source = make_source(dovecot, mailbox.user)

    report = imap.poll(source)

    assert (report.seen, report.stored, report.errors) == (2, 2, [])
    assert stored_refs() == ["INBOX:1", "INBOX:3"]
    assert all(m.source == source for m in InboundMessage.objects.all())
    assert set(Ticket.objects.values_list("subject", flat=True)) == {"Printer on fire", "VPN down"}
    assert all(r"\Seen" in flags for flags in flags_by_uid(client).values())
    again = imap.poll(source)
    assert (again.seen, again.stored) == (0, 0)
    assert InboundMessage.objects.count() == 2


@pytest.fixture
def refuse_poison() -> Iterator[Callable[[], None]]:
    """A database trigger that makes storing a message with subject 'Poison' fail."""
    if connection.vendor == "postgresql":
        create = [
            "CREATE FUNCTION refuse_poison() RETURNS trigger AS $$ BEGIN "
            "IF NEW.subject = 'Poison' THEN RAISE EXCEPTION 'refused by the test trigger'; "
            "END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_poison BEFORE INSERT ON mail_inboundmessage "
            "FOR EACH ROW EXECUTE FUNCTION refuse_poison()",
        ]
        drop = [
            "DROP TRIGGER IF EXISTS refuse_poison ON mail_inboundmessage",
            "DROP FUNCTION IF EXISTS refuse_poison()",
        ]
    else:
        create = [
            "CREATE TRIGGER refuse_poison BEFORE INSERT ON mail_inboundmessage "
            "WHEN NEW.subject = 'Poison' "
            "BEGIN SELECT RAISE(ABORT, 'refused by the test trigger'); END"
        ]
        drop = ["DROP TRIGGER IF EXISTS refuse_poison"]
    with connection.cursor() as cursor:
        for statement in create:
            cursor.execute(statement)

    def lift() -> None:
        with connection.cursor() as cursor:
            for statement in drop:
                cursor.execute(statement)

    try:
        yield lift
    finally:
        lift()


def test_a_message_that_fails_to_store_stays_unseen_and_is_stored_once_next_time(
    dovecot: Server, mailbox: Any, customer: User, refuse_poison: Callable[[], None]
) -> None:
    client = mailbox()
    append(client, raw_mail())
    append(client, raw_mail(subject="Poison", message_id="<p@acme.example>"))
    append(client, raw_mail(subject="VPN down", message_id="<v@acme.example>"))
    source = make_source(dovecot, mailbox.user)

    first = imap.poll(source)

    assert (first.stored, len(first.errors)) == (2, 1)
    assert "UID 2" in first.errors[0] and "refused by the test trigger" in first.errors[0]
    assert stored_refs() == ["INBOX:1", "INBOX:3"]
    flags = flags_by_uid(client)
    assert r"\Seen" in flags[1] and r"\Seen" in flags[3]
    assert r"\Seen" not in flags[2]  # not stored, so not flagged: nothing is lost

    refuse_poison()  # the database takes it again
    second = imap.poll(source)

    assert (second.seen, second.stored, second.errors) == (1, 1, [])
    assert stored_refs() == ["INBOX:1", "INBOX:2", "INBOX:3"]
    assert r"\Seen" in flags_by_uid(client)[2]
    assert Ticket.objects.filter(subject="Poison").count() == 1


def database_url() -> str:
    """The test database, for a process of its own."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


class Release(Exception):
    pass


def wait_until(condition: Callable[[], bool], *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds:g} s")
        time.sleep(0.1)


def test_a_poll_killed_while_storing_loses_nothing(
    dovecot: Server, mailbox: Any, customer: User, tmp_path: Path
) -> None:
    client = mailbox()
    append(client, raw_mail())
    source = make_source(dovecot, mailbox.user)
    env = {**os.environ, "DATABASE_URL": database_url(), "DESKPACT_TASKS": "immediate",
           "DJANGO_SETTINGS_MODULE": "deskpact.settings"}  # fmt: skip
    command = [sys.executable, "-m", "deskpact", "mail", "poll", "--source", source.name]
    logins = f"Login: user=<{mailbox.user}>"

    # The test holds the write lock, so the poll's insert waits: the message is fetched and
    # not stored when the process is killed.
    with contextlib.suppress(Release), transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("LOCK TABLE mail_inboundmessage IN SHARE ROW EXCLUSIVE MODE")
            else:
                cursor.execute("UPDATE mail_mailsource SET name = name")
        with (tmp_path / "poll.log").open("wb") as log:
            process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until(lambda: logins in _read(dovecot.root / "dovecot.log"), seconds=60,
                       what="the poll logging in")  # fmt: skip
            if connection.vendor == "postgresql":
                wait_until(lambda: _insert_waits_on_a_lock(), seconds=30, what="the insert")
            else:
                time.sleep(2)  # fetched by now; its insert waits on the lock for up to 20 s
            assert process.poll() is None, (tmp_path / "poll.log").read_text()
        finally:
            process.kill()
            process.wait(timeout=30)
        raise Release

    assert process.returncode == -signal.SIGKILL
    assert not InboundMessage.objects.exists()
    assert r"\Seen" not in flags_by_uid(client)[1]  # not stored, so not flagged

    report = imap.poll(source)

    assert (report.seen, report.stored) == (1, 1)
    assert stored_refs() == ["INBOX:1"]
    assert r"\Seen" in flags_by_uid(client)[1]


def _insert_waits_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND query LIKE 'INSERT INTO \"mail_inboundmessage\"%%'"
        )
        return bool(cursor.fetchone()[0])


def test_a_message_stored_before_its_move_failed_is_moved_next_time_not_stored_twice(
    dovecot: Server, mailbox: Any, customer: User
) -> None:
    client = mailbox()
    append(client, raw_mail())
    source = make_source(dovecot, mailbox.user, imap_done_folder="Handled")

    # The done folder does not exist yet: the message is stored, then the move fails.
    with pytest.raises(imap.PollFailed, match="MOVE of UID 1 to Handled"):
        imap.poll(source)
    assert stored_refs() == ["INBOX:1"]
    assert r"\Seen" not in flags_by_uid(client)[1]

    assert client.create("Handled")[0] == "OK"
    report = imap.poll(source)

    assert (report.seen, report.stored, report.already_stored) == (1, 0, 1)
    assert stored_refs() == ["INBOX:1"]
    assert Ticket.objects.count() == 1
    assert flags_by_uid(client) == {}
    assert len(flags_by_uid(client, "Handled")) == 1


def test_a_message_the_desk_refuses_stays_in_the_mailbox_and_is_passed_over(
    dovecot: Server, mailbox: Any, settings: Any
) -> None:
    settings.DESKPACT_MAIL_MAX_BYTES = 5_000
    client = mailbox()
    append(client, raw_mail(body="x" * 70 + "\n" + ("y" * 70 + "\n") * 100))
    source = make_source(dovecot, mailbox.user)

    report = imap.poll(source)

    assert report.stored == 0 and "UID 1" in report.refused[0]
    assert "at most 5,000" in report.refused[0]
    flags = flags_by_uid(client)[1]
    assert imap.REFUSED_KEYWORD in flags and r"\Seen" not in flags
    assert imap.poll(source).seen == 0
    assert not InboundMessage.objects.exists()


def test_a_wrong_password_is_a_clear_error(dovecot: Server, mailbox: Any) -> None:
    source = make_source(dovecot, mailbox.user)
    source.imap_password = "not-the-password"
    with pytest.raises(imap.PollFailed, match="refused the login of 'desk"):
        imap.poll(source)


def test_the_poll_command_polls_every_active_imap_source(
    dovecot: Server, mailbox: Any, customer: User
) -> None:
    client = mailbox()
    append(client, raw_mail())
    make_source(dovecot, mailbox.user)
    out = io.StringIO()
    call_command("mail", "poll", stdout=out, stderr=io.StringIO())
    assert "1 unseen, 1 stored, 0 already stored" in out.getvalue()
    assert Ticket.objects.count() == 1
