#!/usr/bin/env python3
"""Seat leases benchmark: checkout+release cycles per second with 8 processes, and the
statements a licensed request costs with a fresh lease and when it renews.

    .venv/bin/python bench/licensing/seats.py                 # SQLite and PostgreSQL
    .venv/bin/python bench/licensing/seats.py --db pg --seconds 10

Each database is a fresh one made here (SQLite under --out, PostgreSQL
`deskpact_bench_seats` on 127.0.0.1, dropped and created); a concurrent license of 3 seats
signed with a key made for the run. Speed is measured, never asserted: the script prints
figures and exits 0 unless something could not be run. Every loop is bounded by a count
and a time; network only to PostgreSQL on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PG_DB = "deskpact_bench_seats"  # the only database this drops or creates
PROCESSES = 8
SEATS = 3


def _django(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deskpact.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _prepare(env: dict[str, str]) -> list[int]:
    """Migrate, install the license, make one agent per process; their ids."""
    _django(env)
    from django.core.management import call_command

    from deskpact.accounts.models import User
    from deskpact.licensing import services

    call_command("migrate", interactive=False, verbosity=0)
    services.install_license(env["BENCH_LICENSE_KEY"], by=None)
    users = [
        User.objects.create(email=f"seat{n}@bench.example", name=f"Seat {n}", role="agent")
        for n in range(PROCESSES)
    ]
    return [u.pk for u in users]


def _churn(env: dict[str, str], user_id: int, seconds: float, barrier: Any, out: Any) -> None:
    _django(env)
    from deskpact.accounts.models import User
    from deskpact.licensing import leases
    from deskpact.licensing.errors import NoSeatFree

    user = User.objects.get(pk=user_id)
    cycles = refused = 0
    barrier.wait(timeout=120)
    deadline = time.monotonic() + seconds
    for _ in range(1_000_000):
        if time.monotonic() > deadline:
            break
        try:
            leases.checkout_seat(user)
        except NoSeatFree:
            refused += 1
            continue
        leases.release_seat(user)
        cycles += 1
    out.put((cycles, refused))


def _request_statements(env: dict[str, str]) -> dict[str, int]:
    """Statements of one signed-in page: named license, fresh lease, renewing lease."""
    _django(env)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from deskpact.accounts.models import User
    from deskpact.licensing import leases, services

    user = User.objects.get(email="seat0@bench.example")

    def count(client: Client) -> int:
        with CaptureQueriesContext(connection) as ctx:
            client.get("/account/")
        return len(ctx.captured_queries)

    # The same page for the same person under a named license: no lease at all.
    services.install_license(env["BENCH_NAMED_KEY"], by=None)
    named_client = Client()
    named_client.force_login(user)
    named_client.get("/account/")
    named = count(named_client)
    services.install_license(env["BENCH_LICENSE_KEY"], by=None)
    client = Client()
    client.force_login(user)  # takes the lease
    client.get("/account/")
    fresh = count(client)
    leases.forget_renewals()
    renewing = count(client)
    return {"named": named, "fresh": fresh, "renewing": renewing}


def _run_db(name: str, env: dict[str, str], seconds: float) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:  # a process of its own: Django is set up once per process
        user_ids = pool.apply(_prepare, (env,))
    barrier, out = ctx.Barrier(PROCESSES), ctx.Queue()
    workers = [
        ctx.Process(target=_churn, args=(env, uid, seconds, barrier, out)) for uid in user_ids
    ]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    results = [out.get(timeout=seconds + 180) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    elapsed = time.monotonic() - started
    with ctx.Pool(1) as pool:
        statements = pool.apply(_request_statements, (env,))
    cycles = sum(c for c, _ in results)
    return {
        "db": name,
        "cycles": cycles,
        "refused": sum(r for _, r in results),
        "seconds": seconds,
        "cycles_per_s": cycles / seconds,
        "wall_s": round(elapsed, 1),
        **statements,
    }


def _license_env(out: Path) -> dict[str, str]:
    sys.path.insert(0, str(ROOT))
    from datetime import date, timedelta
    from decimal import Decimal

    from deskpact.licensing import keys
    from deskpact.licensing.policy import LicenseModel

    pem, public = keys.new_key_pair()
    terms = keys.LicenseTerms(
        licensee="Bench",
        model=LicenseModel.SUPPORT,
        seat_type=keys.SeatType.CONCURRENT,
        seats=SEATS,
        price_per_seat=Decimal("10.00"),
        currency="EUR",
        valid_until=date.today() + timedelta(days=365),
    )
    signer = keys.load_private_key(pem)
    key = keys.sign(terms, signer)
    named = keys.sign(keys.LicenseTerms(**{**terms.__dict__, "seat_type": "named"}), signer)
    return {
        "DESKPACT_LICENSE_PUBLIC_KEYS": public,
        "BENCH_LICENSE_KEY": key,
        "BENCH_NAMED_KEY": named,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="sqlite,pg")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--out", type=Path, default=Path("/tmp/deskpact-bench-seats"))
    args = parser.parse_args()
    base = {**_license_env(args.out), "DESKPACT_TASKS": "immediate"}
    rows = []
    for name in args.db.split(","):
        if name == "sqlite":
            data = args.out / "sqlite"
            subprocess.run(["rm", "-rf", str(data)], check=True)
            data.mkdir(parents=True)
            env = {**base, "DESKPACT_DATA_DIR": str(data), "DATABASE_URL": ""}
        elif name == "pg":
            for sql in (f"DROP DATABASE IF EXISTS {PG_DB}", f"CREATE DATABASE {PG_DB}"):
                subprocess.run(
                    ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True
                )
            env = {
                **base,
                "DESKPACT_DATA_DIR": str(args.out / "pg"),
                "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{PG_DB}",
            }
            (args.out / "pg").mkdir(parents=True, exist_ok=True)
        else:
            raise SystemExit(f"unknown database {name!r}")
        rows.append(_run_db(name, env, args.seconds))
    print()
    print(
        f"| seat leases ({PROCESSES} processes, {SEATS} seats) | db | cycles/s | refusals "
        "| extra statements, lease fresh (target 0) | lease renewing (target 1) |"
    )
    print("|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| checkout + release | {row['db']} | {row['cycles_per_s']:.0f} | {row['refused']} "
            f"| {row['fresh'] - row['named']} | {row['renewing'] - row['named']} |"
        )
    (args.out / "seats.json").write_text(json.dumps(rows, indent=2))
    # For bench/run_all.py's table, as tickets/run.py writes its rows.
    results = Path(os.environ.get("DESKPACT_BENCH_OUT", "/tmp/deskpact-bench")) / "results"
    results.mkdir(parents=True, exist_ok=True)
    for row in rows:
        extra = (row["fresh"] - row["named"], row["renewing"] - row["named"])
        table_row = {
            "workload": "create_seat_cycles",  # on a new desk, like creation
            "label": f"seat checkout+release ({PROCESSES} processes, {SEATS} seats)",
            "db": row["db"],
            "tickets": 0,
            "rps": row["cycles_per_s"],
            "target": "extra statements: fresh lease 0, renewing 1",
            "met": extra == (0, 1),
        }
        (results / f"seats-{row['db']}.json").write_text(
            json.dumps({"db": row["db"], "rows": [table_row]}, indent=2)
        )


if __name__ == "__main__":
    main()
