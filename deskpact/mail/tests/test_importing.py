"""`deskpact mail import`: Maildir, mbox (streamed) and .eml files go through the pipeline."""

from __future__ import annotations

import io
import mailbox
import tracemalloc
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from deskpact.accounts.models import User
from deskpact.mail import importing
from deskpact.mail.models import InboundMessage, OutgoingMail
from deskpact.mail.tests.test_inbound import raw_mail
from deskpact.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db
Status = InboundMessage.Status


def mbox_bytes(*messages: bytes) -> bytes:
    """An mbox as mail programs write it (mboxrd: body lines "From " quoted with ">")."""
    out = []
    for i, raw in enumerate(messages):
        body = raw.replace(b"\r\n", b"\n")
        lines = [
            b">" + line if line.lstrip(b">").startswith(b"From ") else line
            for line in body.split(b"\n")
        ]
        out.append(b"From sender%d@example.net Mon Jan  6 09:00:00 2025\n" % i)
        out.append(b"\n".join(lines).rstrip(b"\n") + b"\n\n")
    return b"".join(out)


def test_an_mbox_becomes_tickets_and_replies_in_file_order(tmp_path: Path, customer: User) -> None:
    first = raw_mail(body="It smokes.\n\nFrom here on it only gets worse.")
    other = raw_mail(sender="dana@acme.example", subject="VPN", message_id="<v1@acme.example>")
    path = tmp_path / "archive.mbox"
    path.write_bytes(mbox_bytes(first, other))

    report = importing.import_paths([path])

    assert (report.stored, dict(report.outcomes), report.refused) == (2, {"ticket": 2}, [])
    ticket = Ticket.objects.get(subject="Printer on fire")
    # The quoted "From " body line is read back as it was written, and nothing is split there.
    assert ticket.body == "It smokes.\n\nFrom here on it only gets worse."
    assert InboundMessage.objects.filter(source_kind="import").count() == 2
    refs = set(InboundMessage.objects.values_list("source_ref", flat=True))
    assert refs == {f"mbox:0:{path}", f"mbox:1:{path}"}


def test_a_reply_later_in_the_same_import_threads_onto_the_ticket_opened_earlier(
    tmp_path: Path, customer: User
) -> None:
    first = raw_mail()
    reply = raw_mail(
        subject="Re: Printer on fire",
        body="Now it is out.",
        message_id="<m2@acme.example>",
        In_Reply_To="<m1@acme.example>",
    )
    (tmp_path / "a.eml").write_bytes(first)
    (tmp_path / "b.eml").write_bytes(reply)

    report = importing.import_paths([tmp_path])

    assert dict(report.outcomes) == {"ticket": 1, "reply": 1}
    ticket = Ticket.objects.get()
    assert Message.objects.get(ticket=ticket).body == "Now it is out."


def test_a_maildir_is_imported_from_new_and_cur(tmp_path: Path, customer: User) -> None:
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    box.add(mailbox.MaildirMessage(raw_mail()))
    read = mailbox.MaildirMessage(
        raw_mail(subject="Invoice", message_id="<i1@acme.example>", body="Wrong total.")
    )
    read.set_subdir("cur")
    read.add_flag("S")
    box.add(read)

    report = importing.import_paths([tmp_path / "Maildir"])

    assert (report.stored, report.outcomes["ticket"]) == (2, 2)
    assert set(Ticket.objects.values_list("subject", flat=True)) == {"Printer on fire", "Invoice"}
    assert all(
        r.startswith("maildir:")
        for r in InboundMessage.objects.values_list("source_ref", flat=True)
    )


def test_one_eml_file_is_one_message_even_with_an_mbox_from_line(
    tmp_path: Path, customer: User
) -> None:
    path = tmp_path / "saved.eml"
    path.write_bytes(b"From alice@acme.example Mon Jan  6 09:00:00 2025\n" + raw_mail())
    report = importing.import_paths([path])
    assert report.outcomes["ticket"] == 1
    assert not bytes(InboundMessage.objects.get().raw).startswith(b"From ")


def test_a_path_that_cannot_be_read_is_refused_before_anything_is_stored(
    tmp_path: Path, customer: User
) -> None:
    good = tmp_path / "good.eml"
    good.write_bytes(raw_mail())
    notes = tmp_path / "notes.txt"
    notes.write_text("shopping list\n")
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()

    with pytest.raises(importing.ImportRefused, match=r"notes\.txt is neither an mbox"):
        importing.import_paths([good, notes])
    with pytest.raises(importing.ImportRefused, match=r"missing\.mbox does not exist"):
        importing.import_paths([good, tmp_path / "missing.mbox"])
    with pytest.raises(importing.ImportRefused, match=r"holds no \.eml files"):
        importing.import_paths([good, empty_dir])
    assert not InboundMessage.objects.exists()


def test_an_oversize_or_empty_message_is_refused_by_name_and_the_rest_imported(
    tmp_path: Path, customer: User, settings: object
) -> None:
    settings.DESKPACT_MAIL_MAX_BYTES = 20_000  # type: ignore[attr-defined]
    big = raw_mail(subject="Huge", message_id="<big@acme.example>", body="See below.")
    big += (b"y" * 76 + b"\n") * 400  # ~31 kB of body lines
    path = tmp_path / "mixed.mbox"
    path.write_bytes(mbox_bytes(raw_mail(), big, raw_mail(subject="VPN", message_id="<v@a.b>")))
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "empty.eml").write_bytes(b"\n\n")

    report = importing.import_paths([path, tmp_path / "dir"])

    assert report.stored == 2
    refused = dict(report.refused)
    assert "the desk takes at most 20,000" in refused[f"mbox:1:{path}"]
    assert refused[str(tmp_path / "dir" / "empty.eml")] == "The message is empty."
    assert not InboundMessage.objects.filter(subject="Huge").exists()


def test_a_large_mbox_is_read_one_message_at_a_time(tmp_path: Path) -> None:
    count = 1500
    path = tmp_path / "large.mbox"
    filler = "Line of a longer message body, to make the file large enough.\n" * 80
    with path.open("wb") as file:
        for i in range(count):
            raw = raw_mail(message_id=f"<bulk{i}@acme.example>", subject=f"Bulk {i}", body=filler)
            file.write(mbox_bytes(raw))
    size = path.stat().st_size
    assert size > 7_000_000

    warm = tmp_path / "warm.mbox"  # the first message pays for imports and caches
    warm.write_bytes(mbox_bytes(raw_mail(message_id="<warm@acme.example>")))
    importing.import_paths([warm], process=False)
    InboundMessage.objects.all().delete()
    tracemalloc.start()
    try:
        report = importing.import_paths([path], process=False)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert report.stored == count and report.outcomes["stored"] == count
    assert InboundMessage.objects.filter(status=Status.RECEIVED).count() == count
    assert peak < size / 10, f"peak {peak:,} bytes for a {size:,}-byte mbox"


def test_the_import_command_reports_what_it_did(tmp_path: Path, customer: User) -> None:
    path = tmp_path / "one.eml"
    path.write_bytes(raw_mail())
    out = io.StringIO()
    call_command("mail", "import", str(path), stdout=out, stderr=io.StringIO())
    assert "1 message(s) stored (1 ticket)" in out.getvalue()
    assert OutgoingMail.objects.filter(kind="acknowledgement").count() == 1


def test_the_import_command_names_a_path_it_cannot_read(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="does not exist"):
        call_command("mail", "import", str(tmp_path / "nope.mbox"), stdout=io.StringIO())


def test_the_import_command_exits_65_when_a_message_was_refused(
    tmp_path: Path, customer: User
) -> None:
    (tmp_path / "a.eml").write_bytes(raw_mail())
    (tmp_path / "b.eml").write_bytes(b"")
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit:
        call_command("mail", "import", str(tmp_path), stdout=io.StringIO(), stderr=err)
    assert exit.value.code == 65
    assert "b.eml: The message is empty." in err.getvalue()
    assert InboundMessage.objects.count() == 1


def test_only_a_dated_from_line_after_an_empty_line_starts_a_message(tmp_path: Path) -> None:
    path = tmp_path / "hand.mbox"
    path.write_bytes(
        b"From a@example.net Mon Jan  6 09:00:00 2025\n"
        b"Subject: one\n\nFirst line\nFrom the start it failed\n\nFrom here on, nothing.\n\n"
        b"From b@example.net Tue Jan  7 10:00:00 2025\nSubject: two\n\nSecond\n"
    )
    messages = list(importing.read_mbox(path, max_bytes=10_000))
    assert [m.raw for m in messages] == [
        b"Subject: one\n\nFirst line\nFrom the start it failed\n\nFrom here on, nothing.\n",
        b"Subject: two\n\nSecond\n",
    ]
