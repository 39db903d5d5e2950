#!/usr/bin/env python3
"""Tickets benchmark: Deskpact under gunicorn (2 workers) on SQLite and PostgreSQL.

    .venv/bin/python bench/tickets/run.py                       # both databases, 100k tickets
    .venv/bin/python bench/tickets/run.py --db pg --peer        # peer measured in the same run
    .venv/bin/python bench/tickets/run.py --quick               # 2 s runs, 2,000 tickets

For each database: a fresh database (SQLite in <out>/sqlite/data; PostgreSQL
`deskpact_bench_tickets` on 127.0.0.1, dropped and created), an agent, a customer, tokens;
`deskpact serve --no-demo --workers 2` on 127.0.0.1; then wrk (1 thread, 8 connections,
20 s, --latency) for API ticket creation, the seed up to --tickets, wrk for ticket detail
and list reads (API and console pages), and sequential search requests. Figures are
compared with django-helpdesk (the peer, ../shared/bench/peer beside the checkout):
measured in the same
run with --peer, else its reference figures from that kit's README.

Speed is measured, never asserted: the script prints figures and ratios and exits 0
unless something could not be run. Network only on 127.0.0.1; every run and loop is
bounded in count and time; the servers it starts are stopped by their pid.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import http.cookiejar
import json
import math
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
HELPER = HERE / "helper.py"
PEER_KIT = Path(os.environ.get("PEER_KIT", ROOT.parent / "shared" / "bench" / "peer"))
PEERS = Path(os.environ.get("PEERS", "/tmp/deskpact-peer"))
# Its own database: search_bench.py drops and creates `deskpact_bench`, so the two may run
# side by side without dropping each other's tables. Never `test` or dev data.
PG_URL = "postgres://postgres@127.0.0.1:5432/deskpact_bench_tickets"
PEER_PORT = 8011  # the peer kit's default port (lib.sh)
NICE: list[str] = []  # ["nice", "-n", "-10"] with --nice -10: servers and wrk, ours and peer

# What each workload is compared with, and the target for it.
WORKLOADS: dict[str, dict[str, Any]] = {
    "create_customer": {"label": "API create (customer, token)", "peer": "create", "x": 4},
    "create_agent": {"label": "API create (agent for contact)", "peer": "create", "x": 4},
    "api_detail": {"label": "API ticket detail", "peer": "detail", "x": 10},
    "web_detail": {"label": "console ticket page", "peer": "detail", "x": 10},
    "api_list": {"label": "API list, first page", "peer": "list", "x": 100},
    "api_list_deep": {"label": "API list, cursor mid-table", "peer": "list", "x": 100},
    "web_queue": {"label": "console queue page", "peer": "list", "x": 100},
    "search": {"label": "API search ?q= (sequential)", "peer": None, "x": None},
}
CREATE_P99_MS = 50.0
PEER_WHAT = {
    "create": "peer API create",
    "detail": "peer staff ticket page",
    "list": "peer staff ticket list",
}


class BenchError(RuntimeError):
    pass


# --- wrk output ----------------------------------------------------------------------

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(text: str) -> float | None:
    match = re.fullmatch(r"\s*([0-9.]+)\s*(us|ms|s|m|h)\s*", text)
    if not match:
        return None
    return float(match.group(1)) * _UNITS_MS[match.group(2)]


def parse_wrk(text: str) -> dict[str, Any]:
    """Requests/sec, p50/p99 (ms), request count, non-2xx/3xx and socket errors."""
    result: dict[str, Any] = {
        "rps": None,
        "p50_ms": None,
        "p99_ms": None,
        "requests": None,
        "seconds": None,
        "non2xx": 0,
        "socket_errors": {},
    }
    if m := re.search(r"^\s*Requests/sec:\s*([0-9.]+)", text, re.M):
        result["rps"] = float(m.group(1))
    in_distribution = False
    for line in text.splitlines():
        if "Latency Distribution" in line:
            in_distribution = True
            continue
        if in_distribution:
            m = re.match(r"\s*(50|75|90|99)(?:\.0+)?%\s+(\S+)\s*$", line)
            if not m:
                in_distribution = False
                continue
            if m.group(1) in ("50", "99"):
                result[f"p{m.group(1)}_ms"] = _ms(m.group(2))
    if m := re.search(r"^\s*(\d+) requests in ([0-9.]+)(us|ms|s|m|h)", text, re.M):
        result["requests"] = int(m.group(1))
        result["seconds"] = (_ms(m.group(2) + m.group(3)) or 0) / 1000
    if m := re.search(r"Non-2xx or 3xx responses:\s*(\d+)", text):
        result["non2xx"] = int(m.group(1))
    if m := re.search(r"Socket errors:\s*(.+)", text):
        result["socket_errors"] = {
            k: int(v) for k, v in re.findall(r"(connect|read|write|timeout) (\d+)", m.group(1))
        }
    return result


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile of `values`."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(pct / 100 * len(ordered))))
    return ordered[rank - 1]


# --- processes --------------------------------------------------------------------------


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def helper(command: list[str], env: dict[str, str], timeout: float) -> dict[str, Any]:
    """Run helper.py in the project's venv; its last stdout line is JSON."""
    done = subprocess.run(
        [str(VENV_BIN / "python"), str(HELPER), *command],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"helper {command[0]} failed:\n{done.stderr[-3000:]}")
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    return json.loads(lines[-1])


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(part) for part in text.split()]


def _tree(pid: int) -> list[int]:
    pids, i = [pid], 0
    while i < len(pids) and i < 1000:
        pids += _children(pids[i])
        i += 1
    return pids


def _proc_ticks(pid: int) -> int:
    """utime + stime of a process, in clock ticks; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0
    return int(fields[11]) + int(fields[12])


def _postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of all CPUs since boot, from /proc/stat."""
    values = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return sum(values) - values[3] - values[4], sum(values)


def _children_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class CpuMeter:
    """Share of the whole machine (all CPUs = 100%) used during a run by the desk (server
    tree, wrk, every `postgres` process) and by everything else. The machine is shared:
    `others_pct` says how much a figure may have been held back by other work."""

    def __init__(self, server_pid: int | None) -> None:
        self.server_pid = server_pid
        self.ours_pct = self.others_pct = 0.0

    def _ours(self) -> dict[int, int]:
        pids = set(_tree(self.server_pid) if self.server_pid else []) | set(_postgres_pids())
        return {pid: _proc_ticks(pid) for pid in pids}

    def __enter__(self) -> CpuMeter:
        self.busy0, self.total0 = _machine_ticks()
        self.ours0, self.children0 = self._ours(), _children_seconds()
        return self

    def __exit__(self, *exc: object) -> None:
        busy, total = _machine_ticks()
        ours = sum(t - self.ours0.get(pid, 0) for pid, t in self._ours().items())
        ours += (_children_seconds() - self.children0) * os.sysconf("SC_CLK_TCK")  # wrk
        span = max(1, total - self.total0)
        self.ours_pct = round(100 * ours / span, 1)
        self.others_pct = round(max(0.0, 100 * (busy - self.busy0 - ours) / span), 1)


class Server:
    """`deskpact serve` (which runs gunicorn as its child), started and stopped by pid."""

    def __init__(self, env: dict[str, str], port: int, log_path: Path) -> None:
        self.env, self.port, self.log_path = env, port, log_path
        self.proc: subprocess.Popen[bytes] | None = None
        self.base = f"http://127.0.0.1:{port}"

    def start(self, wait_seconds: float = 90) -> None:
        if port_in_use(self.port):
            raise BenchError(f"127.0.0.1:{self.port} is taken; pick another --port")
        command = [
            *NICE,
            str(VENV_BIN / "deskpact"),
            "serve",
            "--no-demo",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{self.port}",
        ]
        with self.log_path.open("ab") as sink:
            self.proc = subprocess.Popen(
                command,
                env=self.env,
                cwd=ROOT,
                stdout=sink,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group, for the last-resort stop
            )
        deadline = time.monotonic() + wait_seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"server exited with {self.proc.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(self.base + "/login/", timeout=2) as response:
                    if response.status == 200:
                        return
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.25)
        raise BenchError(f"server did not answer in {wait_seconds:.0f}s; see {self.log_path}")

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        kids = _children(proc.pid)  # the gunicorn master; it stops its workers
        for kid in kids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(kid, signal.SIGTERM)
        if not kids:
            proc.terminate()
        try:
            proc.wait(timeout=20)
            return
        except subprocess.TimeoutExpired:
            pass
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            try:
                os.killpg(proc.pid, sig)  # the group we created with start_new_session
            except ProcessLookupError:
                return
            try:
                proc.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue


def run_wrk(
    script: Path,
    url: str,
    env_extra: dict[str, str],
    *,
    duration: float,
    connections: int,
    out_path: Path,
) -> dict[str, Any]:
    command = [
        *NICE,
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{duration:g}s",
        "--timeout",
        "30s",
        "--latency",
        "-s",
        str(script),
        url,
    ]
    done = subprocess.run(
        command,
        env={**os.environ, **env_extra},
        capture_output=True,
        text=True,
        timeout=duration + 90,
        check=False,
    )
    out_path.write_text(" ".join(command) + "\n" + done.stdout + done.stderr)
    if done.returncode != 0:
        raise BenchError(f"wrk failed ({done.returncode}): {done.stderr.strip()[:500]}")
    return parse_wrk(done.stdout)


def wait_for_quiet(args: argparse.Namespace, pid: int | None) -> float:
    """Wait (at most --quiet-wait seconds) until other processes use less than
    --quiet-below % of the machine; returns the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < args.quiet_wait:
        with CpuMeter(pid) as meter:
            time.sleep(2)
        if meter.others_pct < args.quiet_below:
            break
    return round(time.monotonic() - started, 1)


def measure(
    script: Path,
    base: str,
    lua_env: dict[str, str],
    args: argparse.Namespace,
    stem: Path,
    pid: int | None,
    *,
    warm: bool = True,
    before_each: Any = None,
) -> dict[str, Any]:
    """Warm up, then --runs wrk runs; the run with the median req/s, and all runs.

    `before_each(i)`, when given, runs before each run and its result is kept with it."""
    if warm and args.warmup:
        run_wrk(
            script,
            base,
            lua_env,
            duration=args.warmup,
            connections=args.connections,
            out_path=stem.with_name(stem.name + "-warmup.txt"),
        )
    runs = []
    for i in range(args.runs):
        before = before_each(i) if before_each else None
        waited = wait_for_quiet(args, pid)
        with CpuMeter(pid) as meter:
            figures = run_wrk(
                script,
                base,
                lua_env,
                duration=args.duration,
                connections=args.connections,
                out_path=stem.with_name(f"{stem.name}-run{i + 1}.txt"),
            )
        figures.update(
            ours_cpu_pct=meter.ours_pct, others_cpu_pct=meter.others_pct, waited_s=waited
        )
        if before is not None:
            figures["before"] = before
        runs.append(figures)
    ordered = sorted(runs, key=lambda f: f["rps"] or 0.0)
    return {**ordered[len(ordered) // 2], "runs": runs}


def apply(row: Row, figures: dict[str, Any]) -> None:
    for name, value in figures.items():
        if name == "runs":
            row.extra["runs"] = value
        elif hasattr(row, name):
            setattr(row, name, value)
    notes = []
    if row.non2xx:
        notes.append(f"{row.non2xx} non-2xx/3xx answers")
    if errors := {k: v for k, v in row.socket_errors.items() if v}:
        notes.append(f"socket errors {errors}")
    if row.others_cpu_pct is not None and row.others_cpu_pct >= 10:
        notes.append(f"other processes used {row.others_cpu_pct:.0f}% of the machine meanwhile")
    if notes:
        row.note = "; ".join([*([row.note] if row.note else []), *notes])


# --- HTTP probes ------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_plain = urllib.request.build_opener(_NoRedirect)


def fetch(
    url: str, headers: dict[str, str] | None = None, data: bytes | None = None
) -> tuple[int, str]:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with _plain.open(request, timeout=60) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def web_login(base: str, email: str, password: str) -> str | None:
    """Sign in through /login/ like a browser; the Cookie header for wrk, or None."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(base + "/login/", timeout=30) as response:
        page = response.read().decode("utf-8", "replace")
    match = re.search(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"', page)
    cookies = {c.name: c.value for c in jar}
    token = match.group(1) if match else cookies.get("csrftoken", "")
    form = urlencode({"username": email, "password": password, "csrfmiddlewaretoken": token})
    request = urllib.request.Request(
        base + "/login/", data=form.encode(), headers={"Referer": base + "/login/"}
    )
    with opener.open(request, timeout=30) as response:
        response.read()
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        return None
    return "; ".join(f"{k}={cookies[k]}" for k in ("sessionid", "csrftoken") if k in cookies)


def check_page(workload: str, status: int, body: str, key: str) -> str | None:
    """None when the answer is the page the workload means to measure; else why not."""
    if status in (404, 500) or status >= 500:
        return f"answers {status}"
    if status != 200:
        return f"answers {status}"
    if workload == "web_detail" and key not in body:
        return f"200 but does not show {key}"
    if workload == "web_queue" and len(set(re.findall(r"DP-\d+", body))) < 2:
        return "200 but lists no tickets (not a queue page yet)"
    if workload.startswith("api_"):
        try:
            data = json.loads(body)
        except ValueError:
            return "200 but not JSON"
        if workload == "api_detail" and data.get("key") != key:
            return f"200 but not {key}"
        if workload.startswith("api_list") and not data.get("results"):
            return "200 but no results"
    return None


# --- peer (django-helpdesk) -------------------------------------------------------------


def peer_reference(readme: Path) -> dict[str, dict[str, dict[str, float]]]:
    """{'sqlite'|'pg': {'create'|'detail'|'list': {'rps', 'p99_ms'?}}} from the kit README."""
    figures: dict[str, dict[str, dict[str, float]]] = {"sqlite": {}, "pg": {}}
    try:
        text = readme.read_text()
    except OSError:
        return figures
    section = text.split("## Reference figures", 1)[-1]
    rows = {
        "create": r"^\|\s*API ticket create\s*\|(.+)\|(.+)\|",
        "detail": r"^\|\s*staff ticket page[^|]*\|(.+)\|(.+)\|",
        "list": r"^\|\s*staff ticket list[^|]*\|(.+)\|(.+)\|",
    }
    for what, pattern in rows.items():
        match = re.search(pattern, section, re.M)
        if not match:
            continue
        for db, cell in zip(("sqlite", "pg"), match.groups(), strict=True):
            rps = re.search(r"([0-9.]+)\s*req/s", cell)
            if not rps:
                continue
            entry = {"rps": float(rps.group(1))}
            if p99 := re.search(r"p99\s*([0-9.]+)\s*ms", cell):
                entry["p99_ms"] = float(p99.group(1))
            figures[db][what] = entry
    return figures


def run_peer(db: str, args: argparse.Namespace, out: Path) -> dict[str, dict[str, Any]]:
    """Run the peer kit's own scripts for `db`; {'create'|'detail'|'list': wrk figures}."""
    results = out / f"peer-{db}"
    shutil.rmtree(results, ignore_errors=True)
    results.mkdir(parents=True)
    if port_in_use(PEER_PORT):
        raise BenchError(f"127.0.0.1:{PEER_PORT} is taken; the peer kit needs it")
    env = {
        **os.environ,
        "PEERS": str(PEERS),
        "RESULTS": str(results),
        "DH_DB": db,
        "RUNS": "1",
        "CONC": str(args.connections),
        "DURATION": f"{args.duration:g}s",
    }
    measured: dict[str, dict[str, Any]] = {}
    bound = args.duration + 300

    def script(name: str, extra: dict[str, str], timeout: float) -> None:
        wait_for_quiet(args, None)
        with (results / f"{name}.log").open("w") as sink:
            done = subprocess.run(
                [*NICE, "bash", str(PEER_KIT / name)],
                env={**env, **extra},
                stdout=sink,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
            )
        if done.returncode != 0:
            raise BenchError(f"peer {name} failed; see {results / (name + '.log')}")

    log(f"peer {db}: creation (run_create.sh, 1 run)")
    script("run_create.sh", {}, bound)
    measured["create"] = parse_wrk((results / f"create-{db}-run1.txt").read_text())
    if args.peer == "all":
        log(f"peer {db}: seeding to {args.peer_tickets} tickets (seed_tickets.py)")
        with (results / "seed.log").open("w") as sink:
            subprocess.run(
                [str(PEERS / "dh-venv" / "bin" / "python"), str(PEER_KIT / "seed_tickets.py")],
                env={**env, "TARGET": str(args.peer_tickets)},
                stdout=sink,
                stderr=subprocess.STDOUT,
                timeout=args.peer_seed_timeout,
                check=True,
            )
        log(f"peer {db}: reads (run_read.sh web_detail dt_list, 1 run each)")
        script("run_read.sh", {"MODES": "web_detail dt_list"}, 2 * bound)
        measured["detail"] = parse_wrk((results / f"read-{db}-web_detail-run1.txt").read_text())
        measured["list"] = parse_wrk((results / f"read-{db}-dt_list-run1.txt").read_text())
    return measured


# --- one database -------------------------------------------------------------------------


@dataclass
class Row:
    workload: str
    db: str
    tickets: int
    rps: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    requests: int | None = None
    seconds: float | None = None
    ours_cpu_pct: float | None = None
    others_cpu_pct: float | None = None
    non2xx: int = 0
    socket_errors: dict[str, int] = field(default_factory=dict)
    note: str = ""
    peer_rps: float | None = None
    peer_source: str = ""
    peer_what: str = ""
    ratio: float | None = None
    target: str = ""
    met: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return WORKLOADS[self.workload]["label"]


MAIL_DRAIN_SECONDS = 180.0


def wait_for_mail(env: dict[str, str], timeout: float) -> dict[str, Any]:
    """Wait (bounded) until every acknowledgement queued by the load has been sent.

    The desk sends mail after the response on a low-priority background thread, so a burst
    of tickets leaves mail queued; the next workload must not be measured while it drains.
    """
    started = time.monotonic()
    state = helper(["mail"], env, timeout)
    backlog = state["unsent"]
    while state["unsent"] and time.monotonic() - started < MAIL_DRAIN_SECONDS:
        time.sleep(1.0)
        state = helper(["mail"], env, timeout)
    took = round(time.monotonic() - started, 1)
    if state["unsent"]:
        note = f"{state['unsent']} of {state['outgoing']} mails still unsent after {took}s"
    else:
        note = f"mail backlog of {backlog} sent {took}s after the load"
    return {"backlog": backlog, "unsent": state["unsent"], "seconds": took, "note": note}


def base_env(data_dir: Path, database_url: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DESKPACT_ENV",
            "DEBUG",
            "DATABASE_URL",
            "DESKPACT_DATA_DIR",
            "DESKPACT_MEDIA_DIR",
            "EMAIL_URL",  # mail goes to the console backend, never to a server
            "REDIS_URL",
            "SECRET_KEY",
            "DJANGO_SETTINGS_MODULE",
        }
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "deskpact.settings",
            "DESKPACT_DATA_DIR": str(data_dir),
            "DATABASE_URL": database_url,
        }
    )
    return env


def search_run(
    base: str, token: str, words: list[str], count: int, seconds: float
) -> tuple[Row, list[float], str]:
    """`count` sequential searches over one keep-alive connection, stopped after `seconds`."""
    conn = http.client.HTTPConnection("127.0.0.1", int(base.rsplit(":", 1)[1]), timeout=120)
    headers = {"Authorization": f"Token {token}"}
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    note = ""
    started = time.monotonic()
    try:
        for i in range(count):
            if time.monotonic() - started > seconds:
                note = f"stopped after {seconds:g}s: {len(latencies)} of {count} requests"
                break
            word = words[i % len(words)]
            t0 = time.perf_counter()
            conn.request("GET", f"/api/v1/tickets/?q={word}", headers=headers)
            response = conn.getresponse()
            body = response.read()
            latencies.append((time.perf_counter() - t0) * 1000)
            statuses[response.status] = statuses.get(response.status, 0) + 1
            if i == 0 and response.status == 200 and not json.loads(body).get("results"):
                note = f"no results for {word!r}"
    finally:
        conn.close()
    elapsed = time.monotonic() - started
    row = Row("search", "", 0)
    row.rps = len(latencies) / elapsed if elapsed > 0 else None
    row.p50_ms, row.p99_ms = percentile(latencies, 50), percentile(latencies, 99)
    row.requests = len(latencies)
    row.non2xx = sum(n for status, n in statuses.items() if not 200 <= status < 400)
    return row, latencies, note


def bench_db(db: str, args: argparse.Namespace, out: Path) -> dict[str, Any]:
    work = out / db
    shutil.rmtree(work, ignore_errors=True)  # only our own folder under --out
    data_dir = work / "data"
    data_dir.mkdir(parents=True)
    database_url = f"sqlite:///{data_dir / 'deskpact.sqlite3'}" if db == "sqlite" else PG_URL
    env = base_env(data_dir, database_url)
    quick_timeout = 600
    if db == "pg":
        helper(["reset-pg", database_url], env, 60)
    log(f"{db}: migrate and create agent, customer, tokens")
    creds = helper(["setup"], env, quick_timeout)
    # Throwaway keys of this throwaway desk, kept for profiling by hand afterwards.
    (work / "creds.json").write_text(json.dumps(creds))
    server = Server(env, args.port, work / "server.log")
    rows: list[Row] = []
    meta: dict[str, Any] = {"database_url": database_url, "levels": []}
    try:
        server.start()
        base = server.base
        # (1) creation, on the empty desk
        for who in args.create_as:
            workload = f"create_{who}"
            token = creds["agent_token"] if who == "agent" else creds["customer_token"]
            lua_env = {"TOKEN": token, "ON_BEHALF": "1" if who == "agent" else "0"}
            probe = {"subject": "probe", "body": "probe ticket", "priority": "normal"}
            if who == "agent":
                probe["requester_email"] = "user0@example.com"
            status, body = fetch(
                base + "/api/v1/tickets/",
                {"Authorization": f"Token {token}", "Content-Type": "application/json"},
                json.dumps(probe).encode(),
            )
            if status != 201:
                raise BenchError(f"probe create as {who} answered {status}: {body[:300]}")
            stem = work / f"wrk-{workload}"
            if args.warmup:
                run_wrk(
                    HERE / "create.lua",
                    base,
                    lua_env,
                    duration=args.warmup,
                    connections=args.connections,
                    out_path=stem.with_name(stem.name + "-warmup.txt"),
                )
            before = helper(["count"], env, quick_timeout)["tickets"]
            log(f"{db}: {workload}: wrk {args.runs} x {args.duration:g}s")
            # Each run is a 20 s burst: the mail the one before left queued goes out first
            # (and how long that took is kept with the run), as it would between bursts.
            figures = measure(
                HERE / "create.lua",
                base,
                lua_env,
                args,
                stem,
                server.pid,
                warm=False,
                before_each=lambda i: wait_for_mail(env, quick_timeout) if i else None,
            )
            after = helper(["count"], env, quick_timeout)["tickets"]
            row = Row(workload, db, before)
            ok = sum((r["requests"] or 0) - r["non2xx"] for r in figures["runs"])
            drained = wait_for_mail(env, quick_timeout)
            between = [r["before"]["seconds"] for r in figures["runs"] if r.get("before")]
            row.note = (
                f"{after - before} rows for {ok} 2xx answers (in-flight ones count);"
                f" {drained['note']}"
                + (
                    f"; between runs mail drained in {', '.join(map(str, between))}s"
                    if between
                    else ""
                )
            )
            apply(row, figures)
            row.extra.update(rows_before=before, rows_after=after, created=after - before)
            row.extra.update(mail=drained)
            rows.append(row)
            log(f"{db}: {workload}: {fmt_rps(row.rps)} req/s, p99 {fmt_ms(row.p99_ms)}; {row.note}")
        cookie = web_login(base, creds["agent_email"], creds["password"])
        # (2)-(4) per table size: seed, reads, search
        for level in [] if args.create_only else args.tickets:
            log(f"{db}: seeding up to {level} tickets")
            seeded = helper(["seed", str(level)], env, args.seed_timeout)
            info = helper(["info"], env, quick_timeout)
            took = f"seeded {seeded['seeded']} in {seeded['seconds']}s"
            log(f"{db}: {info['tickets']} tickets ({took})")
            meta["levels"].append({"target": level, "seed": seeded, "info": info})
            rows += read_workloads(db, args, work, base, creds, cookie, info, server.pid)
            waited = wait_for_quiet(args, server.pid)
            with CpuMeter(server.pid) as meter:
                row, _, note = search_run(
                    base,
                    creds["agent_token"],
                    info["search_words"],
                    args.search_requests,
                    args.search_seconds,
                )
            row.db, row.tickets, row.note = db, info["tickets"], note
            row.extra = {"words": info["search_words"], "waited_s": waited}
            apply(row, {"ours_cpu_pct": meter.ours_pct, "others_cpu_pct": meter.others_pct})
            rows.append(row)
            log(f"{db}: search: p50 {fmt_ms(row.p50_ms)} p99 {fmt_ms(row.p99_ms)} {note}")
    finally:
        server.stop()
    if args.queries and not args.create_only:
        log(f"{db}: statements per request (in process, Django test client)")
        try:
            measured = [r.extra["path"] for r in rows if r.workload == "web_queue" and r.rps]
            queue_path = (measured or args.queue_path.split(","))[0]
            command = ["queries", creds["agent_token"], "5", queue_path]
            meta["queries"] = helper(command, env, quick_timeout)["queries"]
        except (BenchError, subprocess.TimeoutExpired) as exc:
            meta["queries_error"] = str(exc)[-500:]
    return {"rows": rows, "meta": meta}


def read_workloads(
    db: str,
    args: argparse.Namespace,
    work: Path,
    base: str,
    creds: dict[str, Any],
    cookie: str | None,
    info: dict[str, Any],
    pid: int | None,
) -> list[Row]:
    rows: list[Row] = []
    tickets = info["tickets"]
    lo, hi = info["min_id"], info["max_id"]
    token = creds["agent_token"]
    deep = f"/api/v1/tickets/?cursor={info['deep_cursor']}"
    plan = [
        ("api_detail", "/api/v1/tickets/DP-{id}/", {"TOKEN": token}),
        ("api_list", "/api/v1/tickets/", {"TOKEN": token}),
        ("api_list_deep", deep, {"TOKEN": token}),
        ("web_detail", "/console/tickets/DP-{id}/", {"COOKIE": cookie or ""}),
        ("web_queue", args.queue_path, {"COOKIE": cookie or ""}),
    ]
    for workload, path, auth in plan:
        row = Row(workload, db, tickets)
        rows.append(row)
        if workload.startswith("web_") and not cookie:
            row.note = "n/a: could not sign in on /login/"
            continue
        probe_key = f"DP-{hi}"
        headers = {"Authorization": f"Token {token}"} if "TOKEN" in auth else {"Cookie": cookie}
        refusals = []
        for candidate in path.split(","):  # the first path that answers the right page
            probe_path = candidate.replace("{id}", str(hi))
            status, body = fetch(base + probe_path, headers)
            if why := check_page(workload, status, body, probe_key):
                refusals.append(f"{probe_path} {why}")
                continue
            path = candidate
            break
        else:
            row.note = "n/a: " + "; ".join(refusals)
            log(f"{db}: {workload}: {row.note}")
            continue
        row.extra["path"] = path
        lua_env = {"READ_PATH": path, "MIN_ID": str(lo), "MAX_ID": str(hi), **auth}
        log(f"{db}: {workload} at {tickets} tickets: wrk {args.runs} x {args.duration:g}s")
        stem = work / f"wrk-{workload}-{tickets}"
        apply(row, measure(HERE / "read.lua", base, lua_env, args, stem, pid))
        log(f"{db}: {workload}: {fmt_rps(row.rps)} req/s, p50 {fmt_ms(row.p50_ms)}")
    return rows


# --- comparison and output ------------------------------------------------------------------


def compare(rows: list[Row], peer: dict[str, dict[str, Any]], source: str) -> None:
    for row in rows:
        spec = WORKLOADS[row.workload]
        what = spec["peer"]
        if what is None:
            row.target, row.met = "no target (latency)", None
            continue
        times = spec["x"]
        row.target = f">={times}x peer" + (f", p99<{CREATE_P99_MS:g}ms" if what == "create" else "")
        figure = peer.get(what) or {}
        row.peer_what = PEER_WHAT[what]
        if figure.get("rps"):
            row.peer_rps, row.peer_source = figure["rps"], source
        if row.rps is None or row.peer_rps is None:
            row.met = None
            continue
        row.ratio = row.rps / row.peer_rps
        met = row.ratio >= times
        if what == "create":
            met = met and row.p99_ms is not None and row.p99_ms < CREATE_P99_MS
        if row.non2xx or any(row.socket_errors.values()):
            met = False
        row.met = met


def fmt_rps(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def fmt_ms(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.1f} ms"


def fmt_tickets(n: int) -> str:
    return f"{n / 1_000_000:g}M" if n >= 1_000_000 else f"{n / 1000:g}k" if n >= 1000 else str(n)


def table_lines(rows: list[dict[str, Any]]) -> list[str]:
    """rows as dicts (Row fields, plus 'label'); one Markdown table."""
    head = ["workload", "db", "Deskpact req/s", "p50", "p99", "peer req/s", "ratio", "target met?"]
    body = []
    for r in rows:
        peer = "n/a"
        if r.get("peer_rps"):
            peer = f"{fmt_rps(r['peer_rps'])} ({r['peer_source']})"
        ratio = f"{r['ratio']:,.1f}x" if r.get("ratio") else "n/a"
        if r.get("target", "").startswith("no target"):
            met = "no target"
        elif r.get("met") is None:
            met = f"n/a ({r.get('target')})"
        else:
            met = ("yes" if r["met"] else "NO") + f" ({r['target']})"
        label = r["label"]
        if not str(r.get("workload", "")).startswith("create"):  # creation: on a new desk
            label += f" @{fmt_tickets(r['tickets'])}"
        if r.get("note", "").startswith("n/a"):
            label += " (n/a, see notes)"
        body.append(
            [
                label,
                r["db"],
                fmt_rps(r.get("rps")),
                fmt_ms(r.get("p50_ms")),
                fmt_ms(r.get("p99_ms")),
                peer,
                ratio,
                met,
            ]
        )
    widths = [max(len(str(x[i])) for x in [head, *body]) for i in range(len(head))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    return [line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, body)]


def scaling_lines(rows: list[Row]) -> list[str]:
    """Reads at the smallest and the largest table size: the same cost means ratio ~1."""
    lines = []
    for db in dict.fromkeys(r.db for r in rows):
        for workload in ("api_detail", "api_list", "api_list_deep", "web_detail", "web_queue"):
            found = [r for r in rows if r.db == db and r.workload == workload and r.rps]
            if len(found) < 2:
                continue
            first, last = found[0], found[-1]
            lines.append(
                f"  {WORKLOADS[workload]['label']:<28} {db:<6} "
                f"{fmt_tickets(first.tickets)}: {fmt_rps(first.rps)} req/s -> "
                f"{fmt_tickets(last.tickets)}: {fmt_rps(last.rps)} req/s "
                f"(x{(last.rps or 0) / (first.rps or 1):.2f})"
            )
    return lines


def row_dict(row: Row) -> dict[str, Any]:
    return {**asdict(row), "label": row.label}


def git_revision() -> str:
    try:
        rev = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        return rev + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sqlite,pg", help="comma list of sqlite, pg")
    parser.add_argument(
        "--tickets",
        default=None,
        help="table size(s) for reads, comma list, seeded in turn (default 100000)",
    )
    parser.add_argument("--duration", type=float, default=None, help="seconds per wrk run (20)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--runs", type=int, default=1, help="wrk runs per workload; median")
    parser.add_argument(
        "--quiet-below",
        type=float,
        default=25.0,
        help="before each run, wait until other processes use less than this %% of the machine",
    )
    parser.add_argument("--quiet-wait", type=float, default=None, help="... for at most (s)")
    parser.add_argument(
        "--nice",
        type=int,
        default=0,
        help="run both desks' servers and wrk at this niceness (e.g. -10 as root on a shared "
        "machine); the database server keeps its own",
    )
    parser.add_argument("--warmup", type=float, default=None, help="seconds of unmeasured wrk (2)")
    parser.add_argument("--port", type=int, default=8021)
    parser.add_argument(
        "--queue-path",
        default="/console/queues/open/,/console/?queue=all",
        help="console queue page; comma list, the first that lists tickets is measured",
    )
    parser.add_argument(
        "--create-as",
        default="customer,agent",
        help="who creates: customer (own ticket) and/or agent (for a contact by email)",
    )
    parser.add_argument("--search-requests", type=int, default=None, help="sequential (200)")
    parser.add_argument("--search-seconds", type=float, default=None, help="time bound (120)")
    parser.add_argument(
        "--peer",
        nargs="?",
        const="all",
        choices=["all", "create"],
        default=None,
        help="measure the peer in this run: all (create and reads) or create only",
    )
    parser.add_argument("--peer-tickets", type=int, default=None, help="peer seed (100000)")
    parser.add_argument("--peer-seed-timeout", type=float, default=3600)
    parser.add_argument("--seed-timeout", type=float, default=7200)
    parser.add_argument("--no-queries", dest="queries", action="store_false")
    parser.add_argument(
        "--create-only", action="store_true", help="only the creation workloads (no seed, reads)"
    )
    parser.add_argument("--quick", action="store_true", help="2 s runs, 2,000 tickets")
    parser.add_argument(
        "--out", default=os.environ.get("DESKPACT_BENCH_OUT", "/tmp/deskpact-bench")
    )
    args = parser.parse_args(argv)
    quick = args.quick
    args.duration = args.duration or (2.0 if quick else 20.0)
    args.warmup = (1.0 if quick else 2.0) if args.warmup is None else args.warmup
    args.tickets = sorted(
        int(x) for x in (args.tickets or ("2000" if quick else "100000")).split(",") if x
    )
    args.search_requests = args.search_requests or (20 if quick else 200)
    args.search_seconds = args.search_seconds or (30.0 if quick else 120.0)
    args.peer_tickets = args.peer_tickets or (2000 if quick else 100_000)
    if args.quiet_wait is None:
        args.quiet_wait = 10.0 if quick else 120.0
    args.db = [d.strip() for d in args.db.split(",") if d.strip()]
    args.create_as = [w.strip() for w in args.create_as.split(",") if w.strip()]
    for db in args.db:
        if db not in ("sqlite", "pg"):
            parser.error(f"unknown --db {db}")
    for who in args.create_as:
        if who not in ("customer", "agent"):
            parser.error(f"unknown --create-as {who}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.nice:
        NICE[:] = ["nice", "-n", str(args.nice)]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally blocks
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    out = Path(args.out)
    (out / "results").mkdir(parents=True, exist_ok=True)
    reference = peer_reference(PEER_KIT / "README.md")
    all_rows: list[Row] = []
    failed = False
    for db in args.db:
        try:
            result = bench_db(db, args, out)
        except (BenchError, subprocess.SubprocessError, OSError) as exc:
            print(f"{db}: FAILED: {exc}", file=sys.stderr)
            failed = True
            continue
        rows: list[Row] = result["rows"]
        peer_figures: dict[str, dict[str, Any]] = dict(reference.get(db, {}))
        sources = dict.fromkeys(peer_figures, "reference")
        if args.peer:
            try:
                for what, figure in run_peer(db, args, out).items():
                    if figure.get("rps"):
                        peer_figures[what], sources[what] = figure, "measured"
            except (BenchError, subprocess.SubprocessError, OSError) as exc:
                print(f"{db}: peer run failed, using reference figures: {exc}", file=sys.stderr)
        for what in ("create", "detail", "list"):
            subset = [r for r in rows if WORKLOADS[r.workload]["peer"] == what]
            compare(subset, {what: peer_figures.get(what, {})}, sources.get(what, ""))
        compare([r for r in rows if WORKLOADS[r.workload]["peer"] is None], {}, "")
        all_rows += rows
        document = {
            "benchmark": "tickets",
            "db": db,
            "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "revision": git_revision(),
            "command": " ".join([sys.executable, *sys.argv]),
            "settings": {
                "duration_s": args.duration,
                "connections": args.connections,
                "threads": 1,
                "workers": 2,
                "tickets": args.tickets,
                "peer": args.peer or "reference",
                "runs": args.runs,
                "nice": args.nice,
            },
            "peer": {k: {**v, "source": sources.get(k, "")} for k, v in peer_figures.items()},
            "rows": [row_dict(r) for r in rows],
            "meta": result["meta"],
        }
        path = out / "results" / f"tickets-{db}.json"
        path.write_text(json.dumps(document, indent=2, default=str))
        log(f"{db}: wrote {path}")
        queries = result["meta"].get("queries")
        if queries:
            print(f"\nStatements per request, {db} (in process, best of 5):")
            for name, q in queries.items():
                slowest = q.get("slowest") or [{}]
                print(
                    f"  {name:<14} {q.get('status')} {q.get('queries', '?'):>3} statements "
                    f"{q.get('ms', 0):>8.1f} ms (SQL {q.get('sql_ms', 0):.1f} ms; slowest "
                    f"{slowest[0].get('ms', 0):.1f} ms)"
                )
                if slowest[0].get("ms", 0) >= 5 and q.get("plan"):
                    print("      plan of the slowest: " + " / ".join(q["plan"])[:400])
    if all_rows:
        print()
        print("\n".join(table_lines([row_dict(r) for r in all_rows])))
        scaling = scaling_lines(all_rows)
        if scaling:
            print("\nReads at the smallest and the largest table (same cost: x~1.0):")
            print("\n".join(scaling))
        notes = [f"  {r.db} {r.label}: {r.note}" for r in all_rows if r.note]
        if notes:
            print("\nNotes:")
            print("\n".join(notes))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
