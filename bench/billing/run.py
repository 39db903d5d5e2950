#!/usr/bin/env python3
"""Billing benchmark: one month's billing run over a generated ledger, against its floor.

    .venv/bin/python bench/billing/run.py                          # 10,000 orgs, 1,000,000 logs
    .venv/bin/python bench/billing/run.py --orgs 1000 --logs 100000
    .venv/bin/python bench/billing/run.py --quick                  # 100 orgs, 10,000 logs

PostgreSQL only: `deskpact_bench_billing` on 127.0.0.1 is dropped, created and migrated
with `deskpact migrate`, then filled with set-based SQL (INSERT ... SELECT over
generate_series) with what the contract services would have written: organizations in five
currencies (EUR, USD, GBP, JPY, KWD) and seven time zones, a contract of each kind spread
over them (a quarter of the organizations hold a second one), term fees, bank blocks,
deposits, tickets with their work logs over the last two complete months, each log rated
into its ledger rows (covered, overage past a cap or an exhausted bank, per-minute work
drawn from a deposit then charged, waivers, pay-as-you-go, non-billable), incidents
consumed at resolution, and a few goodwill adjustments.

Then, each in a child process of its own: the first month billed (`run_billing` or, with
`--via cli`, `deskpact bill run --period`), the same month again (a no-op) and the second
month (the rest). Beside each run the floor: one plain SQL aggregate over the same unbilled
rows (each organization's rows before the end of the month in its time zone, summed per
organization), timed the same way. Printed: wall time, peak memory (the child's maximum
RSS), rows billed, invoices created, statements and the slowest ones, the ratio to the
floor, and whether the invoices' subtotals add up to the ledger's charges.

First (`--verify N`, 2 by default) N contracts of each kind and unit are replayed through
the services themselves inside a transaction that is rolled back, and their rows compared
with the generated ones field by field. `--explain` shows the plans (EXPLAIN ANALYZE) of
the run's statements, from a run of the first month that is rolled back.

Speed is measured, never asserted: the script exits 0 unless something could not be run.
Every statement has a timeout and every child process a time limit.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
BENCH_DB = "deskpact_bench_billing"  # the only PostgreSQL database this drops or creates
PG_URL = f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}"
ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"

TARGET_SECONDS = 60.0
TARGET_MB = 500.0
TARGET_RATIO = 5.0

CHILDREN = ("floor", "bill", "verify", "explain")
KINDS = ["agreement", "capped", "bank", "per_incident", "per_minute", "payg"]
# code, units of the currency per euro (rates and fees scale with it), minor digits
CURRENCIES = [("EUR", "1", 2), ("USD", "1.1", 2), ("JPY", "160", 0), ("KWD", "0.33", 3)]
CURRENCIES += [("GBP", "0.85", 2)]
TIME_ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Tokyo",
    "Asia/Kuwait",
    "Pacific/Auckland",
    "America/Los_Angeles",
]
TAX_RATES = ["0", "19", "20", "8.875", "10"]
AGENTS = 20
AVG_MINUTES = 32  # work logs last 5..60 minutes
TABLES = [
    "accounts_organization",
    "accounts_user",
    "tickets_queue",
    "tickets_ticket",
    "contracts_contract",
    "contracts_bankblock",
    "contracts_worklog",
    "contracts_ledgerentry",
]


class BenchError(Exception):
    pass


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def months(today: date) -> tuple[date, date, date]:
    """The first days of the two last complete months and of the current one."""
    m3 = today.replace(day=1)
    m2 = (m3 - timedelta(days=1)).replace(day=1)
    m1 = (m2 - timedelta(days=1)).replace(day=1)
    return m1, m2, m3


# --- the database ---------------------------------------------------------------------


def connect(url: str, timeout_s: float) -> Any:
    import psycopg

    conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
    conn.execute(f"SET statement_timeout = {int(timeout_s * 1000)}")
    conn.execute("SET TimeZone = 'UTC'")  # dates become midnight UTC, as the services do
    return conn


def reset_db() -> None:
    """Drop and create the benchmark database, and only that one."""
    parsed = urlparse(PG_URL)
    if parsed.path.lstrip("/") != BENCH_DB or parsed.hostname != "127.0.0.1":
        raise BenchError(f"refusing to reset {PG_URL!r}")
    with connect(ADMIN_URL, 120) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')


def child_env(data_dir: Path) -> dict[str, str]:
    drop = {"DESKPACT_ENV", "DEBUG", "EMAIL_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "deskpact.settings",
            "DATABASE_URL": PG_URL,
            "DESKPACT_DATA_DIR": str(data_dir),
            "DESKPACT_TASKS": "immediate",
        }
    )
    return env


def migrate(env: dict[str, str], timeout: float) -> None:
    done = subprocess.run(
        [str(VENV_BIN / "deskpact"), "migrate", "--no-input", "--skip-checks", "-v", "0"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"deskpact migrate failed:\n{done.stderr[-3000:]}")


class Shape:
    """How much of everything, derived from --orgs and --logs."""

    def __init__(self, orgs: int, logs: int, today: date) -> None:
        self.orgs = orgs
        self.logs = logs
        self.second = orgs // 4  # organizations 4, 8, 12 ... hold a second contract
        self.contracts = orgs + self.second
        self.tickets = max(self.contracts, logs // 5)
        self.per_ticket = -(-logs // self.tickets)
        # Logs of one ticket spread over its first 40 hours; it is resolved after 2 days.
        self.step_minutes = max(1, 2400 // self.per_ticket)
        self.m1, self.m2, self.m3 = months(today)
        # A ticket opens in the two months, early enough to be resolved within them.
        self.span_minutes = ((self.m3 - self.m1).days - 3) * 24 * 60
        logs_per_contract = logs / self.contracts
        self.expected_minutes = max(60, int(logs_per_contract * AVG_MINUTES * 0.95))
        self.expected_incidents = max(2, int(self.tickets / self.contracts * 0.9))

    def params(self) -> dict[str, Any]:
        return {
            "orgs": self.orgs,
            "logs": self.logs,
            "second": self.second,
            "contracts": self.contracts,
            "tickets": self.tickets,
            "step": self.step_minutes,
            "span": self.span_minutes,
            "m1": self.m1,
            "m3": self.m3,
            "exp_min": self.expected_minutes,
            "exp_inc": self.expected_incidents,
            "agents": AGENTS,
            "kinds": KINDS,
            "codes": [code for code, _, _ in CURRENCIES],
            "tzs": TIME_ZONES,
            "taxes": TAX_RATES,
        }


# Every statement below writes what the contract services write for the same event
# (deskpact/contracts/lifecycle.py, work.py, incidents.py): same kinds, parts, units,
# quantities, rates, rounding (half up, once per row, to the currency's minor unit) and
# descriptions. Ids are given explicitly so that rows refer to each other by arithmetic;
# the sequences are moved past them at the end.
GENERATE: list[tuple[str, str]] = [
    (
        "currencies",
        """
        CREATE TEMP TABLE bench_currency (
            code text PRIMARY KEY, factor numeric, digits int, scale numeric);
        INSERT INTO bench_currency VALUES {currencies};
        """,
    ),
    (
        "organizations",
        """
        INSERT INTO accounts_organization
            (id, name, currency, time_zone, tax_rate, shares_tickets, created_at)
        SELECT i, 'Bench Organization ' || lpad(i::text, 6, '0'),
               (%(codes)s::text[])[1 + i %% 5],
               (%(tzs)s::text[])[1 + i %% 7], (%(taxes)s::numeric[])[1 + (i / 5) %% 5],
               false, %(m1)s::timestamptz - interval '60 days'
        FROM generate_series(1, %(orgs)s) i
        """,
    ),
    (
        "people and queue",
        """
        INSERT INTO tickets_queue (id, name, slug, email_address, web_form_enabled, is_default)
        VALUES (1, 'Support', 'support', 'support@bench.example', true, true);
        INSERT INTO accounts_user
            (id, password, is_superuser, email, name, role, is_active, created_at,
             must_change_password, organization_id)
        SELECT n, '!', false, 'agent' || n || '@bench.example', 'Agent ' || n, 'agent',
               true, %(m1)s::timestamptz - interval '60 days', false, NULL
        FROM generate_series(1, %(agents)s) n
        UNION ALL
        SELECT %(agents)s + i, '!', false, 'contact@org' || i || '.bench.example',
               'Contact ' || i, 'user', true, %(m1)s::timestamptz - interval '60 days',
               false, i
        FROM generate_series(1, %(orgs)s) i
        """,
    ),
    (
        "contracts",
        """
        WITH c AS (
            SELECT i AS id, i AS org, (i - 1) %% 6 AS k FROM generate_series(1, %(orgs)s) i
            UNION ALL
            SELECT %(orgs)s + i / 4, i, (i - 1 + 3) %% 6 FROM generate_series(4, %(orgs)s, 4) i
        ), d AS (
            SELECT c.id, c.org, (%(kinds)s::text[])[1 + c.k] AS kind, o.currency,
                   bc.factor, bc.scale
            FROM c JOIN accounts_organization o ON o.id = c.org
            JOIN bench_currency bc ON bc.code = o.currency
        ), u AS (
            SELECT d.*, CASE
                WHEN kind = 'per_incident' THEN 'incidents'
                WHEN kind = 'per_minute' THEN ''
                WHEN kind IN ('capped', 'bank') AND (id - 1) / 6 %% 2 = 1 THEN 'incidents'
                ELSE 'hours' END AS unit
            FROM d
        )
        INSERT INTO contracts_contract
            (id, name, kind, unit, starts_on, ends_on, status, channels, currency, fee_minor,
             hourly_rate, overage_rate, incident_rate, minute_rate, cap_units,
             threshold_units, threshold_minor, exhaustion, overdraft_units, rounding_minutes,
             minimum_minutes, incident_window_minutes, waiver_causes, covered_modules,
             contacts_policy, max_named_contacts, card_on_file, created_at,
             account_manager_id, organization_id, renews_id)
        SELECT id, 'Support ' || replace(kind, '_', ' ') || ' ' || id, kind, unit,
               %(m1)s::date, (%(m1)s::date + interval '1 year' - interval '1 day')::date,
               'active', '["web", "email", "phone", "api"]'::jsonb, currency,
               CASE kind WHEN 'agreement' THEN round(2500 * factor * scale)
                         WHEN 'capped' THEN round(1500 * factor * scale)
                         ELSE 0 END,
               CASE WHEN kind = 'payg' THEN round(97.5 * factor, 4) END,
               CASE WHEN kind IN ('capped', 'bank') AND unit = 'hours'
                        THEN round(135.25 * factor, 4)
                    WHEN kind IN ('capped', 'bank') THEN round(180.5 * factor, 4) END,
               CASE WHEN kind = 'per_incident' THEN round(145.55 * factor, 4) END,
               CASE WHEN kind = 'per_minute' THEN round(1.8375 * factor, 4) END,
               CASE WHEN kind = 'capped' AND unit = 'hours'
                        THEN greatest(60, %(exp_min)s * (2 + id %% 3) / 6 / 60 * 60)
                    WHEN kind = 'capped' THEN greatest(1, %(exp_inc)s * (2 + id %% 3) / 6)
                    END,
               0, 0, 'overage', NULL, (ARRAY[1, 6, 15])[1 + id %% 3],
               CASE WHEN id %% 5 = 0 THEN 30 ELSE 0 END,
               CASE WHEN id %% 2 = 0 THEN 120 ELSE 60 END,
               '["product_defect"]'::jsonb, '[]'::jsonb, 'any', 2, kind = 'per_minute',
               %(m1)s::timestamptz - interval '1 day', NULL, org, NULL
        FROM u
        """,
    ),
    (
        "fees",
        """
        INSERT INTO contracts_ledgerentry
            (kind, part, at, recorded_at, units, charge_minor, prepaid_minor, currency, rate,
             quantity, description, contract_id, organization_id)
        SELECT 'fee_due', 'charged', c.starts_on::timestamptz, c.created_at, 0, c.fee_minor,
               0, c.currency, NULL, 1, c.name || ': fee for the term from ' || c.starts_on,
               c.id, c.organization_id
        FROM contracts_contract c WHERE c.fee_minor > 0 ORDER BY c.id
        """,
    ),
    (
        "bank blocks",
        """
        INSERT INTO contracts_bankblock (id, units, price_minor, purchased_at, expires_on,
                                         contract_id)
        SELECT c.id,
               b.units,
               CASE WHEN c.unit = 'hours' THEN round(90 * bc.factor * b.units / 60.0
                                                     * bc.scale)
                    ELSE round(120 * bc.factor * b.units * bc.scale) END,
               %(m1)s::timestamptz + interval '1 hour', NULL, c.id
        FROM contracts_contract c JOIN bench_currency bc ON bc.code = c.currency
        CROSS JOIN LATERAL (SELECT CASE WHEN c.unit = 'hours'
            THEN greatest(60, %(exp_min)s * (4 + 3 * (c.id %% 4)) / 10 / 60 * 60)
            ELSE greatest(1, %(exp_inc)s * (4 + 3 * (c.id %% 4)) / 10) END AS units) b
        WHERE c.kind = 'bank';
        INSERT INTO contracts_ledgerentry
            (kind, part, at, recorded_at, units, charge_minor, prepaid_minor, currency, rate,
             quantity, description, contract_id, organization_id, block_id, actor_id)
        SELECT 'block_purchased', 'charged', b.purchased_at, b.purchased_at, b.units,
               b.price_minor, 0, c.currency, NULL,
               CASE WHEN c.unit = 'hours' THEN round(b.units / 60.0, 4) ELSE b.units END,
               'Block of ' || CASE WHEN c.unit = 'hours'
                   THEN trim_scale(round(b.units / 60.0, 4))::text || ' h'
                   ELSE b.units || ' incident' || CASE WHEN b.units = 1 THEN '' ELSE 's' END
                   END,
               c.id, c.organization_id, b.id, 1
        FROM contracts_bankblock b JOIN contracts_contract c ON c.id = b.contract_id
        ORDER BY b.id
        """,
    ),
    (
        "deposits",
        """
        INSERT INTO contracts_ledgerentry
            (kind, part, at, recorded_at, units, charge_minor, prepaid_minor, currency, rate,
             quantity, description, contract_id, organization_id, actor_id)
        SELECT 'deposit_paid', 'charged', %(m1)s::timestamptz + interval '1 hour',
               %(m1)s::timestamptz + interval '1 hour', 0, d.amount, d.amount, c.currency,
               NULL, 1,
               'Deposit of ' || round(d.amount / bc.scale, bc.digits)::text || ' '
                   || c.currency,
               c.id, c.organization_id, 1
        FROM contracts_contract c JOIN bench_currency bc ON bc.code = c.currency
        CROSS JOIN LATERAL (SELECT round(%(exp_min)s * c.minute_rate * bc.scale
                                         * (3 + 4 * (c.id %% 3)) / 10)::bigint AS amount) d
        WHERE c.kind = 'per_minute' ORDER BY c.id
        """,
    ),
    (
        "tickets",
        """
        INSERT INTO tickets_ticket
            (id, subject, body, status, priority, channel, cause, created_at, updated_at,
             first_response_at, resolved_at, closed_at, follows_id, organization_id,
             owner_id, queue_id, requester_id, submitter_id, contract_id, entitlement)
        SELECT j, 'Bench ticket ' || j, 'Generated for the billing benchmark.',
               CASE WHEN j %% 10 = 0 THEN 'open' ELSE 'resolved' END,
               'normal',
               CASE WHEN c.kind = 'per_minute' THEN 'phone'
                    ELSE (ARRAY['web', 'email', 'api'])[1 + j %% 3] END,
               CASE WHEN j %% 13 = 0 THEN 'product_defect' ELSE 'question' END,
               t.opened, coalesce(t.resolved, t.opened), t.opened + interval '1 hour',
               t.resolved, NULL, NULL, c.organization_id, 1 + j %% %(agents)s, 1,
               %(agents)s + c.organization_id, %(agents)s + c.organization_id, c.id,
               'entitled'
        FROM generate_series(1, %(tickets)s) j
        JOIN contracts_contract c ON c.id = (j - 1) %% %(contracts)s + 1
        CROSS JOIN LATERAL (SELECT
            %(m1)s::timestamptz + ((j::bigint * 2654435761) %% %(span)s) * interval '1 minute'
                AS opened) o
        CROSS JOIN LATERAL (SELECT o.opened,
            CASE WHEN j %% 10 = 0 THEN NULL ELSE o.opened + interval '2 days' END
                AS resolved) t
        """,
    ),
    (
        "work logs",
        """
        INSERT INTO contracts_worklog
            (id, started_at, minutes, channel, is_billable, note, created_at, agent_id,
             call_id, contract_id, logged_by_id, ticket_id)
        SELECT n, s.started, s.minutes, t.channel, n %% 20 <> 0, '',
               s.started + s.minutes * interval '1 minute', 1 + n %% %(agents)s, NULL,
               t.contract_id, 1 + n %% %(agents)s, t.id
        FROM generate_series(1, %(logs)s) n
        JOIN tickets_ticket t ON t.id = (n - 1) %% %(tickets)s + 1
        CROSS JOIN LATERAL (SELECT
            t.created_at + (((n - 1) / %(tickets)s) * %(step)s + n %% 7) * interval '1 minute'
                AS started,
            5 + (n * 7) %% 56 AS minutes) s
        """,
    ),
    (
        "work rated",
        """
        CREATE TEMP TABLE bench_work AS
        SELECT l.id AS log_id, l.ticket_id, l.started_at, l.created_at AS recorded_at,
               l.minutes, l.is_billable, c.id AS contract_id, c.organization_id, c.kind,
               c.unit, c.currency, c.cap_units, c.hourly_rate, c.overage_rate,
               c.minute_rate, bc.scale,
               c.waiver_causes ? t.cause AS waived,
               greatest(((l.minutes + c.rounding_minutes - 1) / c.rounding_minutes)
                        * c.rounding_minutes, c.minimum_minutes) AS m,
               (c.kind = 'per_incident' OR (c.kind IN ('capped', 'bank', 'payg')
                                            AND c.unit = 'incidents')) AS by_incident
        FROM contracts_worklog l
        JOIN contracts_contract c ON c.id = l.contract_id
        JOIN tickets_ticket t ON t.id = l.ticket_id
        JOIN bench_currency bc ON bc.code = c.currency;
        CREATE TEMP TABLE bench_rated AS
        WITH w AS (
            SELECT w.*, b.id AS block_id,
                   coalesce(b.units, w.cap_units) AS room,
                   coalesce(sum(w.m) FILTER (WHERE w.is_billable AND NOT w.by_incident)
                       OVER (PARTITION BY w.contract_id ORDER BY w.started_at, w.log_id
                             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS used,
                   round(w.minute_rate * w.m * w.scale) AS cost,
                   coalesce(sum(round(w.minute_rate * w.m * w.scale))
                       FILTER (WHERE w.is_billable AND NOT w.waived)
                       OVER (PARTITION BY w.contract_id ORDER BY w.started_at, w.log_id
                             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS spent,
                   dep.amount AS deposit
            FROM bench_work w
            LEFT JOIN contracts_bankblock b ON b.contract_id = w.contract_id
            LEFT JOIN (SELECT contract_id, sum(prepaid_minor) AS amount
                       FROM contracts_ledgerentry WHERE kind = 'deposit_paid'
                       GROUP BY contract_id) dep ON dep.contract_id = w.contract_id
        ), split AS (
            SELECT w.*, greatest(0, least(w.m, w.room - w.used)) AS covered FROM w
        )
        SELECT s.log_id, s.ticket_id, s.contract_id, s.organization_id, s.currency,
               s.started_at, s.recorded_at, r.*
        FROM split s CROSS JOIN LATERAL (
            -- not billable: tracked, whatever the contract
            SELECT 'tracked' AS part, 0 AS units, 0::bigint AS charge, 0::bigint AS prepaid,
                   NULL::numeric AS rate, round(s.minutes / 60.0, 4) AS quantity,
                   'Not billable' AS description, NULL::bigint AS block
            WHERE NOT s.is_billable
            UNION ALL
            SELECT 'tracked', 0, 0, 0, NULL, round(s.m / 60.0, 4), 'Counted at resolution',
                   NULL
            WHERE s.is_billable AND s.by_incident
            UNION ALL
            SELECT 'tracked', -s.m, 0, 0, NULL, round(s.m / 60.0, 4),
                   'Covered by the agreement', NULL
            WHERE s.is_billable AND s.kind = 'agreement'
            UNION ALL
            SELECT 'charged', -s.m, round(s.hourly_rate * s.m * s.scale / 60), 0,
                   s.hourly_rate, round(s.m / 60.0, 4), '', NULL
            WHERE s.is_billable AND s.kind = 'payg' AND NOT s.by_incident
            UNION ALL
            SELECT 'covered', -s.covered, 0, 0, NULL, round(s.covered / 60.0, 4),
                   CASE WHEN s.kind = 'bank' THEN 'From the bank' ELSE 'Within the cap' END,
                   s.block_id
            WHERE s.is_billable AND s.kind IN ('capped', 'bank') AND NOT s.by_incident
                  AND s.covered > 0
            UNION ALL
            SELECT 'overage', -(s.m - s.covered),
                   round(s.overage_rate * (s.m - s.covered) * s.scale / 60), 0,
                   s.overage_rate, round((s.m - s.covered) / 60.0, 4), 'Overage', NULL
            WHERE s.is_billable AND s.kind IN ('capped', 'bank') AND NOT s.by_incident
                  AND s.m > s.covered
            UNION ALL
            SELECT 'waived', -s.m, 0, 0, NULL, s.m::numeric, 'Waived: cause product defect',
                   NULL
            WHERE s.is_billable AND s.kind = 'per_minute' AND s.waived
            UNION ALL
            SELECT 'charged', -s.m,
                   s.cost - least(s.cost, greatest(0, s.deposit - s.spent)),
                   -least(s.cost, greatest(0, s.deposit - s.spent)),
                   s.minute_rate, s.m::numeric, 'Agent-minutes on a call', NULL
            WHERE s.is_billable AND s.kind = 'per_minute' AND NOT s.waived
        ) r;
        INSERT INTO contracts_ledgerentry
            (kind, part, at, recorded_at, units, charge_minor, prepaid_minor, currency, rate,
             quantity, description, contract_id, organization_id, block_id, ticket_id,
             work_log_id)
        SELECT 'work_rated', part, started_at, recorded_at, units, charge, prepaid,
               currency, rate, quantity, description, contract_id, organization_id, block,
               ticket_id, log_id
        FROM bench_rated ORDER BY started_at, log_id, block NULLS LAST
        """,
    ),
    (
        "incidents",
        """
        CREATE TEMP TABLE bench_incident AS
        WITH t AS (
            SELECT w.ticket_id, w.contract_id, w.organization_id, w.currency, w.kind,
                   w.overage_rate, w.scale, w.waived, tk.resolved_at,
                   c.incident_rate, c.incident_window_minutes AS window_minutes,
                   greatest(1, ceil(coalesce(sum(w.m) FILTER (WHERE w.is_billable), 0)
                                    / c.incident_window_minutes::numeric))::int AS n
            FROM bench_work w
            JOIN tickets_ticket tk ON tk.id = w.ticket_id
            JOIN contracts_contract c ON c.id = w.contract_id
            WHERE w.by_incident AND tk.resolved_at IS NOT NULL
            GROUP BY w.ticket_id, w.contract_id, w.organization_id, w.currency, w.kind,
                     w.overage_rate, w.scale, w.waived, tk.resolved_at, c.incident_rate,
                     c.incident_window_minutes
        ), u AS (
            SELECT t.*, b.id AS block_id, coalesce(b.units, c.cap_units) AS room,
                   coalesce(sum(t.n) OVER (PARTITION BY t.contract_id
                                           ORDER BY t.resolved_at, t.ticket_id
                                           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
                            0) AS used,
                   'DP-' || t.ticket_id || ': ' || t.n || ' incident'
                       || CASE WHEN t.n = 1 THEN '' ELSE 's' END AS label
            FROM t JOIN contracts_contract c ON c.id = t.contract_id
            LEFT JOIN contracts_bankblock b ON b.contract_id = t.contract_id
        ), s AS (
            SELECT u.*, greatest(0, least(u.n, u.room - u.used)) AS covered FROM u
        )
        SELECT s.ticket_id, s.contract_id, s.organization_id, s.currency, s.resolved_at,
               r.*
        FROM s CROSS JOIN LATERAL (
            SELECT 'waived' AS part, -s.n AS units, 0::bigint AS charge,
                   NULL::numeric AS rate, s.n::numeric AS quantity,
                   s.label || ', waived: cause product defect' AS description,
                   NULL::bigint AS block
            WHERE s.kind IN ('per_incident', 'payg') AND s.waived
            UNION ALL
            SELECT 'charged', -s.n, round(s.incident_rate * s.n * s.scale),
                   s.incident_rate, s.n::numeric, s.label, NULL
            WHERE s.kind IN ('per_incident', 'payg') AND NOT s.waived
            UNION ALL
            SELECT 'covered', -s.covered, 0, NULL, s.covered::numeric,
                   s.label || CASE WHEN s.kind = 'bank' THEN ', from the bank'
                                   ELSE ', within the cap' END,
                   CASE WHEN s.kind = 'bank' THEN s.block_id END
            WHERE s.kind IN ('capped', 'bank') AND s.covered > 0
            UNION ALL
            SELECT 'overage', -(s.n - s.covered),
                   round(s.overage_rate * (s.n - s.covered) * s.scale),
                   s.overage_rate, (s.n - s.covered)::numeric, s.label || ', overage', NULL
            WHERE s.kind IN ('capped', 'bank') AND s.n > s.covered
        ) r;
        INSERT INTO contracts_ledgerentry
            (kind, part, at, recorded_at, units, charge_minor, prepaid_minor, currency, rate,
             quantity, description, contract_id, organization_id, block_id, ticket_id)
        SELECT 'incident_consumed', part, resolved_at, resolved_at, units, charge, 0,
               currency, rate, quantity, description, contract_id, organization_id, block,
               ticket_id
        FROM bench_incident ORDER BY resolved_at, ticket_id, block NULLS LAST
        """,
    ),
    (
        "adjustments",
        """
        INSERT INTO contracts_ledgerentry
            (kind, part, at, recorded_at, units, charge_minor, prepaid_minor, currency, rate,
             quantity, description, contract_id, organization_id, actor_id)
        SELECT 'adjustment', '', %(m1)s::timestamptz + interval '20 days',
               %(m1)s::timestamptz + interval '20 days', 0,
               -round(50 * bc.factor * bc.scale), 0, c.currency, NULL, 0,
               'Goodwill credit for the outage on the 19th', c.id, c.organization_id, 1
        FROM contracts_contract c JOIN bench_currency bc ON bc.code = c.currency
        WHERE c.kind = 'agreement' AND c.id %% 10 = 1 ORDER BY c.id
        """,
    ),
]


def generate(conn: Any, shape: Shape) -> dict[str, float]:
    params = shape.params()
    values = ", ".join(
        f"('{code}', {factor}, {digits}, {10**digits})" for code, factor, digits in CURRENCIES
    )
    timings: dict[str, float] = {}
    for name, sql in GENERATE:
        started = time.monotonic()
        text = sql.replace("{currencies}", values)
        with conn.transaction():
            for statement in [s for s in text.split(";\n") if s.strip()]:
                uses = "%(" in statement
                conn.execute(statement, params if uses else None)
        timings[name] = round(time.monotonic() - started, 1)
        log(f"  {name}: {timings[name]} s")
    started = time.monotonic()
    for table in TABLES:
        conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
        )
        conn.execute(f"VACUUM ANALYZE {table}")
    timings["vacuum analyze"] = round(time.monotonic() - started, 1)
    return timings


def counts(conn: Any) -> dict[str, Any]:
    row = conn.execute(
        """SELECT (SELECT count(*) FROM accounts_organization),
                  (SELECT count(*) FROM contracts_contract),
                  (SELECT count(*) FROM tickets_ticket),
                  (SELECT count(*) FROM contracts_worklog),
                  (SELECT count(*) FROM contracts_ledgerentry)"""
    ).fetchone()
    by_kind = conn.execute(
        "SELECT kind, part, count(*), sum(charge_minor) FROM contracts_ledgerentry "
        "GROUP BY kind, part ORDER BY kind, part"
    ).fetchall()
    return {
        "organizations": row[0],
        "contracts": row[1],
        "tickets": row[2],
        "work_logs": row[3],
        "ledger_rows": row[4],
        "by_kind": [list(r) for r in by_kind],
    }


# --- the floor and the billing run, each in a child process -----------------------------

# The rows a run bills: each organization's rows before the end of the month in its own
# time zone that carry a charge or a waiver and that no live invoice line holds yet,
# summed per organization. Rows tracked at zero (covered work) are not invoiced.
FLOOR_SQL = """
SELECT l.organization_id, l.currency, count(*), sum(l.charge_minor)
FROM contracts_ledgerentry l
JOIN accounts_organization o ON o.id = l.organization_id
WHERE l.at < ((%(end)s::date)::timestamp AT TIME ZONE o.time_zone)
  AND (l.charge_minor <> 0 OR l.part = 'waived')
  AND NOT EXISTS (SELECT 1 FROM billing_invoiceline il
                  WHERE il.ledger_entry_id = l.id AND il.is_live)
GROUP BY l.organization_id, l.currency
"""


def _django(timeout_s: float) -> Any:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.db.backends.signals import connection_created

    def limit(sender: Any, connection: Any, **kwargs: Any) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {int(timeout_s * 1000)}")

    connection_created.connect(limit, weak=False)
    return connection


class _Rollback(Exception):
    pass


class Statements:
    """Every statement the child runs, with its time: how set-based the run is."""

    def __init__(self) -> None:
        self.seen: list[tuple[float, str]] = []

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seen.append(((time.perf_counter() - started) * 1000, sql))

    def summary(self, top: int = 5) -> dict[str, Any]:
        slowest = sorted(self.seen, key=lambda s: -s[0])[:top]
        return {
            "statements": len(self.seen),
            "sql_s": round(sum(ms for ms, _ in self.seen) / 1000, 3),
            "slowest": [{"ms": round(ms, 1), "sql": sql[:1500]} for ms, sql in slowest],
        }


# The same rows written once as invoice lines into a table shaped like the real one (its
# columns and indexes, no foreign keys or triggers), rolled back: the least a run that
# writes one line per row can cost.
WRITE_FLOOR_SQL = """
INSERT INTO bench_floor_line (invoice_id, ledger_entry_id, is_live, kind, part, description,
                              quantity, unit_price, amount_minor, at, position)
SELECT l.organization_id, l.id, true, l.kind, l.part, l.description, l.quantity, l.rate,
       l.charge_minor, l.at,
       row_number() OVER (PARTITION BY l.organization_id ORDER BY l.at, l.id)
FROM contracts_ledgerentry l
JOIN accounts_organization o ON o.id = l.organization_id
WHERE l.at < ((%(end)s::date)::timestamp AT TIME ZONE o.time_zone)
  AND (l.charge_minor <> 0 OR l.part = 'waived')
  AND NOT EXISTS (SELECT 1 FROM billing_invoiceline il
                  WHERE il.ledger_entry_id = l.id AND il.is_live)
"""


def child_floor(period_end: str, timeout_s: float) -> dict[str, Any]:
    connection = _django(timeout_s)
    from django.db import transaction

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        started = time.perf_counter()
        cursor.execute(FLOOR_SQL.replace("%(end)s", "%s"), [period_end])
        rows = cursor.fetchall()
        seconds = time.perf_counter() - started
    write_s = None
    with contextlib.suppress(_Rollback), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_floor_line (LIKE billing_invoiceline INCLUDING DEFAULTS "
            "INCLUDING IDENTITY INCLUDING INDEXES INCLUDING CONSTRAINTS)"
        )
        started = time.perf_counter()
        cursor.execute(WRITE_FLOOR_SQL.replace("%(end)s", "%s"), [period_end])
        write_s = time.perf_counter() - started
        raise _Rollback
    return {
        "seconds": round(seconds, 3),
        "write_s": round(write_s, 3) if write_s is not None else None,
        "organizations": len(rows),
        "rows": sum(r[2] for r in rows),
        "charge_minor": {f"{r[0]}": int(r[3]) for r in rows},
    }


def child_bill(period: str, timeout_s: float) -> dict[str, Any]:
    connection = _django(timeout_s)
    from django.db import transaction

    from deskpact.billing.services import run_billing

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    statements = Statements()
    started = time.perf_counter()
    with transaction.atomic():  # to time the commit (deferred constraints) on its own
        with connection.execute_wrapper(statements):
            run = run_billing(period=period, by=None)
        before_commit = time.perf_counter()
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 3),
        "commit_s": round(time.perf_counter() - before_commit, 3),
        "run_id": run.pk,
        "invoices_created": run.invoices_created,
        "lines_billed": run.lines_billed,
        "refusals": len(run.refusals or []),
        **statements.summary(),
    }


def child_explain(period: str, timeout_s: float) -> dict[str, Any]:
    """The plans of the run's statements over a few milliseconds, with their real timings:
    the run inside a transaction that is rolled back, each statement explained (EXPLAIN
    ANALYZE, in a savepoint rolled back) right before it runs for real."""
    connection = _django(timeout_s)
    from django.db import transaction

    from deskpact.billing.services import run_billing

    plans: list[dict[str, Any]] = []
    busy: list[int] = []

    def explain(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        head = sql.lstrip()[:6].upper()
        if not busy and not many and head in ("SELECT", "INSERT", "UPDATE", "WITH C", "DELETE"):
            busy.append(1)
            try:
                cursor = context["cursor"]
                cursor.execute("SAVEPOINT bench_explain")
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                lines = [row[0] for row in cursor.fetchall()]
                cursor.execute("ROLLBACK TO SAVEPOINT bench_explain")
            finally:
                busy.clear()
            total = next((ln for ln in lines if ln.startswith("Execution Time")), "")
            ms = float(total.split(":")[1].split()[0]) if total else 0.0
            plans.append({"ms": ms, "sql": " ".join(sql.split())[:400], "plan": lines})
        return execute(sql, params, many, context)

    with contextlib.suppress(_Rollback), transaction.atomic():
        with connection.execute_wrapper(explain):
            run_billing(period=period, by=None)
        raise _Rollback
    plans.sort(key=lambda p: -p["ms"])
    return {"plans": [p for p in plans if p["ms"] >= 5][:6]}


def child_verify(sample: str, timeout_s: float) -> dict[str, Any]:
    """Replay a sample of contracts through the contract services and compare.

    For a few contracts of each kind and unit, inside a transaction that is rolled back:
    their generated work and incident rows are set aside, each work log is rated again by
    the services' own rating (`work._rate_log`, in the order the logs were made) and each
    resolved ticket's incidents consumed again (`incidents.consume_incident`); the rows
    they write must be the generated ones, field by field."""
    _django(timeout_s)
    from django.db import transaction

    from deskpact.contracts import incidents, work
    from deskpact.contracts.models import Contract, LedgerEntry, WorkLog
    from deskpact.tickets.models import Ticket

    fields = [
        "kind",
        "part",
        "at",
        "units",
        "charge_minor",
        "prepaid_minor",
        "currency",
        "rate",
        "quantity",
        "description",
        "block_id",
        "ticket_id",
        "work_log_id",
    ]
    replayed = ("work_rated", "incident_consumed")
    per_kind = max(1, int(sample))
    checked: dict[str, int] = {}
    differences: list[dict[str, Any]] = []

    class Rollback(Exception):
        pass

    picks: list[Contract] = []
    for kind in KINDS:
        for unit in ("hours", "incidents", ""):
            picks += list(Contract.objects.filter(kind=kind, unit=unit).order_by("id")[:per_kind])
    for contract in picks:
        rows = LedgerEntry.objects.filter(contract=contract, kind__in=replayed)
        generated = sorted(tuple(str(v) for v in r) for r in rows.values_list(*fields))
        try:
            with transaction.atomic():
                rows.delete()
                logs = WorkLog.objects.filter(contract=contract).select_related("ticket")
                for wl in logs.order_by("started_at", "id"):
                    LedgerEntry.objects.bulk_create(
                        work._rate_log(contract, wl, wl.ticket.cause, wl.created_at)
                    )
                resolved = Ticket.objects.filter(contract=contract, resolved_at__isnull=False)
                for ticket in resolved.order_by("resolved_at", "id"):
                    if ticket.resolved_at is not None:
                        incidents.consume_incident(ticket, at=ticket.resolved_at)
                again = LedgerEntry.objects.filter(contract=contract, kind__in=replayed)
                services = sorted(tuple(str(v) for v in r) for r in again.values_list(*fields))
                raise Rollback(services)
        except Rollback as done:
            services = done.args[0]
        name = f"{contract.kind}/{contract.unit or '-'}"
        checked[name] = checked.get(name, 0) + len(generated)
        if services != generated:
            only_g = sorted(set(generated) - set(services))[:3]
            only_s = sorted(set(services) - set(generated))[:3]
            differences.append(
                {"contract": contract.pk, "kind": name, "generated": only_g, "services": only_s}
            )
    return {"rows_checked": checked, "contracts": len(picks), "differences": differences}


def run_child(
    argv: list[str], env: dict[str, str], timeout: float, out_dir: Path, name: str
) -> dict[str, Any]:
    """Run a child to its end (or kill it at `timeout`); its wall time and maximum RSS from
    wait4, and the JSON object on the last line of its stdout when it printed one."""
    stdout_path, stderr_path = out_dir / f"{name}.out", out_dir / f"{name}.err"
    with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
        started = time.monotonic()
        proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=stdout, stderr=stderr)
        status, usage = 0, None
        killed = False
        for _ in range(int(timeout * 20) + 100):
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > timeout and not killed:
                os.kill(proc.pid, signal.SIGKILL)
                killed = True
            time.sleep(0.05)
        else:
            os.kill(proc.pid, signal.SIGKILL)
            _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    if killed:
        raise BenchError(f"{name}: stopped after {timeout:g} s (see {stderr_path})")
    if proc.returncode != 0:
        tail = stderr_path.read_text(errors="replace")[-3000:]
        raise BenchError(f"{name}: exit {proc.returncode}:\n{tail}")
    lines = [ln for ln in stdout_path.read_text().splitlines() if ln.strip()]
    result: dict[str, Any] = json.loads(lines[-1]) if lines and lines[-1][:1] == "{" else {}
    result["wall_s"] = round(wall, 2)
    result["peak_mb"] = round(usage.ru_maxrss / 1024, 1) if usage else None
    return result


def month_end(period: str) -> str:
    year, month = (int(p) for p in period.split("-"))
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}-01"


def measure(
    period: str, args: argparse.Namespace, env: dict[str, str], out_dir: Path, label: str
) -> dict[str, Any]:
    me = [str(VENV_BIN / "python"), str(Path(__file__).resolve())]
    common = ["--statement-timeout", str(args.statement_timeout)]
    floor = run_child(
        [*me, "--child", "floor", "--period", month_end(period), *common],
        env,
        args.timeout,
        out_dir,
        f"floor-{label}",
    )
    if args.via == "cli":
        bill = run_child(
            [str(VENV_BIN / "deskpact"), "bill", "run", "--period", period],
            env,
            args.timeout,
            out_dir,
            f"bill-{label}",
        )
        bill["seconds"] = bill["wall_s"]
    else:
        bill = run_child(
            [*me, "--child", "bill", "--period", period, *common],
            env,
            args.timeout,
            out_dir,
            f"bill-{label}",
        )
    return {"label": label, "period": period, "floor": floor, "bill": bill}


def billed(conn: Any) -> dict[str, int]:
    """Invoices and billed rows (live lines holding a ledger row) in the database."""
    row = conn.execute(
        "SELECT (SELECT count(*) FROM billing_invoice), (SELECT count(*) FROM "
        "billing_invoiceline WHERE ledger_entry_id IS NOT NULL AND is_live)"
    ).fetchone()
    return {"invoices": row[0], "lines": row[1]}


def check_totals(conn: Any, run_id: int | None, floor: dict[str, Any]) -> dict[str, Any]:
    """The run's invoices against the floor: one per organization with rows, and each
    subtotal (before tax) equal to the sum of its rows' charges."""
    if run_id is None:
        return {}
    invoiced = dict(
        conn.execute(
            "SELECT organization_id, subtotal_minor FROM billing_invoice WHERE run_id = %s",
            [run_id],
        ).fetchall()
    )
    lines = conn.execute(
        "SELECT count(*) FROM billing_invoiceline il JOIN billing_invoice i "
        "ON i.id = il.invoice_id WHERE i.run_id = %s AND il.ledger_entry_id IS NOT NULL",
        [run_id],
    ).fetchone()[0]
    expected = {int(k): v for k, v in floor.get("charge_minor", {}).items()}
    differ = [o for o, v in expected.items() if o in invoiced and invoiced[o] != v]
    missing = [o for o in expected if o not in invoiced]
    return {
        "invoices": len(invoiced),
        "lines_with_rows": lines,
        "subtotal_differs": len(differ),
        "without_invoice": len(missing),
        "example": next(iter(differ or missing), None),
    }


# --- output -------------------------------------------------------------------------------


def _met(value: float | None, limit: float) -> str:
    if value is None:
        return "n/a"
    return "yes" if value < limit else "NO"


def table(results: list[dict[str, Any]]) -> list[str]:
    head = [
        "run",
        "period",
        "rows billed",
        "invoices",
        "statements",
        "billing s",
        "process s",
        "peak MB",
        "floor s",
        "ratio",
        "write floor s",
        "ratio",
        "targets (<60 s, <500 MB, <5x)",
    ]
    rows = [head]
    for r in results:
        bill, floor = r["bill"], r["floor"]
        ratio = bill["seconds"] / floor["seconds"] if floor.get("seconds") else None
        r["ratio"] = ratio
        write = floor.get("write_s")
        met = (
            f"{_met(bill['seconds'], TARGET_SECONDS)}, {_met(bill['peak_mb'], TARGET_MB)}, "
            f"{_met(ratio, TARGET_RATIO) if r['label'] != 're-run' else '-'}"
        )
        rows.append(
            [
                r["label"],
                r["period"],
                f"{r['new']['lines']:,}",
                f"{r['new']['invoices']:,}",
                str(bill.get("statements", "?")),
                f"{bill['seconds']:.2f}",
                f"{bill['wall_s']:.2f}",
                f"{bill['peak_mb']:.0f}",
                f"{floor['seconds']:.3f} ({floor['rows']:,} rows)",
                f"{ratio:.1f}x" if ratio else "n/a",
                f"{write:.3f}" if write else "n/a",
                f"{bill['seconds'] / write:.1f}x" if write else "n/a",
                met,
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


def git_revision() -> str:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        return done.stdout.strip()
    return ""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--orgs", type=int, default=None, help="organizations (10000)")
    parser.add_argument("--logs", type=int, default=None, help="work logs (1000000)")
    parser.add_argument("--quick", action="store_true", help="100 orgs, 10,000 logs")
    parser.add_argument(
        "--via",
        choices=["service", "cli"],
        default="service",
        help="run_billing in a child process (default) or `deskpact bill run --period`",
    )
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database of the last run (no reset)"
    )
    parser.add_argument("--timeout", type=float, default=900, help="per child process (s)")
    parser.add_argument(
        "--statement-timeout", type=float, default=600, help="per SQL statement (s)"
    )
    parser.add_argument("--out", default="/tmp/deskpact-bench", help="logs and results")
    parser.add_argument(
        "--generate-only", action="store_true", help="make the data, print counts, stop"
    )
    parser.add_argument(
        "--verify",
        type=int,
        default=2,
        metavar="N",
        help="replay N contracts of each kind through the services first (0: skip)",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="first show the plans of the run's statements (a run rolled back)",
    )
    parser.add_argument("--child", choices=list(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--period", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.orgs = args.orgs or 100
        args.logs = args.logs or 10_000
    args.orgs = args.orgs or 10_000
    args.logs = args.logs or 1_000_000
    if args.orgs < 6 or args.logs < args.orgs:
        parser.error("--orgs at least 6 and --logs at least --orgs")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        actions = {
            "floor": child_floor,
            "bill": child_bill,
            "verify": child_verify,
            "explain": child_explain,
        }
        action = actions[args.child]
        print(json.dumps(action(args.period, args.statement_timeout)), flush=True)
        return 0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    out = Path(args.out) / "billing"
    out.mkdir(parents=True, exist_ok=True)
    (Path(args.out) / "results").mkdir(parents=True, exist_ok=True)
    env = child_env(out / "data")
    shape = Shape(args.orgs, args.logs, date.today())
    first, second = f"{shape.m1:%Y-%m}", f"{shape.m2:%Y-%m}"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        print("run this with the project's venv: .venv/bin/python", file=sys.stderr)
        return 2
    try:
        timings: dict[str, float] = {}
        if not args.reuse:
            log(f"resetting {BENCH_DB} and migrating")
            started = time.monotonic()
            reset_db()
            migrate(env, args.timeout)
            timings["migrate"] = round(time.monotonic() - started, 1)
            log(
                f"generating {args.orgs:,} organizations, {shape.contracts:,} contracts, "
                f"{shape.tickets:,} tickets, {args.logs:,} work logs ({first} and {second})"
            )
            with connect(PG_URL, args.statement_timeout) as conn:
                timings.update(generate(conn, shape))
        with connect(PG_URL, args.statement_timeout) as conn:
            data = counts(conn)
        log(
            f"ledger: {data['ledger_rows']:,} rows for {data['work_logs']:,} work logs; "
            f"generated in {sum(v for k, v in timings.items() if k != 'migrate'):.0f} s"
        )
        if args.verify:
            log(f"replaying {args.verify} contracts of each kind through the services")
            me = [str(VENV_BIN / "python"), str(Path(__file__).resolve())]
            check = run_child(
                [*me, "--child", "verify", "--period", str(args.verify)],
                env,
                args.timeout,
                out,
                "verify",
            )
            rows = sum(check["rows_checked"].values())
            log(
                f"  {rows:,} rows of {check['contracts']} contracts replayed: "
                f"{len(check['differences'])} contracts differ"
            )
            for d in check["differences"][:5]:
                log(f"  differs: {json.dumps(d, default=str)[:1500]}")
            data["verify"] = check
        if args.generate_only:
            print(json.dumps(data, indent=1, default=str))
            return 0
        if not (ROOT / "deskpact" / "billing" / "services.py").exists():
            raise BenchError("deskpact/billing/services.py does not exist yet")
        plans: list[dict[str, Any]] = []
        if args.explain:
            log(f"explaining the statements of a run of {first} (rolled back)")
            me = [str(VENV_BIN / "python"), str(Path(__file__).resolve())]
            plans = run_child(
                [*me, "--child", "explain", "--period", first],
                env,
                args.timeout,
                out,
                "explain",
            )["plans"]
        results = []
        for label, period in (("first month", first), ("re-run", first), ("next month", second)):
            log(f"{label}: floor and billing of {period}")
            with connect(PG_URL, args.statement_timeout) as conn:
                before = billed(conn)
            result = measure(period, args, env, out, label.replace(" ", "-"))
            result["label"] = label
            with connect(PG_URL, args.statement_timeout) as conn:
                after = billed(conn)
                result["check"] = check_totals(conn, result["bill"].get("run_id"), result["floor"])
            result["new"] = {k: after[k] - before[k] for k in after}
            log(
                f"  {result['new']['lines']:,} rows billed on {result['new']['invoices']:,} "
                f"new invoices in {result['bill']['seconds']:.2f} s "
                f"(floor {result['floor']['seconds']:.3f} s)"
            )
            result["floor"].pop("charge_minor", None)
            results.append(result)
    except (BenchError, subprocess.SubprocessError, OSError, ImportError) as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # a database error: report it, it could not run
        print(f"FAILED: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1

    print()
    print(
        f"Billing on PostgreSQL: {data['organizations']:,} organizations, "
        f"{data['contracts']:,} contracts, {data['tickets']:,} tickets, "
        f"{data['work_logs']:,} work logs, {data['ledger_rows']:,} ledger rows"
    )
    print()
    print("\n".join(table(results)))
    print()
    for r in results:
        c = r.get("check") or {}
        if c:
            verdict = (
                "every subtotal equals its rows' charges"
                if not c["subtotal_differs"] and not c["without_invoice"]
                else f"{c['subtotal_differs']} subtotals differ, {c['without_invoice']} "
                f"organizations with rows got no invoice (e.g. organization {c['example']})"
            )
            print(f"{r['label']}: {c['invoices']:,} invoices, {verdict}")
    for r in results:
        slowest = r["bill"].get("slowest") or []
        if slowest:
            print(
                f"\nSlowest statements of the {r['label']} run ({r['bill']['sql_s']} s SQL, "
                f"commit {r['bill'].get('commit_s', '?')} s):"
            )
            for s in slowest[:3]:
                print(f"  {s['ms']:>9.1f} ms  {' '.join(s['sql'].split())[:300]}")
    if plans:
        print(f"\nPlans of the statements of a run of {first} over 5 ms (EXPLAIN ANALYZE):")
        for p in plans:
            print(f"\n  {p['ms']:.1f} ms: {p['sql'][:200]}")
            print("\n".join(f"    {line}" for line in p["plan"][:40]))
    document = {
        "benchmark": "billing",
        "db": "pg",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "revision": git_revision(),
        "command": " ".join([sys.executable, *sys.argv]),
        "settings": {"orgs": args.orgs, "logs": args.logs, "via": args.via},
        "data": data,
        "generate_s": timings,
        "results": results,
        "plans": plans,
        "rows": [
            {
                "label": f"billing {r['label']} ({r['period']})",
                "db": "pg",
                "tickets": data["tickets"],
                "rps": None,
                "p50_ms": round(r["bill"]["seconds"] * 1000),
                "p99_ms": None,
                "peer_rps": None,
                "peer_source": "floor",
                "ratio": round(r["ratio"], 2) if r.get("ratio") else None,
                "target": "< 60 s, < 500 MB, within 5x of the floor",
                "met": r["bill"]["seconds"] < TARGET_SECONDS
                and (r["bill"]["peak_mb"] or 0) < TARGET_MB
                and (r["label"] == "re-run" or (r.get("ratio") or 99) < TARGET_RATIO),
            }
            for r in results
        ],
    }
    path = Path(args.out) / "results" / "billing-pg.json"
    path.write_text(json.dumps(document, indent=2, default=str))
    log(f"wrote {path}")
    return 0


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    sys.exit(main())
