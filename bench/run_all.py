#!/usr/bin/env python3
"""Run every benchmark in bench/ and print one combined table.

    .venv/bin/python bench/run_all.py                    # full: 20 s runs, 100,000 tickets
    .venv/bin/python bench/run_all.py --quick            # smoke: 2 s runs, 2,000 tickets
    .venv/bin/python bench/run_all.py --db pg --peer     # flags pass through

Benchmarks run one after the other (they share the CPU and, on PostgreSQL, the server):
bench/tickets/run.py, then bench/search_bench.py when it exists, then
bench/licensing/seats.py. Flags go to each one that understands them (asked through its
--help); for search_bench.py, --db and --quick are translated (DATABASE_URL per database;
--quick = a small seed and few searches); seats.py gets --db, and 2 s runs for --quick.

A benchmark joins the combined table by writing {"rows": [...]} (the fields of
tickets/run.py's rows: label, db, tickets, rps, p50_ms, p99_ms, peer_rps, peer_source,
ratio, target, met) to $DESKPACT_BENCH_OUT/results/<name>-<db>.json; search_bench.py's
printed "page p50/p99" lines are read when it writes no such file. Exit status: 0 when
every benchmark ran, 1 otherwise; speed never fails the run.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
TICKETS = HERE / "tickets" / "run.py"
SEARCH = HERE / "search_bench.py"
SEATS = HERE / "licensing" / "seats.py"
PG_URL = "postgres://postgres@127.0.0.1:5432/deskpact_bench"
TIMEOUT = 4 * 3600  # a whole full run on both databases stays far below this


def load_tickets_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_tickets_run", TICKETS)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def option_value(argv: list[str], name: str) -> str | None:
    """The value of --name in argv (`--name v` or `--name=v`), or None."""
    for i, arg in enumerate(argv):
        if arg == name and i + 1 < len(argv) and not argv[i + 1].startswith("--"):
            return argv[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def supported_options(script: Path) -> set[str]:
    try:
        done = subprocess.run(
            [str(PYTHON), str(script), "--help"],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return set()
    return set(re.findall(r"(--[a-z][\w-]*)", done.stdout))


def filter_args(argv: list[str], allowed: set[str]) -> list[str]:
    """The options of argv (with their values) that the target accepts."""
    kept: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        name = arg.split("=", 1)[0]
        takes_value = "=" not in arg and i + 1 < len(argv) and not argv[i + 1].startswith("--")
        if name in allowed:
            kept.append(arg)
            if takes_value:
                kept.append(argv[i + 1])
        i += 2 if takes_value else 1
    return kept


def run(command: list[str], env: dict[str, str], log_path: Path) -> int:
    """Run a benchmark, echoing its output and keeping a copy."""
    print(f"\n$ {' '.join(command)}", flush=True)
    with log_path.open("w") as sink:
        proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert proc.stdout is not None
        deadline = time.monotonic() + TIMEOUT
        for line in proc.stdout:
            sys.stdout.write(line)
            sink.write(line)
            if time.monotonic() > deadline:
                proc.terminate()
                break
        try:
            return proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()


def search_rows(text: str, db: str, tickets: int | None) -> list[dict[str, Any]]:
    """Rows from search_bench.py's printed summary lines (first page of a search)."""
    rows = []
    seeded = re.search(r"seeded ([\d,]+) tickets", text)
    size = int(seeded.group(1).replace(",", "")) if seeded else (tickets or 0)
    pattern = r"^\s*(\w+)\s+page\s+p50\s+([\d.]+) ms\s+p99\s+([\d.]+) ms"
    for who, p50, p99 in re.findall(pattern, text, re.M):
        rows.append(
            {
                "label": f"search first page, {who} (in process)",
                "db": db,
                "tickets": size,
                "rps": None,
                "p50_ms": float(p50),
                "p99_ms": float(p99),
                "target": "no target (latency)",
                "met": None,
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "-h" in argv or "--help" in argv:
        print(__doc__)
        return 0
    out = Path(
        option_value(argv, "--out") or os.environ.get("DESKPACT_BENCH_OUT", "/tmp/deskpact-bench")
    )
    results = out / "results"
    results.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DESKPACT_BENCH_OUT": str(out)}
    started = time.time()
    failures: list[str] = []
    rows: list[dict[str, Any]] = []
    quick = "--quick" in argv
    dbs = [d for d in (option_value(argv, "--db") or "sqlite,pg").split(",") if d]

    # 1. tickets: every flag passes through
    tickets_args = filter_args(argv, supported_options(TICKETS)) if argv else []
    code = run([str(PYTHON), str(TICKETS), *tickets_args], env, out / "run_all-tickets.log")
    if code != 0:
        failures.append(f"tickets/run.py exited {code}")

    # 2. search_bench.py, owned elsewhere: translate what it does not take itself
    if SEARCH.exists():
        allowed = supported_options(SEARCH)
        tickets_level = option_value(argv, "--tickets")
        size = max(int(x) for x in tickets_level.split(",")) if tickets_level else None
        if quick and "--quick" not in allowed:
            size = size or 2000
        for db in dbs if "--db" not in allowed else [",".join(dbs)]:
            extra = filter_args(argv, allowed - {"--tickets"})
            if size and "--tickets" in allowed:
                extra += ["--tickets", str(size)]
            if quick and "--quick" not in allowed and "--searches" in allowed:
                extra += ["--searches", "10"]
            run_env = dict(env)
            if "--db" not in allowed:
                run_env.pop("DATABASE_URL", None)
                if db == "pg":
                    run_env["DATABASE_URL"] = PG_URL
            log_path = out / f"run_all-search-{db.replace(',', '-')}.log"
            code = run([str(PYTHON), str(SEARCH), *extra], run_env, log_path)
            if code != 0:
                failures.append(f"search_bench.py ({db}) exited {code}")
            elif not list(results.glob("search*.json")) and "--db" not in allowed:
                rows_for_db = search_rows(log_path.read_text(), db, size)
                rows += rows_for_db

    # 3. seat leases (bench/licensing/seats.py): --db and a shorter run for --quick
    seats_args = ["--db", ",".join(dbs), "--seconds", "2" if quick else "10"]
    seats_args += ["--out", str(out / "seats")]
    code = run([str(PYTHON), str(SEATS), *seats_args], env, out / "run_all-seats.log")
    if code != 0:
        failures.append(f"licensing/seats.py exited {code}")

    # 4. one table from every result file written during this run
    for path in sorted(results.glob("*.json")):
        if path.stat().st_mtime < started:
            continue
        try:
            document = json.loads(path.read_text())
        except ValueError:
            continue
        for row in document.get("rows", []):
            row.setdefault("label", row.get("workload", path.stem))
            row.setdefault("db", document.get("db", ""))
            row.setdefault("tickets", 0)
            rows.append(row)
    if rows:
        tickets_module = load_tickets_module()
        print("\nAll benchmarks:")
        print("\n".join(tickets_module.table_lines(rows)))
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
