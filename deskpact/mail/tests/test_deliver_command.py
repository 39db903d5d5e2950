"""`deskpact mail deliver`: exit 0 only once the message is stored, 75 when the database is down."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from django.core.management import call_command

from deskpact.mail.models import InboundMessage
from deskpact.mail.tests.test_inbound import raw_mail

pytestmark = pytest.mark.django_db


def run_deliver(monkeypatch: pytest.MonkeyPatch, raw: bytes, *args: str) -> int:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    try:
        call_command("mail", "deliver", *args, stdout=io.StringIO(), stderr=io.StringIO())
    except SystemExit as exit:
        return int(exit.code or 0)
    return 0


def test_a_delivered_message_is_stored_and_processed(
    monkeypatch: pytest.MonkeyPatch, customer: object
) -> None:
    assert run_deliver(monkeypatch, raw_mail()) == 0
    stored = InboundMessage.objects.get()
    assert stored.source_kind == "pipe" and stored.message_id == "<m1@acme.example>"


def test_an_empty_message_is_a_data_error(monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_deliver(monkeypatch, b"") == 65
    assert not InboundMessage.objects.exists()


def test_an_unknown_source_is_a_data_error(monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_deliver(monkeypatch, raw_mail(), "--source", "nowhere") == 65


def test_an_unreachable_database_asks_the_mta_to_retry(tmp_path: object) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/deskpact",
        "DJANGO_SETTINGS_MODULE": "deskpact.settings",
    }
    done = subprocess.run(
        [sys.executable, "-m", "deskpact", "mail", "deliver"],
        input=raw_mail(),
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 75, done.stderr.decode()
    assert b"try again later" in done.stderr
