"""Indexes the agents and contracts reports need on other apps' tables.

Measured with bench/reports/run.py (a quarter at 100,000 tickets): without them each of
these range filters reads its whole table. Plain column lists, so both databases take the
same statements:

- report_event_status_at: status changes in a range (tickets handled: who resolved what).
  Only `status` events: creations, replies and assignments, the frequent ones, skip it.
- report_ledger_charged_at: charges in a range (revenue by kind and month, unbilled work);
  rows that charge nothing (covered and tracked work, blocks, deposits) are left out.
- report_message_author_at: each agent's public replies in a range (tickets handled), read
  from the index alone, one agent after the other. Not partial, so that it also serves the
  author foreign key's checks: the single-column author index becomes redundant.

The first two are partial, so only the rows a report can ask for pay the extra write.
Tickets resolved in a range (resolution times) get none: at 100,000 tickets an index on
resolved_at saved nothing measurable over the scan (sorting the durations is the cost), and
almost every ticket would be in it.
"""

from django.db import migrations

INDEXES = [
    (
        "report_event_status_at",
        "tickets_ticketevent (at) WHERE kind = 'status'",
    ),
    (
        "report_ledger_charged_at",
        "contracts_ledgerentry (at) WHERE charge_minor <> 0",
    ),
    (
        "report_message_author_at",
        "tickets_message (author_id, created_at, is_internal, ticket_id)",
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0005_ticket_contract_ticket_entitlement"),
        ("contracts", "0002_incident_once_per_block"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {name} ON {definition}",
            reverse_sql=f"DROP INDEX IF EXISTS {name}",
        )
        for name, definition in INDEXES
    ]
