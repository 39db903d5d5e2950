#!/usr/bin/env python3
"""Reports benchmark: the agent and contract reports for one quarter on PostgreSQL.

    .venv/bin/python bench/reports/run.py                   # 1,000,000 tickets (load 10-20 min)
    .venv/bin/python bench/reports/run.py --scale 0.1       # 100,000 tickets
    .venv/bin/python bench/reports/run.py --quick           # 10,000 tickets, to check it works
    .venv/bin/python bench/reports/run.py --reuse           # measure again, no reload
    .venv/bin/python bench/reports/run.py --reuse --without-report-indexes

A fresh database `deskpact_bench_reports` on 127.0.0.1 (dropped, created, `deskpact migrate`)
gets ~50 agents, ~2,000 organizations with one contract each, then tickets, 5 messages and
2 work logs per ticket with their ledger rows, bank blocks, fees, deposits and ratings,
spread over the year before today, all with set-based SQL (INSERT ... SELECT). The search
triggers of tickets and messages are disabled for the load and enabled again after it: the
search table stays empty (search is measured by search_bench.py). Then VACUUM ANALYZE, and
each report is requested as an agent with an API token through Django's test client
(`GET /api/v1/reports/agents/?start=&end=` and `/api/v1/reports/contracts/?start=&end=`):
one warm-up, then the median of --runs runs, the statements of one run and the
EXPLAIN (ANALYZE, BUFFERS) of the slowest ones.

Speed is measured, never asserted: the script prints figures and exits 0 unless something
could not be run. Network only to PostgreSQL on 127.0.0.1; every statement is bounded by
statement_timeout and every step by a subprocess timeout.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlparse

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
VENV_PY = ROOT / ".venv" / "bin" / "python"
DESKPACT = ROOT / ".venv" / "bin" / "deskpact"
BENCH_DB = "deskpact_bench_reports"  # the only database this drops or creates
PG_URL = f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}"
FULL_TICKETS = 1_000_000
QUICK_TICKETS = 10_000
AGENTS = 50
ORGANIZATIONS = 2_000
MESSAGES_PER_TICKET = 5
WORK_LOGS_PER_TICKET = 2
CHUNK = 50_000  # tickets per load statement: each statement stays well under its timeout
LOAD_STATEMENT_TIMEOUT_MS = 600_000
REPORT_STATEMENT_TIMEOUT_MS = 60_000
TARGET_S = 1.0
TOKEN_FILE = "token.json"
# Contract kinds in turn over the organizations, and what a work log does to each.
KINDS = ["bank", "capped", "agreement", "payg", "per_minute", "per_incident"]
REPORTS = {
    "agents": "/api/v1/reports/agents/",
    "contracts": "/api/v1/reports/contracts/",
}


def out(payload: dict[str, Any]) -> None:
    print(json.dumps(payload, default=str), flush=True)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def last_quarter(today: date) -> tuple[date, date]:
    """The last full calendar quarter before `today` (inside the year of data)."""
    first_this = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    end = first_this - timedelta(days=1)
    start = date(end.year, 3 * ((end.month - 1) // 3) + 1, 1)
    return start, end


# --- steps run in their own process ---------------------------------------------------


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deskpact.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def step_reset() -> None:
    import psycopg

    parsed = urlparse(os.environ["DATABASE_URL"])
    if parsed.path.lstrip("/") != BENCH_DB or parsed.hostname not in ("127.0.0.1", "localhost"):
        raise SystemExit(f"refusing to reset {parsed.geturl()!r}: only {BENCH_DB} on 127.0.0.1")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    out({"reset": BENCH_DB})


def step_people(out_dir: Path) -> None:
    """Agents, organizations with two contacts and one contract each, a queue, a token.

    A few thousand rows: bulk_create, so the model defaults apply.
    """
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from deskpact.accounts import services
    from deskpact.accounts.models import Organization, User
    from deskpact.contracts.models import Contract
    from deskpact.tickets.models import Queue

    now = timezone.now()
    starts = (now - timedelta(days=400)).date()
    unusable = make_password(None)
    with transaction.atomic():
        Queue.objects.create(name="Support", slug="support", is_default=True)
        agents = User.objects.bulk_create(
            [
                User(
                    email=f"agent{i}@bench.example",
                    name=f"Agent {i:02d}",
                    role="agent",
                    password=unusable,
                )
                for i in range(AGENTS)
            ]
        )
        orgs = Organization.objects.bulk_create(
            [Organization(name=f"Bench Org {i:04d}", currency="EUR") for i in range(ORGANIZATIONS)]
        )
        User.objects.bulk_create(
            [
                User(
                    email=f"contact{n}@org{i}.bench.example",
                    name=f"Contact {n} of {i}",
                    role="user",
                    organization=org,
                    password=unusable,
                )
                for i, org in enumerate(orgs)
                for n in range(2)
            ]
        )
        contracts = []
        for i, org in enumerate(orgs):
            kind = KINDS[i % len(KINDS)]
            contracts.append(
                Contract(
                    organization=org,
                    name=f"{kind} {i:04d}",
                    kind=kind,
                    unit="incidents" if kind == "per_incident" else "hours",
                    starts_on=starts,
                    currency="EUR",
                    fee_minor=600_000 if kind in ("agreement", "capped") else 0,
                    hourly_rate=90 if kind == "payg" else None,
                    minute_rate="1.50" if kind == "per_minute" else None,
                    incident_rate=120 if kind == "per_incident" else None,
                    overage_rate=110 if kind in ("capped", "bank") else None,
                    cap_units=None,  # set from the generated work by the load
                    created_at=now - timedelta(days=400),
                )
            )
        Contract.objects.bulk_create(contracts)
        _, key = services.issue_api_token(agents[0], name="bench")
    (out_dir / TOKEN_FILE).write_text(json.dumps({"token": key, "agent": agents[0].email}))
    out({"agents": len(agents), "organizations": len(orgs), "contracts": len(contracts)})


# Each statement's text; {lo} and {hi} bound the ticket ids of a chunk. Random draws are
# stable: hashes of ids, so a reload gives the same data and columns agree with each other.
H = "(('x' || substr(md5({expr}), 1, 8))::bit(32)::bigint / 4294967296.0)"


def h(expr: str) -> str:
    """A number in [0, 1) drawn from `expr` (SQL), the same on every run."""
    return H.format(expr=expr)


TICKETS_SQL = f"""
INSERT INTO tickets_ticket (
    subject, body, status, priority, channel, cause, created_at, updated_at,
    first_response_at, resolved_at, closed_at, follows_id, organization_id, owner_id,
    queue_id, requester_id, submitter_id, contract_id, entitlement
)
SELECT 'Bench ticket ' || g, 'The opening message of bench ticket ' || g || '.',
       s.status, (ARRAY['low','normal','normal','high','urgent'])[1 + (g %% 5)],
       (ARRAY['web','email','email','phone','api'])[1 + (g %% 5)], '',
       s.created, coalesce(s.resolved, s.first_response, s.created),
       s.first_response, s.resolved,
       CASE WHEN s.status = 'closed' THEN least(s.resolved + interval '3 days', %(now)s) END,
       NULL, o.id, CASE WHEN s.status <> 'new' THEN a.id END,
       %(queue)s::bigint, c.id, c.id, k.id, 'entitled'
FROM (
    SELECT g, created, status,
           CASE WHEN status <> 'new' THEN first_response END AS first_response,
           CASE WHEN status IN ('resolved', 'closed') THEN least(resolved, %(now)s) END
               AS resolved
    FROM (
        SELECT g, created,
               least(created + interval '1 minute' * (2 + 240 * -ln(1 - {h("'fr' || g")})),
                     %(now)s) AS first_response,
               least(created + interval '1 minute' * (2 + 240 * -ln(1 - {h("'fr' || g")})),
                     %(now)s)
                   + interval '1 minute' * (10 + 2880 * -ln(1 - {h("'rs' || g")})) AS resolved,
               CASE
                   WHEN created < %(now)s - interval '14 days' THEN
                       (ARRAY['resolved','closed','closed','closed','closed','closed',
                              'closed','closed','closed','closed','resolved','resolved',
                              'resolved','resolved','resolved','resolved','resolved',
                              'resolved','pending','on_hold'])
                           [1 + floor({h("'st' || g")} * 20)::int]
                   ELSE
                       (ARRAY['new','open','open','open','open','pending','pending',
                              'on_hold','resolved','resolved','closed'])
                           [1 + floor({h("'st' || g")} * 11)::int]
               END AS status
        FROM (
            SELECT g,
                   %(start)s + (%(now)s - %(start)s) * ((g - 1 + {h("'c' || g")}) / %(n)s::float8)
                       AS created
            FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS g
        ) base
    ) drawn
    WHERE true
) s
JOIN LATERAL (SELECT 1 + floor({h("'o' || g")} * %(orgs)s::int)::int AS n) pick ON true
JOIN bench_org o ON o.n = pick.n
JOIN bench_contact c ON c.org_id = o.id AND c.n = g %% 2
JOIN contracts_contract k ON k.organization_id = o.id
JOIN bench_agent a ON a.n = 1 + floor({h("'a' || g")} * %(agents)s::int)::int
ORDER BY g
"""

# Five messages a ticket: the opening one, the first public reply by the owner (at
# first_response_at), a customer reply, an internal note, a closing reply by the owner.
# A ticket never answered (status new) has five messages from its requester.
MESSAGES_SQL = """
INSERT INTO tickets_message (body, is_internal, channel, created_at, author_id, ticket_id)
SELECT m.body, m.internal, t.channel, m.at, m.author, t.id
FROM tickets_ticket t
CROSS JOIN LATERAL (
    SELECT least(coalesce(t.resolved_at, t.first_response_at + interval '2 days'), %(now)s)
        AS ends
) e
CROSS JOIN LATERAL (VALUES
    (1, 'Opening message.', false, t.created_at, t.requester_id),
    (2, 'First reply.', false, coalesce(t.first_response_at, t.created_at + interval '1 minute'),
        coalesce(t.owner_id, t.requester_id)),
    (3, 'Customer reply.', false,
        coalesce(t.first_response_at + (e.ends - t.first_response_at) * 0.3,
                 t.created_at + interval '2 minutes'), t.requester_id),
    (4, 'Internal note.', t.owner_id IS NOT NULL,
        coalesce(t.first_response_at + (e.ends - t.first_response_at) * 0.5,
                 t.created_at + interval '3 minutes'), coalesce(t.owner_id, t.requester_id)),
    (5, 'Closing reply.', false,
        coalesce(t.first_response_at + (e.ends - t.first_response_at) * 0.9,
                 t.created_at + interval '4 minutes'), coalesce(t.owner_id, t.requester_id))
) AS m(k, body, internal, at, author)
WHERE t.id BETWEEN %(lo)s::bigint AND %(hi)s::bigint
ORDER BY m.at, t.id
"""

WORK_SQL = f"""
INSERT INTO contracts_worklog (
    started_at, minutes, channel, is_billable, note, created_at, agent_id, call_id,
    contract_id, logged_by_id, ticket_id
)
SELECT w.at, w.minutes, t.channel, true, '', w.at + interval '1 minute' * w.minutes,
       w.agent, NULL, t.contract_id, w.agent, t.id
FROM tickets_ticket t
CROSS JOIN generate_series(1, {WORK_LOGS_PER_TICKET}) AS k
CROSS JOIN LATERAL (
    SELECT least(coalesce(t.first_response_at, t.created_at)
                 + (least(coalesce(t.resolved_at, t.first_response_at + interval '2 days',
                                   t.created_at + interval '1 hour'), %(now)s)
                    - coalesce(t.first_response_at, t.created_at)) * (k / 3.0),
                 %(now)s) AS at,
           5 + floor({h("'m' || t.id || '.' || k")} * 86)::int AS minutes,
           coalesce(t.owner_id,
                    (SELECT id FROM bench_agent WHERE n = 1 + (t.id %% {AGENTS}))) AS agent
) w
WHERE t.id BETWEEN %(lo)s::bigint AND %(hi)s::bigint
ORDER BY w.at, t.id, k
"""

# One work_rated row per work log, as the contract's kind rates it (covered minutes off a
# bank's block of the quarter or a cap, tracked under an agreement or per-incident
# contract, charged by the hour or from the per-minute deposit).
LEDGER_WORK_SQL = """
INSERT INTO contracts_ledgerentry (
    kind, part, at, recorded_at, units, charge_minor, prepaid_minor, currency, rate, quantity,
    description, actor_id, block_id, contract_id, corrects_id, organization_id, ticket_id,
    work_log_id
)
SELECT 'work_rated',
       CASE c.kind WHEN 'payg' THEN 'charged' WHEN 'per_minute' THEN 'charged'
                   WHEN 'per_incident' THEN 'tracked' ELSE 'covered' END,
       w.started_at, w.created_at,
       CASE WHEN c.kind IN ('bank', 'capped', 'agreement') THEN -w.minutes ELSE 0 END,
       CASE c.kind WHEN 'payg' THEN w.minutes * 150 WHEN 'per_minute' THEN w.minutes * 150
                   ELSE 0 END,
       CASE WHEN c.kind = 'per_minute' THEN -w.minutes * 150 ELSE 0 END,
       'EUR',
       CASE c.kind WHEN 'payg' THEN 90 WHEN 'per_minute' THEN 1.5 END,
       CASE WHEN c.kind = 'per_minute' THEN w.minutes ELSE round(w.minutes / 60.0, 4) END,
       '', w.agent_id, b.id, c.id, NULL, c.organization_id, w.ticket_id, w.id
FROM contracts_worklog w
JOIN contracts_contract c ON c.id = w.contract_id
LEFT JOIN contracts_bankblock b
       ON c.kind = 'bank' AND b.contract_id = c.id
      AND b.purchased_at = date_trunc('quarter', w.started_at)
WHERE w.ticket_id BETWEEN %(lo)s::bigint AND %(hi)s::bigint
ORDER BY w.started_at, w.id
"""

# Blocks a bank bought each quarter: what its work used then, plus a tenth, in whole hours.
BLOCKS_SQL = """
INSERT INTO contracts_bankblock (contract_id, units, price_minor, purchased_at, expires_on)
SELECT w.contract_id, 60 * ceil(sum(w.minutes) * 1.1 / 60.0)::int,
       60 * ceil(sum(w.minutes) * 1.1 / 60.0)::int * 130,
       date_trunc('quarter', w.started_at), NULL
FROM contracts_worklog w JOIN contracts_contract c ON c.id = w.contract_id
WHERE c.kind = 'bank'
GROUP BY w.contract_id, date_trunc('quarter', w.started_at)
"""

# Blocks, fees, deposits, incidents: the ledger rows that are not work.
LEDGER_OTHER_SQL = [
    """
    INSERT INTO contracts_ledgerentry (
        kind, part, at, recorded_at, units, charge_minor, prepaid_minor, currency, quantity,
        description, block_id, contract_id, organization_id)
    SELECT 'block_purchased', '', b.purchased_at, b.purchased_at, b.units, b.price_minor, 0,
           'EUR', b.units / 60.0, '', b.id, c.id, c.organization_id
    FROM contracts_bankblock b JOIN contracts_contract c ON c.id = b.contract_id
    """,
    """
    INSERT INTO contracts_ledgerentry (
        kind, part, at, recorded_at, units, charge_minor, prepaid_minor, currency, quantity,
        description, contract_id, organization_id)
    SELECT 'fee_due', 'charged', q, q, 0, c.fee_minor / 4, 0, 'EUR', 1, '', c.id,
           c.organization_id
    FROM contracts_contract c
    CROSS JOIN generate_series(date_trunc('quarter', %(start)s), %(now)s,
                               interval '3 months') AS q
    WHERE c.kind IN ('agreement', 'capped')
    """,
    """
    INSERT INTO contracts_ledgerentry (
        kind, part, at, recorded_at, units, charge_minor, prepaid_minor, currency, quantity,
        description, contract_id, organization_id)
    SELECT 'deposit_paid', '', m, m, 0, 0, d.minor, 'EUR', 0, '', c.id, c.organization_id
    FROM contracts_contract c
    CROSS JOIN generate_series(date_trunc('month', %(start)s), %(now)s,
                               interval '1 month') AS m
    JOIN LATERAL (
        SELECT coalesce(-sum(l.prepaid_minor) / 12, 0)::bigint + 10000 AS minor
        FROM contracts_ledgerentry l WHERE l.contract_id = c.id AND l.kind = 'work_rated'
    ) d ON true
    WHERE c.kind = 'per_minute'
    """,
    """
    INSERT INTO contracts_ledgerentry (
        kind, part, at, recorded_at, units, charge_minor, prepaid_minor, currency, rate,
        quantity, description, contract_id, organization_id, ticket_id)
    SELECT 'incident_consumed', 'charged', t.resolved_at, t.resolved_at, 0, 12000, 0, 'EUR',
           120, 1, '', c.id, c.organization_id, t.id
    FROM tickets_ticket t JOIN contracts_contract c ON c.id = t.contract_id
    WHERE c.kind = 'per_incident' AND t.resolved_at IS NOT NULL
    """,
    # A cap of what the term's work would use at a steady rate plus a fifth: some caps run
    # out before the term ends, as the forecast should show.
    """
    UPDATE contracts_contract c SET cap_units = u.used * 6 / 5
    FROM (SELECT contract_id, -sum(units)::int AS used FROM contracts_ledgerentry
          WHERE kind = 'work_rated' GROUP BY contract_id) u
    WHERE u.contract_id = c.id AND c.kind = 'capped'
    """,
]

# The events the reports read: created, and the status changes to open (at the first
# reply), resolved and closed, as the workflow records them ("replied", "assigned" and
# field changes are left out: the reports do not read them).
EVENTS_SQL = """
INSERT INTO tickets_ticketevent (ticket_id, actor_id, kind, data, at)
SELECT t.id, e.actor, e.kind, e.data, e.at
FROM tickets_ticket t
CROSS JOIN LATERAL (VALUES
    (t.requester_id, 'created', jsonb_build_object('channel', t.channel), t.created_at),
    (t.owner_id, 'status', '{"before": "new", "after": "open"}'::jsonb, t.first_response_at),
    (t.owner_id, 'status', '{"before": "open", "after": "resolved"}'::jsonb, t.resolved_at),
    (NULL, 'status', '{"before": "resolved", "after": "closed"}'::jsonb, t.closed_at)
) AS e(actor, kind, data, at)
WHERE t.id BETWEEN %(lo)s::bigint AND %(hi)s::bigint AND e.at IS NOT NULL
ORDER BY e.at, t.id
"""

# Ratings of three in ten resolutions, by the requester an hour after; mostly good.
RATINGS_SQL = f"""
INSERT INTO tickets_rating (resolved_at, score, comment, created_at, rated_by_id, ticket_id)
SELECT t.resolved_at,
       (ARRAY[1,2,3,3,4,4,4,5,5,5,5,5])[1 + floor({h("'r' || t.id")} * 12)::int], '',
       least(t.resolved_at + interval '1 hour', %(now)s), t.requester_id, t.id
FROM tickets_ticket t
WHERE t.resolved_at IS NOT NULL AND {h("'rated' || t.id")} < 0.3
  AND t.id BETWEEN %(lo)s::bigint AND %(hi)s::bigint
"""

HELPER_TABLES = [
    # Numbered agents, organizations and contacts to draw from; dropped after the load.
    "CREATE TEMP TABLE bench_agent AS SELECT id, row_number() OVER (ORDER BY id) AS n "
    "FROM accounts_user WHERE role = 'agent'",
    "CREATE TEMP TABLE bench_org AS SELECT id, row_number() OVER (ORDER BY id) AS n "
    "FROM accounts_organization",
    "CREATE TEMP TABLE bench_contact AS SELECT id, organization_id AS org_id, "
    "(row_number() OVER (PARTITION BY organization_id ORDER BY id) - 1) %% 2 AS n "
    "FROM accounts_user WHERE role = 'user'",
    "CREATE UNIQUE INDEX ON bench_agent (n)",
    "CREATE UNIQUE INDEX ON bench_org (n)",
    "CREATE UNIQUE INDEX ON bench_contact (org_id, n)",
    "ANALYZE bench_agent",
    "ANALYZE bench_org",
    "ANALYZE bench_contact",
]

SEARCH_TABLES = ("tickets_ticket", "tickets_message")


def step_load(tickets: int) -> None:
    import psycopg
    from psycopg import sql as pgsql

    url = os.environ["DATABASE_URL"]
    timings: dict[str, float] = {}
    options = f"-c statement_timeout={LOAD_STATEMENT_TIMEOUT_MS} -c synchronous_commit=off"
    with psycopg.connect(url, autocommit=True, connect_timeout=10, options=options) as conn:
        queue = conn.execute("SELECT id FROM tickets_queue").fetchone()
        assert queue is not None
        now = conn.execute("SELECT date_trunc('second', now())").fetchone()[0]  # type: ignore[index]
        start = now - timedelta(days=365)
        params: dict[str, Any] = {
            "now": now,
            "start": start,
            "n": float(tickets),
            "orgs": ORGANIZATIONS,
            "agents": AGENTS,
            "queue": queue[0],
        }
        for statement in HELPER_TABLES:
            conn.execute(statement.replace("%%", "%"))
        for table in SEARCH_TABLES:
            conn.execute(
                pgsql.SQL("ALTER TABLE {} DISABLE TRIGGER USER").format(pgsql.Identifier(table))
            )
        try:

            def chunks(sql: str, name: str, lo_base: int, hi_base: int) -> None:
                began = time.perf_counter()
                for lo in range(lo_base, hi_base + 1, CHUNK):
                    hi = min(hi_base, lo + CHUNK - 1)
                    conn.execute(sql, {**params, "lo": lo, "hi": hi})
                timings[name] = round(time.perf_counter() - began, 1)
                log(f"{name}: {timings[name]} s")

            chunks(TICKETS_SQL, "tickets", 1, tickets)
            first, last = conn.execute("SELECT min(id), max(id) FROM tickets_ticket").fetchone()  # type: ignore[misc]
            chunks(MESSAGES_SQL, "messages", first, last)
            chunks(EVENTS_SQL, "events", first, last)
            chunks(WORK_SQL, "work_logs", first, last)
            began = time.perf_counter()
            conn.execute(BLOCKS_SQL)
            timings["bank_blocks"] = round(time.perf_counter() - began, 1)
            chunks(LEDGER_WORK_SQL, "ledger_work", first, last)
            began = time.perf_counter()
            for statement in LEDGER_OTHER_SQL:
                conn.execute(statement, params if "%(" in statement else None)
            timings["ledger_other"] = round(time.perf_counter() - began, 1)
            log(f"ledger_other: {timings['ledger_other']} s")
            chunks(RATINGS_SQL, "ratings", first, last)
        finally:
            for table in SEARCH_TABLES:
                conn.execute(
                    pgsql.SQL("ALTER TABLE {} ENABLE TRIGGER USER").format(pgsql.Identifier(table))
                )
        began = time.perf_counter()
        conn.execute("VACUUM ANALYZE")
        timings["vacuum_analyze"] = round(time.perf_counter() - began, 1)
        log(f"vacuum analyze: {timings['vacuum_analyze']} s")
    out({"timings": timings})


def step_counts() -> None:
    import psycopg

    tables = [
        "tickets_ticket",
        "tickets_message",
        "tickets_rating",
        "tickets_ticketevent",
        "contracts_worklog",
        "contracts_ledgerentry",
        "contracts_bankblock",
        "contracts_contract",
        "accounts_organization",
        "ticket_search",
    ]
    with psycopg.connect(os.environ["DATABASE_URL"], connect_timeout=10) as conn:
        counts = {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # type: ignore[index]
            for t in tables
        }
        agents = conn.execute("SELECT count(*) FROM accounts_user WHERE role = 'agent'").fetchone()[
            0
        ]  # type: ignore[index]
        consistent = conn.execute(
            # first_response_at is the first public reply by an agent, in every ticket.
            """
            SELECT count(*) FROM tickets_ticket t
            WHERE t.first_response_at IS DISTINCT FROM (
                SELECT min(m.created_at) FROM tickets_message m
                JOIN accounts_user u ON u.id = m.author_id
                WHERE m.ticket_id = t.id AND NOT m.is_internal AND u.role <> 'user')
            """
            if counts["tickets_ticket"] <= 200_000
            else "SELECT NULL"
        ).fetchone()[0]  # type: ignore[index]
    out({"counts": {**counts, "agents": agents}, "first_response_mismatches": consistent})


def step_measure(out_dir: Path, start: str, end: str, runs: int, explain_ms: float) -> None:
    """Warm-up, then `runs` GETs of each report; statements and plans of the last one."""
    from django.db import connection
    from django.test import Client

    token = json.loads((out_dir / TOKEN_FILE).read_text())["token"]
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    query = urlencode({"start": start, "end": end})
    results: dict[str, Any] = {}
    for name, path in REPORTS.items():
        url = f"{path}?{query}"
        response = client.get(url)  # warm-up: connection, caches, prepared statements
        row: dict[str, Any] = {"url": url, "status": response.status_code}
        if response.status_code != 200:
            row["error"] = response.content[:500].decode(errors="replace")
            results[name] = row
            continue
        row["bytes"] = len(response.content)
        times = []
        for _ in range(runs):
            began = time.perf_counter()
            client.get(url)
            times.append(time.perf_counter() - began)
        statements: list[dict[str, Any]] = []

        def record(
            execute: Any,
            sql: str,
            params: Any,
            many: bool,
            context: Any,
            statements: list[dict[str, Any]] = statements,
        ) -> Any:
            began = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                statements.append(
                    {"sql": sql, "params": params, "ms": (time.perf_counter() - began) * 1000}
                )

        with connection.execute_wrapper(record):
            began = time.perf_counter()
            client.get(url)
            traced = time.perf_counter() - began
        plans: list[dict[str, Any]] = []
        with connection.cursor() as cursor:
            for st in sorted(statements, key=lambda s: -s["ms"]):
                if st["ms"] < explain_ms or len(plans) >= 4:
                    break
                if not st["sql"].lstrip().upper().startswith(("SELECT", "WITH")):
                    continue
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + st["sql"], st["params"])
                plans.append(
                    {
                        "ms": round(st["ms"], 1),
                        "sql": st["sql"],
                        "params": [str(p) for p in st["params"] or ()],
                        "plan": "\n".join(r[0] for r in cursor.fetchall()),
                    }
                )
        row.update(
            {
                "runs_s": [round(t, 4) for t in times],
                "median_s": statistics.median(times),
                "traced_s": traced,
                "statements": len(statements),
                "sql_ms": round(sum(s["ms"] for s in statements), 1),
                "each_ms": [{"ms": round(s["ms"], 1), "sql": s["sql"][:160]} for s in statements],
                "plans": plans,
            }
        )
        results[name] = row
    out({"reports": results})


# --- orchestration --------------------------------------------------------------------


def run_step(args: list[str], env: dict[str, str], timeout: float) -> dict[str, Any]:
    """Run one step of this script in its own process; its last line of JSON."""
    try:
        proc = subprocess.run(
            [str(VENV_PY), __file__, "--step", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        raise SystemExit(f"step {args[0]} took longer than {timeout:.0f} s") from exc
    sys.stderr.write(proc.stderr[-4000:] if proc.returncode else proc.stderr)
    if proc.returncode:
        raise SystemExit(f"step {args[0]} failed ({proc.returncode}): {proc.stdout[-2000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def reports_migration(env: dict[str, str], target: str) -> None:
    """Migrate the reports app to `target` (its indexes off with "zero"), then ANALYZE."""
    done = subprocess.run(
        [str(DESKPACT), "migrate", "reports", target, "--no-input", "-v0"], env=env, timeout=900
    )
    if done.returncode:
        raise SystemExit(f"deskpact migrate reports {target} failed")
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", BENCH_DB, "-qc", "ANALYZE"],
        check=True,
        timeout=900,
    )
    log(f"reports migrated to {target}, analyzed")


def fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--tickets", type=int, help="tickets to load (default 1,000,000)")
    parser.add_argument("--scale", type=float, help="a fraction of the full size: 0.1, 0.01")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_TICKETS:,} tickets")
    parser.add_argument("--reuse", action="store_true", help="measure the loaded database again")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--start", help="first day of the range (default: last full quarter)")
    parser.add_argument("--end", help="last day of the range")
    parser.add_argument("--explain-ms", type=float, default=50.0, help="plans of statements above")
    parser.add_argument(
        "--without-report-indexes",
        action="store_true",
        help="measure with the reports app's indexes unapplied (put back afterwards)",
    )
    parser.add_argument("--out", type=Path, default=Path("/tmp/deskpact-bench-reports"))
    parser.add_argument("--step", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.step:
        name, *rest = args.step
        if name == "reset":
            step_reset()
        elif name == "people":
            django_setup()
            step_people(Path(rest[0]))
        elif name == "load":
            step_load(int(rest[0]))
        elif name == "counts":
            step_counts()
        elif name == "measure":
            django_setup()
            step_measure(Path(rest[0]), rest[1], rest[2], int(rest[3]), float(rest[4]))
        else:
            raise SystemExit(f"unknown step {name!r}")
        return

    if args.quick:
        tickets = QUICK_TICKETS
    elif args.tickets:
        tickets = args.tickets
    elif args.scale:
        tickets = round(FULL_TICKETS * args.scale)
    else:
        tickets = FULL_TICKETS
    if not 1_000 <= tickets <= 5_000_000:
        raise SystemExit("--tickets: between 1,000 and 5,000,000")
    start_day, end_day = last_quarter(date.today())
    start = args.start or start_day.isoformat()
    end = args.end or end_day.isoformat()
    args.out.mkdir(parents=True, exist_ok=True)
    data = args.out / "data"
    data.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": PG_URL,
        "DESKPACT_DATA_DIR": str(data),
        "DJANGO_SETTINGS_MODULE": "deskpact.settings",
        "DESKPACT_TOKEN_RATE": "100000/min",  # the API throttle would refuse the runs
        "DESKPACT_TASKS": "immediate",
    }
    for unset in ("DEBUG", "DESKPACT_ENV", "EMAIL_URL", "REDIS_URL"):
        env.pop(unset, None)
    # Up to a million rows a minute on two cores, plus the indexes: bound generously.
    load_timeout = 600 + tickets * 0.006
    loaded: dict[str, Any] = {}
    if not args.reuse:
        log(f"reset {BENCH_DB}, migrate, {tickets:,} tickets")
        run_step(["reset"], env, 60)
        began = time.perf_counter()
        migrate = subprocess.run(
            [str(DESKPACT), "migrate", "--no-input", "-v0"], env=env, timeout=600
        )
        if migrate.returncode:
            raise SystemExit("deskpact migrate failed")
        loaded["migrate_s"] = round(time.perf_counter() - began, 1)
        run_step(["people", str(args.out)], env, 300)
        began = time.perf_counter()
        loaded.update(run_step(["load", str(tickets)], env, load_timeout))
        loaded["load_s"] = round(time.perf_counter() - began, 1)
    counts = run_step(["counts"], env, 600)
    log(f"counts: {counts}")
    measure_env = {**env, "PGOPTIONS": f"-c statement_timeout={REPORT_STATEMENT_TIMEOUT_MS}"}
    if args.without_report_indexes:
        reports_migration(env, "zero")
    try:
        measured = run_step(
            ["measure", str(args.out), start, end, str(args.runs), str(args.explain_ms)],
            measure_env,
            120 + (args.runs + 2) * 2 * REPORT_STATEMENT_TIMEOUT_MS / 1000,
        )
    finally:
        if args.without_report_indexes:
            reports_migration(env, "0001")
    reports = measured["reports"]
    c = counts["counts"]
    print()
    print(
        f"PostgreSQL `{BENCH_DB}`: {c['tickets_ticket']:,} tickets, {c['tickets_message']:,} "
        f"messages, {c['contracts_worklog']:,} work logs, {c['contracts_ledgerentry']:,} ledger "
        f"rows, {c['tickets_ticketevent']:,} events, {c['tickets_rating']:,} ratings, "
        f"{c['agents']} agents, "
        f"{c['accounts_organization']:,} organizations; range {start} to {end}"
    )
    if loaded:
        print(f"load: {loaded}")
    print()
    print(
        f"| report (one quarter) | status | median of {args.runs} | runs | statements "
        "| SQL time | slowest statement | response | target | met |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, row in reports.items():
        if row["status"] != 200:
            print(f"| {name} | {row['status']} | n/a | | | | | | < 1 s | no |")
            continue
        slowest = max(row["each_ms"], key=lambda s: s["ms"]) if row["each_ms"] else None
        runs = " ".join(f"{t * 1000:.0f}" for t in row["runs_s"])
        print(
            f"| {name} | 200 | {fmt_s(row['median_s'])} | {runs} ms | {row['statements']} "
            f"| {row['sql_ms']:.0f} ms | {slowest['ms'] if slowest else 0:.0f} ms "
            f"| {row['bytes'] / 1024:,.0f} kB "
            f"| < 1 s | {'yes' if row['median_s'] < TARGET_S else 'no'} |"
        )
    for name, row in reports.items():
        if row["status"] != 200:
            print(f"\n{name}: {row['url']} answered {row['status']}: {row.get('error', '')}")
            continue
        print(f"\n{name}: statements of one request (ms, first 160 characters)")
        for st in row["each_ms"]:
            print(f"  {st['ms']:8.1f}  {' '.join(st['sql'].split())[:160]}")
        for plan in row["plans"]:
            print(f"\n  EXPLAIN ANALYZE of the {plan['ms']} ms statement:")
            print("    " + " ".join(plan["sql"].split())[:1200])
            print("    params: " + ", ".join(plan["params"])[:400])
            print("\n".join("    " + line for line in plan["plan"].splitlines()))
    result = {
        "tickets": tickets,
        "range": [start, end],
        "counts": counts,
        "load": loaded,
        "reports": reports,
    }
    path = args.out / "reports.json"
    path.write_text(json.dumps(result, indent=2, default=str))
    print(f"\nwritten: {path}")
    if any(row["status"] != 200 for row in reports.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
