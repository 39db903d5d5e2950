#!/usr/bin/env python3
"""Mail import benchmark: the peer's generated messages through `mail import`, in one process.

    .venv/bin/python bench/mail/import_bench.py                 # both databases, 2,000 messages
    .venv/bin/python bench/mail/import_bench.py --db pg --peer  # the peer measured in the same run
    .venv/bin/python bench/mail/import_bench.py --quick         # 200 messages, to check it works

The messages are those of the peer kit (../shared/bench/peer/gen_eml.py, same seed as the
peer's first run): 70% first messages from 500 senders, 30% replies, 10% with a PNG, 30%
multipart/alternative. Half the replies thread by In-Reply-To to an earlier inbound
Message-ID; the other half carry the peer's "[support-<id>]" tag, which this desk does not
read: before the reply phase (untimed) that tag becomes the desk's key "[DP-<id>]" and an
In-Reply-To naming the acknowledgement the desk sent for that ticket, so those replies
thread by an outgoing Message-ID. For each database: a fresh desk (SQLite in
<out>/<db>/data; PostgreSQL `deskpact_bench_mail` on 127.0.0.1, dropped and created), then,
in one process, the first messages imported (timed), then the replies (timed), each stored
and processed as `deskpact mail import DIR` does (acknowledgements rendered and built as
mail, not sent: the peer uses Django's locmem backend). Printed: messages/s per phase and
overall, peak memory, and the ratio to the peer.

Speed is measured, never asserted: exit 0 unless something could not be run. PostgreSQL on
127.0.0.1 only; every child process has a time limit.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
PEER_KIT = Path(os.environ.get("PEER_KIT", ROOT.parent / "shared" / "bench" / "peer"))
PEERS = Path(os.environ.get("PEERS", "/tmp/deskpact-peer"))
BENCH_DB = "deskpact_bench_mail"  # the only PostgreSQL database this drops or creates
PG_URL = f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}"
SEED = 101  # the peer's run_email.sh uses SEED0 + run, SEED0 = 100: its first run
TARGET = 5.0
DESK_ADDRESS = "support@example.com"  # gen_eml.py's default To:
TAG = re.compile(rb"\[support-(\d+)\]")
# gen_eml.py's subjects end in "(<seed>-<n>)", n the first message of the thread.
THREAD = re.compile(rb"^Subject:.*\(\d+-(\d+)\)\s*$", re.M)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- inside Django (the child process) ------------------------------------------------


class BuildOnlyBackend:
    """Renders each mail to bytes and drops it: what the peer's locmem backend costs,
    without keeping every message in memory."""

    def __init__(self, fail_silently: bool = False, **kwargs: Any) -> None:
        self.fail_silently = fail_silently

    def open(self) -> bool:
        return True

    def close(self) -> None:
        return None

    def __enter__(self) -> BuildOnlyBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def send_messages(self, messages: list[Any]) -> int:
        for message in messages:
            message.message().as_bytes()
        return len(messages)


def status_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (peak since the last reset) of this process, in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak() -> None:
    """Start the peak (VmHWM) over from the current RSS: migrations peak higher."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def thread_replies(new_dir: Path, replies_dir: Path, out_dir: Path) -> dict[str, int]:
    """Copy the replies; a reply with the peer's "[support-N]" tag gets this desk's key and
    an In-Reply-To naming the acknowledgement of its thread's ticket instead.

    gen_eml.py draws N at random, not from the reply's thread, so the tag names someone
    else's ticket, which this desk refuses to thread onto (the sender may not see it). The
    thread is the one the subject names, "(<seed>-<n>)": the ticket of new/<n>.eml."""
    from deskpact.mail.models import InboundMessage, OutgoingMail

    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    ticket_by_ref = dict(
        InboundMessage.objects.exclude(ticket=None).values_list("source_ref", "ticket_id")
    )
    acknowledgement = dict(
        OutgoingMail.objects.filter(kind=OutgoingMail.Kind.ACKNOWLEDGEMENT).values_list(
            "ticket_id", "message_id"
        )
    )
    counts = {"by_inbound_id": 0, "by_outgoing_id": 0, "untouched": 0}
    for path in sorted(replies_dir.glob("*.eml")):
        raw = path.read_bytes()
        head, sep, body = raw.partition(b"\n\n")
        match, thread = TAG.search(head), THREAD.search(head)
        if match and thread:
            ref = str(new_dir / f"{int(thread.group(1)):06d}.eml")
            ticket = ticket_by_ref.get(ref)
            sent = acknowledgement.get(ticket) if ticket else None
            if ticket and sent:
                head = TAG.sub(f"[DP-{ticket}]".encode(), head, count=1)
                head += f"\nIn-Reply-To: {sent}\nReferences: {sent}".encode()
                counts["by_outgoing_id"] += 1
            else:
                counts["untouched"] += 1
        else:
            counts["by_inbound_id"] += 1
        (out_dir / path.name).write_bytes(head + sep + body)
    return counts


def child(args: argparse.Namespace) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deskpact.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from deskpact.accounts import services
    from deskpact.mail import importing
    from deskpact.mail.models import InboundMessage
    from deskpact.tickets.models import Attachment, Message, Queue, Ticket

    settings.EMAIL_BACKEND = "__main__.BuildOnlyBackend"
    call_command("migrate", interactive=False, verbosity=0)
    Queue.objects.create(
        name="Support", slug="support", email_address=DESK_ADDRESS, is_default=True
    )
    services.create_user(
        email="bench-admin@deskpact.example", name="Bench Admin", role="admin",
        password="quiet-orchard-velvet-93", by=None,
    )  # fmt: skip

    gen = Path(args.gen)
    done = subprocess.run(
        [sys.executable, str(PEER_KIT / "gen_eml.py"), "--out", str(gen),
         "--count", str(args.count), "--seed", str(args.seed), "--id-base", "0"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"gen_eml.py failed: {done.stderr[-2000:]}")
    new_dir, replies_dir = gen / "new", gen / "replies"
    n_new, n_reply = len(list(new_dir.glob("*.eml"))), len(list(replies_dir.glob("*.eml")))

    reset_peak()
    baseline = status_mb("VmRSS")
    started = time.perf_counter()
    new_report = importing.import_paths([new_dir])
    new_seconds = time.perf_counter() - started
    after_new = status_mb("VmRSS")

    threading = thread_replies(new_dir, replies_dir, gen / "replies-desk")

    started = time.perf_counter()
    reply_report = importing.import_paths([gen / "replies-desk"])
    reply_seconds = time.perf_counter() - started
    after_replies = status_mb("VmRSS")

    result = {
        "db": connection.vendor,
        "generator": done.stdout.strip(),
        "new": n_new,
        "replies": n_reply,
        "new_seconds": round(new_seconds, 3),
        "reply_seconds": round(reply_seconds, 3),
        "new_per_s": round(n_new / new_seconds, 1),
        "reply_per_s": round(n_reply / reply_seconds, 1) if n_reply else None,
        "per_s": round((n_new + n_reply) / (new_seconds + reply_seconds), 1),
        "new_outcomes": dict(new_report.outcomes),
        "reply_outcomes": dict(reply_report.outcomes),
        "refused": len(new_report.refused) + len(reply_report.refused),
        "threading": threading,
        "tickets": Ticket.objects.count(),
        "messages": Message.objects.count(),
        "attachments": Attachment.objects.count(),
        "stored": InboundMessage.objects.count(),
        "rss_start_mb": round(baseline, 1),
        "rss_after_new_mb": round(after_new, 1),
        "rss_end_mb": round(after_replies, 1),
        "peak_rss_mb": round(status_mb("VmHWM"), 1),
    }
    print(json.dumps(result), flush=True)


# --- the driver -----------------------------------------------------------------------


def reset_pg(url: str) -> None:
    """Drop and create the benchmark database, and only that one."""
    import psycopg

    parsed = urlparse(url)
    if parsed.path.lstrip("/") != BENCH_DB or parsed.hostname not in ("127.0.0.1", "localhost"):
        raise SystemExit(f"refusing to reset {url!r}: only {BENCH_DB} on 127.0.0.1")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')


def child_env(data_dir: Path, database_url: str) -> dict[str, str]:
    drop = {"DESKPACT_ENV", "DEBUG", "DATABASE_URL", "DESKPACT_DATA_DIR", "DESKPACT_MEDIA_DIR",
            "EMAIL_URL", "REDIS_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"}  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "deskpact.settings",
            "DESKPACT_DATA_DIR": str(data_dir),
            "DATABASE_URL": database_url,
            # Processing and the acknowledgement run inside the import, as the peer's do.
            "DESKPACT_TASKS": "immediate",
        }
    )
    return env


def run_desk(db: str, args: argparse.Namespace, out: Path) -> dict[str, Any]:
    work = out / db
    shutil.rmtree(work, ignore_errors=True)
    (work / "data").mkdir(parents=True)
    if db == "pg":
        reset_pg(PG_URL)
        url = PG_URL
    else:
        url = f"sqlite:///{work / 'data' / 'deskpact.sqlite3'}"
    command = [str(VENV_PYTHON), str(Path(__file__).resolve()), "--child", "--count",
               str(args.count), "--seed", str(args.seed), "--gen", str(work / "gen")]  # fmt: skip
    done = subprocess.run(
        command, env=child_env(work / "data", url), cwd=ROOT, capture_output=True,
        text=True, timeout=args.timeout, check=False,
    )  # fmt: skip
    (work / "child.log").write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        raise SystemExit(f"the {db} import failed:\n{done.stderr[-3000:]}")
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    return dict(json.loads(lines[-1]))


def peer_reference() -> dict[str, float]:
    """{'sqlite': msg/s, 'pg': msg/s} from the peer kit's README."""
    try:
        text = (PEER_KIT / "README.md").read_text()
    except OSError:
        return {}
    match = re.search(r"^\|\s*email intake[^|]*\|(.+)\|(.+)\|", text, re.M)
    if not match:
        return {}
    figures = {}
    for db, cell in zip(("sqlite", "pg"), match.groups(), strict=True):
        if rate := re.search(r"([0-9.]+)\s*msg/s", cell):
            figures[db] = float(rate.group(1))
    return figures


def run_peer(db: str, args: argparse.Namespace, out: Path) -> float | None:
    """The peer's run_email.sh, one run of the same count; its messages per second."""
    if not (PEERS / "dh-venv").is_dir():
        log(f"peer not set up under {PEERS}: using its reference figure")
        return None
    env = {**os.environ, "DH_DB": db, "RUNS": "1", "COUNT": str(args.count), "PEERS": str(PEERS),
           "SEED0": str(args.seed - 1), "RESULTS": str(out / f"peer-{db}")}  # fmt: skip
    (out / f"peer-{db}").mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["bash", str(PEER_KIT / "run_email.sh")], env=env, cwd=PEER_KIT, capture_output=True,
        text=True, timeout=args.timeout, check=False,
    )  # fmt: skip
    (out / f"peer-{db}" / "run_email.log").write_text(done.stdout + done.stderr)
    rate = re.search(r"msgs_per_s=([0-9.]+)", done.stdout)
    if done.returncode != 0 or not rate:
        log(f"peer run on {db} failed (see {out}/peer-{db}/run_email.log): reference figure")
        return None
    return float(rate.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sqlite,pg", help="sqlite, pg or both (sqlite,pg)")
    parser.add_argument("--count", type=int, default=2000, help="messages (30%% replies)")
    parser.add_argument("--quick", action="store_true", help="200 messages")
    parser.add_argument("--peer", action="store_true", help="measure the peer in this run too")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", default="/tmp/deskpact-bench")
    parser.add_argument("--timeout", type=float, default=1200, help="seconds per import")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--gen", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.count = 200
    if args.child:
        child(args)
        return
    if not (PEER_KIT / "gen_eml.py").exists():
        raise SystemExit(f"the peer kit is not at {PEER_KIT} (set PEER_KIT): it generates the mail")
    out = Path(args.out) / "mail"
    out.mkdir(parents=True, exist_ok=True)
    reference = peer_reference()
    rows = []
    for db in [d.strip() for d in args.db.split(",") if d.strip()]:
        if db not in ("sqlite", "pg"):
            raise SystemExit(f"--db: unknown database {db!r}; use sqlite or pg")
        log(f"{db}: importing {args.count} messages")
        result = run_desk(db, args, out)
        peer = run_peer(db, args, out) if args.peer else None
        source = "measured" if peer is not None else "reference"
        peer = peer if peer is not None else reference.get(db)
        result["peer_per_s"], result["peer_source"] = peer, source
        result["ratio"] = round(result["per_s"] / peer, 2) if peer else None
        rows.append((db, result))
        log(f"{db}: {json.dumps(result)}")

    print()
    print("| db | messages | new tickets msg/s | replies msg/s | overall msg/s "
          "| peak RSS (start → end) | peer msg/s | ratio | target |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for db, r in rows:
        ratio = f"{r['ratio']:.1f}x" if r["ratio"] else "n/a"
        met = "met" if r["ratio"] and r["ratio"] >= TARGET else "not met"
        print(
            f"| {db} | {r['new']} + {r['replies']} | {r['new_per_s']} | {r['reply_per_s']} "
            f"| {r['per_s']} | {r['peak_rss_mb']} MB ({r['rss_start_mb']} → {r['rss_end_mb']}) "
            f"| {r['peer_per_s']} ({r['peer_source']}) | {ratio} | ≥ {TARGET:g}x ({met}) |"
        )
    for db, r in rows:
        print(f"{db}: outcomes new {r['new_outcomes']}, replies {r['reply_outcomes']}, "
              f"threading {r['threading']}, refused {r['refused']}; tickets {r['tickets']}, "
              f"messages {r['messages']}, attachments {r['attachments']}")  # fmt: skip
    results = Path(args.out) / "results"
    results.mkdir(parents=True, exist_ok=True)
    for db, r in rows:
        row = {
            "label": "mail import (msg/s)", "db": db, "tickets": r["tickets"],
            "rps": r["per_s"], "p50_ms": None, "p99_ms": None, "peer_rps": r["peer_per_s"],
            "peer_source": r["peer_source"], "ratio": r["ratio"], "target": f"≥ {TARGET:g}x",
            "met": bool(r["ratio"] and r["ratio"] >= TARGET),
        }  # fmt: skip
        (results / f"mail-{db}.json").write_text(json.dumps({"rows": [row], "detail": r}, indent=1))


if __name__ == "__main__":
    main()
