"""Database side of the tickets benchmark; run by run.py with the project's venv python.

    .venv/bin/python bench/tickets/helper.py reset-pg URL
    .venv/bin/python bench/tickets/helper.py setup
    .venv/bin/python bench/tickets/helper.py count
    .venv/bin/python bench/tickets/helper.py mail
    .venv/bin/python bench/tickets/helper.py seed TARGET
    .venv/bin/python bench/tickets/helper.py info
    .venv/bin/python bench/tickets/helper.py queries TOKEN REPEAT QUEUE_PATH

Every command but reset-pg runs inside Django with the environment run.py gives it
(DJANGO_SETTINGS_MODULE, DATABASE_URL, DESKPACT_DATA_DIR) and prints one JSON object on
its last line of stdout. Nothing here talks to the network except PostgreSQL on 127.0.0.1.
"""

from __future__ import annotations

import base64
import json
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlparse

ROOT = Path(__file__).resolve().parents[2]
BENCH_DB = "deskpact_bench_tickets"  # the only PostgreSQL database this drops or creates

AGENT_EMAIL = "bench-agent@deskpact.example"
CUSTOMER_EMAIL = "bench-customer@acme-bench.example"
PASSWORD = "quiet-orchard-velvet-93"
POOL_ORGS = 20
POOL_CUSTOMERS = 500
SEED_BATCH = 2000
# Words of seeded subjects and bodies; the search workload asks for some of them.
WORDS = [
    "printer",
    "invoice",
    "login",
    "vpn",
    "password",
    "mailbox",
    "laptop",
    "license",
    "renewal",
    "seat",
    "contract",
    "outage",
    "slow",
    "error",
    "crash",
    "refund",
    "upgrade",
    "billing",
    "sso",
    "export",
    "report",
]


def out(payload: dict[str, Any]) -> None:
    print(json.dumps(payload), flush=True)


def reset_pg(url: str) -> None:
    """Drop and create the benchmark database, and only that one."""
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if name != BENCH_DB or parsed.hostname not in ("127.0.0.1", "localhost"):
        raise SystemExit(f"refusing to reset {url!r}: only {BENCH_DB} on 127.0.0.1")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    out({"reset": BENCH_DB})


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deskpact.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def setup() -> None:
    """Migrate; an agent, a customer, their tokens, two queues and a pool of customers."""
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import transaction

    from deskpact.accounts import services
    from deskpact.accounts.models import Organization, User
    from deskpact.tickets.models import Queue

    call_command("migrate", interactive=False, verbosity=0)
    with transaction.atomic():
        Queue.objects.create(
            name="Support", slug="support", email_address="support@bench.example", is_default=True
        )
        Queue.objects.create(name="Billing", slug="billing", email_address="billing@bench.example")
        acme = services.save_organization(
            Organization(), by=None, name="Acme Bench", domains=["acme-bench.example"]
        )
        agent = services.create_user(
            email=AGENT_EMAIL, name="Bench Agent", role="agent", password=PASSWORD, by=None
        )
        customer = services.create_user(
            email=CUSTOMER_EMAIL,
            name="Bench Customer",
            role="user",
            organization=acme,
            password=PASSWORD,
            by=None,
        )
        orgs = Organization.objects.bulk_create(
            [Organization(name=f"Bench Customer Org {i}") for i in range(POOL_ORGS)]
        )
        unusable = make_password(None)
        User.objects.bulk_create(
            [
                User(
                    email=f"pool{i}@bench-org{i % POOL_ORGS}.example",
                    name=f"Pool Customer {i}",
                    role="user",
                    organization=orgs[i % POOL_ORGS],
                    password=unusable,
                )
                for i in range(POOL_CUSTOMERS)
            ]
        )
        _, agent_token = services.issue_api_token(agent, name="bench")
        _, customer_token = services.issue_api_token(customer, name="bench")
    out(
        {
            "agent_email": AGENT_EMAIL,
            "customer_email": CUSTOMER_EMAIL,
            "password": PASSWORD,
            "agent_token": agent_token,
            "customer_token": customer_token,
        }
    )


def count() -> None:
    from django.db.models import Max

    from deskpact.tickets.models import Ticket

    out({"tickets": Ticket.objects.count(), "max_id": Ticket.objects.aggregate(m=Max("id"))["m"]})


def mail() -> None:
    """How much outgoing mail the desk has stored, and how much of it is not sent yet."""
    from deskpact.mail.models import OutgoingMail

    out(
        {
            "outgoing": OutgoingMail.objects.count(),
            "unsent": OutgoingMail.objects.filter(sent_at__isnull=True).count(),
        }
    )


def seed(target: int) -> None:
    """Top the desk up to `target` tickets, each with its opening message and created event.

    Straight bulk_create, bypassing services and notifications: this only builds table
    size for the read workloads. Rows are spread over the last year, queues, customers,
    organizations, statuses and owners.
    """
    from django.db import connection, transaction
    from django.utils import timezone

    from deskpact.accounts.models import User
    from deskpact.tickets.models import Message, Queue, Ticket, TicketEvent

    have = Ticket.objects.count()
    need = max(0, target - have)
    rng = random.Random(7 + have)
    queues = list(Queue.objects.values_list("id", flat=True))
    agent_id = User.objects.get(email=AGENT_EMAIL).pk
    people = list(User.objects.filter(role="user").values_list("id", "organization_id"))
    statuses = ["new", "open", "open", "open", "pending", "on_hold", "resolved", "closed"]
    priorities = ["low", "normal", "normal", "normal", "high", "urgent"]
    channels = ["web", "email", "email", "api", "phone"]
    now = timezone.now()
    started = time.perf_counter()
    done = 0
    while done < need:
        n = min(SEED_BATCH, need - done)
        rows = []
        for i in range(n):
            created = now - timedelta(seconds=rng.randint(60, 365 * 24 * 3600))
            requester, org = rng.choice(people)
            status = rng.choice(statuses)
            rows.append(
                Ticket(
                    queue_id=rng.choice(queues),
                    subject=f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} issue "
                    f"#{have + done + i}",
                    body=" ".join(rng.choice(WORDS) for _ in range(70))[:500],
                    status=status,
                    priority=rng.choice(priorities),
                    channel=rng.choice(channels),
                    requester_id=requester,
                    submitter_id=requester,
                    organization_id=org,
                    owner_id=agent_id if rng.random() < 0.4 else None,
                    created_at=created,
                    updated_at=created,
                    resolved_at=created if status in ("resolved", "closed") else None,
                    closed_at=created if status == "closed" else None,
                )
            )
        with transaction.atomic():
            made = Ticket.objects.bulk_create(rows)
            if made[0].pk is None:  # backend did not return ids
                ids = list(Ticket.objects.order_by("-id").values_list("id", flat=True)[:n])[::-1]
                for ticket, pk in zip(made, ids, strict=True):
                    ticket.pk = ticket.id = pk
            Message.objects.bulk_create(
                Message(
                    ticket_id=t.pk,
                    author_id=t.requester_id,
                    body=t.body,
                    channel=t.channel,
                    created_at=t.created_at,
                )
                for t in made
            )
            TicketEvent.objects.bulk_create(
                TicketEvent(
                    ticket_id=t.pk,
                    actor_id=t.requester_id,
                    kind="created",
                    data={"channel": t.channel},
                    at=t.created_at,
                )
                for t in made
            )
        done += n
    seconds = time.perf_counter() - started
    analyzed = False
    if need and connection.vendor == "postgresql":
        # What autovacuum does shortly after a bulk load on a live desk.
        with connection.cursor() as cursor:
            for model in (Ticket, Message, TicketEvent):
                cursor.execute(f'VACUUM ANALYZE "{model._meta.db_table}"')
        analyzed = True
    out(
        {
            "seeded": done,
            "seconds": round(seconds, 1),
            "tickets": Ticket.objects.count(),
            "vacuum_analyze": analyzed,
        }
    )


def cursor_for(position: str) -> str:
    """The `cursor` query value (URL-quoted) DRF's CursorPagination writes for a page
    after `position`: base64 of `p=<position>`."""
    raw = base64.b64encode(urlencode({"p": position}).encode("ascii")).decode("ascii")
    return quote(raw, safe="")


def middle_position(total: int) -> str | None:
    """created_at of the ticket halfway down the newest-first list, as DRF's cursor has it."""
    from deskpact.tickets.models import Ticket

    rows = Ticket.objects.order_by("-created_at", "-id").values_list("created_at", flat=True)
    found = list(rows[total // 2 : total // 2 + 1])
    return str(found[0]) if found else None


def info() -> None:
    """Ids to read, and a cursor into the middle of the agent's list (newest first)."""
    from django.db.models import Max, Min

    from deskpact.tickets.models import Ticket

    agg = Ticket.objects.aggregate(lo=Min("id"), hi=Max("id"))
    total = Ticket.objects.count()
    middle = middle_position(total)
    out(
        {
            "tickets": total,
            "min_id": agg["lo"],
            "max_id": agg["hi"],
            "deep_cursor": cursor_for(middle) if middle else None,
            "deep_offset": total // 2,
            "search_words": ["printer", "invoice", "vpn", "refund", "mailbox", "outage"],
        }
    )


def queries(token: str, repeat: int, queue_path: str) -> None:
    """Statements and time per request of each read path, in process (Django test client)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from deskpact.accounts.models import User
    from deskpact.tickets.models import Ticket

    agent = User.objects.get(email=AGENT_EMAIL)
    newest = Ticket.objects.order_by("-created_at", "-id").first()
    key = newest.key if newest else "DP-1"
    api = Client(HTTP_AUTHORIZATION=f"Token {token}")
    web = Client()
    web.force_login(agent)
    middle = middle_position(Ticket.objects.count())
    paths = [
        ("api_detail", api, f"/api/v1/tickets/{key}/"),
        ("api_list", api, "/api/v1/tickets/"),
        ("api_list_deep", api, f"/api/v1/tickets/?cursor={cursor_for(middle or '')}"),
        ("web_detail", web, f"/console/tickets/{key}/"),
        ("web_queue", web, queue_path),
        ("search", api, "/api/v1/tickets/?q=printer"),
    ]
    result: dict[str, Any] = {}
    for name, client, path in paths:
        client.get(path)  # warm: templates, URL resolvers, prepared plans
        best: dict[str, Any] | None = None
        for _ in range(max(1, repeat)):
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                response = client.get(path)
                elapsed = (time.perf_counter() - t0) * 1000
            sql = [(float(q["time"]) * 1000, q["sql"]) for q in ctx.captured_queries]
            sample = {
                "status": response.status_code,
                "queries": len(sql),
                "ms": round(elapsed, 2),
                "sql_ms": round(sum(ms for ms, _ in sql), 2),
                "slowest": [
                    {"ms": round(ms, 2), "sql": text[:3000]}
                    for ms, text in sorted(sql, reverse=True)[:3]
                ],
            }
            if best is None or sample["ms"] < best["ms"]:
                best = sample
        if best and best["slowest"]:
            best["plan"] = query_plan(best["slowest"][0]["sql"])
        result[name] = {"path": path, **(best or {})}
    out({"queries": result})


def query_plan(sql: str) -> list[str]:
    """The plan of a captured SELECT (its parameters are already inlined)."""
    from django.db import connection

    if not sql.lstrip().upper().startswith("SELECT"):
        return []
    explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    try:
        with connection.cursor() as cursor:
            cursor.execute(explain + sql)
            return [" ".join(str(part) for part in row) for row in cursor.fetchall()]
    except Exception as exc:  # a plan is a nicety: never fail the benchmark over it
        return [f"(no plan: {exc})"]


def main(argv: list[str]) -> None:
    if not argv:
        raise SystemExit(__doc__)
    command, args = argv[0], argv[1:]
    if command == "reset-pg":
        reset_pg(args[0])
        return
    django_setup()
    if command == "setup":
        setup()
    elif command == "count":
        count()
    elif command == "mail":
        mail()
    elif command == "seed":
        seed(int(args[0]))
    elif command == "info":
        info()
    elif command == "queries":
        queries(args[0], int(args[1]), args[2])
    else:
        raise SystemExit(f"unknown command {command!r}\n{__doc__}")


if __name__ == "__main__":
    main(sys.argv[1:])
