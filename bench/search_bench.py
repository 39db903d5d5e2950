"""Ticket search at scale: seed N tickets with ~3 messages each, then time searches.

    .venv/bin/python bench/search_bench.py --tickets 100000                  # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/search_bench.py --tickets 100000              # PostgreSQL

Dev data is never touched. SQLite runs in a temporary DESKPACT_DATA_DIR; PostgreSQL in a
database `deskpact_bench` created beside the one DATABASE_URL names and dropped at the end
(--keep keeps either). Rows go in with bulk_create in batches, so the database triggers do
all the indexing, as they would for an import. Then 50 typical queries (--searches) run
through search_tickets() for an agent who sees every ticket and for a customer who sees
their organization's, timing the first page of 25 and the count a paginator asks for
(search_tickets returns at most MAX_RESULTS, the newest matches, ranked).
Seeding stops after --max-seconds, so a run is bounded; the report says how far it got.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BENCH_DATABASE = "deskpact_bench"
PAGE = 25

# Support vocabulary, most frequent first (Zipf-like), beside everyday words and a few
# thousand made-up filler words, so that query words range from very common to rare.
_SUPPORT = """
problem error please help login password email printer invoice account access update
slow server network vpn outlook license install crash refund report backup file laptop
phone screen calendar timeout certificate database upgrade firewall wifi browser sync
mailbox quota payment renewal contract migration export import permission locked reset
monitor keyboard driver toner scanner overdue portal api token webhook latency outage
disk memory cpu kernel patch release rollback deploy cluster replica index query
"""
_COMMON = """
the a is not to and it my we of in on for with since after when our this that cannot
does still again now today yesterday works working broken fails failed shows getting
"""
SUPPORT_WORDS = _SUPPORT.split()
COMMON_WORDS = _COMMON.split()
FILLER_WORDS = 3_000
QUERIES = [
    "printer",
    "password reset",
    "invoice",
    "vpn timeout",
    "login",
    "outlook calendar",
    "backup failed",
    "license renewal",
    "crash",
    "refund",
    "certificate",
    "webhook latency",
    "toner scanner",
    "pass",
    "migr",
    "disk memory",
    "rollback deploy",
    "error",
    "firewall wifi",
    "kernel patch",
    "mailbox quota locked",
    "replica",
    "overdue payment",
    "screen",
    "keyboard driver",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--messages", type=float, default=3.0, help="per ticket, on average")
    parser.add_argument("--searches", type=int, default=50)
    parser.add_argument("--batch", type=int, default=2_000)
    parser.add_argument("--max-seconds", type=float, default=1_800, help="seeding budget")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()

    cleanup = _prepare_database(keep=args.keep)
    try:
        _run(args)
    finally:
        cleanup()


def _prepare_database(*, keep: bool) -> Callable[[], None]:
    """Point Django at a throwaway database; return what removes it afterwards."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "deskpact.settings"
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        parts = urlsplit(url)
        # The maintenance database, as Django's test runner uses; else the one named.
        admin_url = urlunsplit(parts._replace(path="/postgres"))
        try:
            psycopg.connect(admin_url).close()
        except psycopg.OperationalError:
            admin_url = url
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{BENCH_DATABASE}"))
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")
            admin.execute(f"CREATE DATABASE {BENCH_DATABASE}")
        print(f"PostgreSQL database {BENCH_DATABASE}")

        def drop() -> None:
            from django.db import connections

            connections.close_all()
            if keep:
                return
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")

        return drop
    if url and not url.startswith("sqlite"):
        sys.exit(f"search_bench runs on PostgreSQL or SQLite, not {url.split(':')[0]}")
    data_dir = tempfile.mkdtemp(prefix="deskpact-bench-")
    os.environ.pop("DATABASE_URL", None)
    os.environ["DESKPACT_DATA_DIR"] = data_dir
    print(f"SQLite in {data_dir}")

    def remove() -> None:
        from django.db import connections

        connections.close_all()
        if not keep:
            shutil.rmtree(data_dir, ignore_errors=True)

    return remove


def _run(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    rng = random.Random(42)
    agent, customer, seeded, messages, seconds = _seed(args, rng)
    print(
        f"seeded {seeded:,} tickets and {messages:,} messages in {seconds:.1f} s "
        f"({seeded / seconds:,.0f} tickets/s with their messages, indexed by triggers)"
    )
    if seeded < args.tickets:
        print(f"  stopped at --max-seconds {args.max_seconds:.0f}: {args.tickets:,} not reached")
    with connection.cursor() as cursor:
        # What autovacuum would have done by the time anyone searches.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        if connection.vendor == "postgresql":
            cursor.execute("SET statement_timeout = '10s'")
    queries = [QUERIES[i % len(QUERIES)] for i in range(args.searches)]
    rng.shuffle(queries)
    from deskpact.tickets.search import MAX_RESULTS

    print(
        f"{len(queries)} searches: first page of {PAGE}, then the count a paginator asks for"
        f" (at most MAX_RESULTS = {MAX_RESULTS:,}):"
    )
    for label, user in (("agent", agent), ("customer", customer)):
        _time_searches(label, user, queries)


def _seed(args: argparse.Namespace, rng: random.Random) -> tuple[Any, Any, int, int, float]:
    from django.db import transaction

    from deskpact.accounts.models import Organization, User
    from deskpact.tickets.models import Message, Queue, Ticket

    started = time.perf_counter()
    queue = Queue.objects.create(name="Support", slug="support", is_default=True)
    agent = User.objects.create(email="agent@desk.example", name="Agent", role=User.Role.AGENT)
    org_count = max(10, args.tickets // 500)
    orgs = Organization.objects.bulk_create(
        Organization(name=f"Customer {n}", shares_tickets=n % 2 == 0) for n in range(org_count)
    )
    contacts = User.objects.bulk_create(
        User(email=f"c{n}@customer{o.pk}.example", name=f"Contact {n}", organization=o)
        for o in orgs
        for n in range(5)
    )
    customer = contacts[0]  # organization 0 shares its tickets: this contact sees ~500
    syllables = ["ka", "lo", "mi", "ter", "van", "shu", "bre", "dox", "pel", "qui", "zor", "fen"]
    filler = sorted({"".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(9_000)})
    filler = filler[:FILLER_WORDS]
    rng.shuffle(filler)
    # Of every 100 words: 12 support words, 38 everyday ones, 50 filler; Zipf inside each.
    words, weights = [], []
    for pool, share in ((SUPPORT_WORDS, 12), (COMMON_WORDS, 38), (filler, 50)):
        zipf = [1 / (rank + 1) for rank in range(len(pool))]
        words += pool
        weights += [share * w / sum(zipf) for w in zipf]
    cumulative = list(itertools.accumulate(weights))

    def text(low: int, high: int) -> str:
        return " ".join(rng.choices(words, cum_weights=cumulative, k=rng.randint(low, high)))

    start_at = datetime(2024, 1, 1, tzinfo=UTC)
    seeded = messages = 0
    for size in _batches(args.tickets, args.batch):
        if time.perf_counter() - started > args.max_seconds:
            break
        with transaction.atomic():
            rows = []
            for n in range(seeded, seeded + size):
                requester = contacts[rng.randrange(len(contacts))]
                at = start_at + timedelta(minutes=n * 7)
                rows.append(
                    Ticket(
                        queue=queue,
                        subject=text(3, 8).capitalize(),
                        body=text(15, 60),
                        channel=Ticket.Channel.EMAIL,
                        requester=requester,
                        submitter=requester,
                        organization=requester.organization,
                        created_at=at,
                        updated_at=at,
                    )
                )
            tickets = Ticket.objects.bulk_create(rows)
            thread = []
            for ticket in tickets:
                for k in range(rng.randint(0, round(args.messages * 2))):
                    internal = rng.random() < 0.25
                    thread.append(
                        Message(
                            ticket=ticket,
                            author=agent if internal or k % 2 == 0 else ticket.requester,
                            body=text(8, 40),
                            is_internal=internal,
                            channel=Ticket.Channel.EMAIL,
                            created_at=ticket.created_at + timedelta(hours=k + 1),
                        )
                    )
            Message.objects.bulk_create(thread)
        seeded += size
        messages += len(thread)
        if seeded % (args.batch * 10) == 0:
            print(f"  {seeded:,} tickets, {time.perf_counter() - started:.0f} s", flush=True)
    return agent, customer, seeded, messages, time.perf_counter() - started


def _batches(total: int, size: int) -> Iterator[int]:
    for start in range(0, total, size):
        yield min(size, total - start)


def _time_searches(label: str, user: Any, queries: list[str]) -> None:
    from deskpact.tickets.search import search_tickets
    from deskpact.tickets.selectors import tickets_visible_to

    def page(q: str) -> None:
        list(search_tickets(tickets_visible_to(user), q, include_internal=user.is_agent)[:PAGE])

    for q in queries[:5]:  # warm the caches the way a running desk has them warm
        page(q)
    pages, counts, matches = [], [], []
    for q in queries:
        began = time.perf_counter()
        page(q)
        pages.append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        found = search_tickets(tickets_visible_to(user), q, include_internal=user.is_agent)
        matches.append(found.count())
        counts.append((time.perf_counter() - began) * 1000)
    print(
        f"  {label:<8} page  p50 {_pct(pages, 50):7.1f} ms  p99 {_pct(pages, 99):7.1f} ms"
        f"   count p50 {_pct(counts, 50):7.1f} ms  p99 {_pct(counts, 99):7.1f} ms"
        f"   matches median {statistics.median(matches):,.0f} max {max(matches):,}"
    )


def _pct(samples: list[float], percent: int) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))]


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
