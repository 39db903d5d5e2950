"""Full-text search documents of tickets, kept by database triggers (deskpact.tickets.search).

Triggers, not Python, keep the index so every write path is covered: services, the admin,
bulk_create, QuerySet.update() and raw SQL. The SQL differs per database and is frozen here:

- PostgreSQL: table ticket_search (rowid = ticket id) with public_document (subject A, body B,
  public replies C) and internal_document (internal notes, D), tsvector with a GIN index
  each, 'english' configuration; past 1 MB of lexemes (tsvector's limit) only the ends of a
  conversation are indexed (see ticket_search_documents). A new ticket is indexed from its
  row, new messages are appended to their documents (the frequent writes, ~0.1 ms each),
  edits and deletions rebuild the ticket's documents. Message inserts and deletions work
  per statement (transition tables), so bulk loads touch each ticket once per statement. No foreign key: test flushes TRUNCATE tickets_ticket, and a
  TRUNCATE trigger empties ticket_search instead.
- SQLite: FTS5 virtual table ticket_search(subject, body, public_messages, internal_messages),
  rowid = ticket id, tokenizer 'porter unicode61 remove_diacritics 2'. A new message is
  appended to its column; edits and deletions rebuild the ticket's message columns.

SQLite drops a table's triggers when Django remakes the table (most AlterField operations on
tickets_ticket or tickets_message): such a migration must create the triggers again.
tests/test_search.py checks that they exist.
"""

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

# --- PostgreSQL ---------------------------------------------------------------------------

POSTGRES_FORWARD = [
    """
    CREATE TABLE ticket_search (
        rowid bigint PRIMARY KEY,
        public_document tsvector NOT NULL,
        internal_document tsvector NOT NULL
    )
    """,
    "CREATE INDEX ticket_search_public_gin ON ticket_search USING gin (public_document)",
    "CREATE INDEX ticket_search_internal_gin ON ticket_search USING gin (internal_document)",
    """
    CREATE FUNCTION ticket_search_build(
        subject text, body text, replies text, notes text,
        OUT public_document tsvector, OUT internal_document tsvector
    ) LANGUAGE plpgsql STABLE AS $$
    BEGIN
        public_document := setweight(to_tsvector('english', subject), 'A')
            || setweight(to_tsvector('english', body), 'B')
            || setweight(to_tsvector('english', replies), 'C');
        internal_document := setweight(to_tsvector('english', notes), 'D');
    END $$
    """,
    # A tsvector holds at most 1 MB of lexemes and positions. Below 250 kB of text that
    # cannot be reached; above it (a very long conversation, pasted logs) an overflow must
    # not refuse the reply being written, so the documents fall back to the subject, the
    # first 20,000 characters of the body and the last 20,000 of replies and of notes (the
    # newest stay findable). Only that rare path pays for the exception block's
    # subtransaction.
    """
    CREATE FUNCTION ticket_search_documents(
        subject text, body text, replies text, notes text,
        OUT public_document tsvector, OUT internal_document tsvector
    ) LANGUAGE plpgsql STABLE AS $$
    BEGIN
        replies := coalesce(replies, '');
        notes := coalesce(notes, '');
        IF octet_length(subject) + octet_length(body) + octet_length(replies)
                + octet_length(notes) <= 250000 THEN
            SELECT * INTO public_document, internal_document
            FROM ticket_search_build(subject, body, replies, notes);
            RETURN;
        END IF;
        BEGIN
            SELECT * INTO public_document, internal_document
            FROM ticket_search_build(subject, body, replies, notes);
        EXCEPTION WHEN program_limit_exceeded THEN
            SELECT * INTO public_document, internal_document
            FROM ticket_search_build(
                subject, left(body, 20000), right(replies, 20000), right(notes, 20000)
            );
        END;
    END $$
    """,
    """
    CREATE FUNCTION ticket_search_refresh(ticket_ids bigint[]) RETURNS void
    LANGUAGE plpgsql AS $$
    BEGIN
        -- PL/pgSQL, not SQL, so the statement's plan is cached across calls.
        INSERT INTO ticket_search AS s (rowid, public_document, internal_document)
        SELECT t.id, d.public_document, d.internal_document
        FROM tickets_ticket t
        CROSS JOIN LATERAL ticket_search_documents(
            t.subject,
            t.body,
            (SELECT string_agg(m.body, E'\\n' ORDER BY m.id) FROM tickets_message m
             WHERE m.ticket_id = t.id AND NOT m.is_internal),
            (SELECT string_agg(m.body, E'\\n' ORDER BY m.id) FROM tickets_message m
             WHERE m.ticket_id = t.id AND m.is_internal)
        ) d
        WHERE t.id = ANY (ticket_ids)
        ON CONFLICT (rowid) DO UPDATE
        SET public_document = EXCLUDED.public_document,
            internal_document = EXCLUDED.internal_document;
    END $$
    """,
    # Tickets: new rows and changed subjects or bodies (per row), deletions (per statement),
    # TRUNCATE. A new ticket has no messages yet: its documents come from the row alone,
    # the cheapest path for the most frequent write (about 0.2 ms).
    """
    CREATE FUNCTION ticket_search_ticket_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO ticket_search AS s (rowid, public_document, internal_document)
        SELECT NEW.id, d.public_document, d.internal_document
        FROM ticket_search_documents(NEW.subject, NEW.body, '', '') d
        ON CONFLICT (rowid) DO UPDATE
        SET public_document = EXCLUDED.public_document,
            internal_document = EXCLUDED.internal_document;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER ticket_search_ticket_inserted
    AFTER INSERT ON tickets_ticket
    FOR EACH ROW EXECUTE FUNCTION ticket_search_ticket_inserted()
    """,
    """
    CREATE FUNCTION ticket_search_ticket_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM ticket_search_refresh(ARRAY[NEW.id]);
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER ticket_search_ticket_changed
    AFTER UPDATE OF subject, body ON tickets_ticket FOR EACH ROW
    WHEN (OLD.subject IS DISTINCT FROM NEW.subject OR OLD.body IS DISTINCT FROM NEW.body)
    EXECUTE FUNCTION ticket_search_ticket_changed()
    """,
    """
    CREATE FUNCTION ticket_search_tickets_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM ticket_search WHERE rowid IN (SELECT id FROM old_rows);
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER ticket_search_tickets_deleted
    AFTER DELETE ON tickets_ticket REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ticket_search_tickets_deleted()
    """,
    """
    CREATE FUNCTION ticket_search_tickets_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE ticket_search;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER ticket_search_tickets_truncated
    AFTER TRUNCATE ON tickets_ticket
    FOR EACH STATEMENT EXECUTE FUNCTION ticket_search_tickets_truncated()
    """,
    # Messages: new rows and deletions per statement, edits per row, TRUNCATE. New messages
    # are appended to their documents, once per ticket per statement (about 0.1 ms for a
    # reply, against 0.4 ms to rebuild even a short ticket; bulk loads touch each ticket
    # once). Appending is exact while the ticket's text stays under ticket_search_documents'
    # 250 kB bound; past it, or if a row is missing, the documents are rebuilt instead.
    """
    CREATE FUNCTION ticket_search_messages_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        rebuild bigint[];
    BEGIN
        WITH added AS (
            SELECT n.ticket_id,
                string_agg(n.body, E'\n' ORDER BY n.id) FILTER (WHERE NOT n.is_internal)
                    AS replies,
                string_agg(n.body, E'\n' ORDER BY n.id) FILTER (WHERE n.is_internal) AS notes
            FROM new_rows n GROUP BY n.ticket_id
        ), small AS (
            SELECT a.* FROM added a JOIN tickets_ticket t ON t.id = a.ticket_id
            WHERE octet_length(t.subject) + octet_length(t.body) + (
                SELECT coalesce(sum(octet_length(m.body)), 0) FROM tickets_message m
                WHERE m.ticket_id = a.ticket_id
            ) <= 250000
        ), appended AS (
            UPDATE ticket_search s SET
                public_document = CASE WHEN z.replies IS NULL THEN s.public_document
                    ELSE s.public_document || setweight(to_tsvector('english', z.replies), 'C')
                END,
                internal_document = CASE WHEN z.notes IS NULL THEN s.internal_document
                    ELSE s.internal_document || setweight(to_tsvector('english', z.notes), 'D')
                END
            FROM small z WHERE s.rowid = z.ticket_id
            RETURNING s.rowid
        )
        SELECT array_agg(a.ticket_id) INTO rebuild FROM added a
        WHERE a.ticket_id NOT IN (SELECT rowid FROM appended);
        IF rebuild IS NOT NULL THEN
            PERFORM ticket_search_refresh(rebuild);
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER ticket_search_messages_inserted
    AFTER INSERT ON tickets_message REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ticket_search_messages_inserted()
    """,
    """
    CREATE FUNCTION ticket_search_message_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM ticket_search_refresh(ARRAY[OLD.ticket_id, NEW.ticket_id]);
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER ticket_search_message_changed
    AFTER UPDATE OF body, is_internal, ticket_id ON tickets_message FOR EACH ROW
    WHEN (OLD.body IS DISTINCT FROM NEW.body OR OLD.is_internal IS DISTINCT FROM NEW.is_internal
          OR OLD.ticket_id IS DISTINCT FROM NEW.ticket_id)
    EXECUTE FUNCTION ticket_search_message_changed()
    """,
    """
    CREATE FUNCTION ticket_search_messages_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM ticket_search_refresh(ARRAY(SELECT DISTINCT ticket_id FROM old_rows));
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER ticket_search_messages_deleted
    AFTER DELETE ON tickets_message REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ticket_search_messages_deleted()
    """,
    """
    CREATE FUNCTION ticket_search_messages_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM ticket_search_refresh(ARRAY(SELECT id FROM tickets_ticket));
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER ticket_search_messages_truncated
    AFTER TRUNCATE ON tickets_message
    FOR EACH STATEMENT EXECUTE FUNCTION ticket_search_messages_truncated()
    """,
    # Tickets that exist already.
    "SELECT ticket_search_refresh(ARRAY(SELECT id FROM tickets_ticket))",
]

POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS ticket_search_messages_truncated ON tickets_message",
    "DROP TRIGGER IF EXISTS ticket_search_messages_deleted ON tickets_message",
    "DROP TRIGGER IF EXISTS ticket_search_message_changed ON tickets_message",
    "DROP TRIGGER IF EXISTS ticket_search_messages_inserted ON tickets_message",
    "DROP TRIGGER IF EXISTS ticket_search_tickets_truncated ON tickets_ticket",
    "DROP TRIGGER IF EXISTS ticket_search_tickets_deleted ON tickets_ticket",
    "DROP TRIGGER IF EXISTS ticket_search_ticket_changed ON tickets_ticket",
    "DROP TRIGGER IF EXISTS ticket_search_ticket_inserted ON tickets_ticket",
    "DROP FUNCTION IF EXISTS ticket_search_messages_truncated()",
    "DROP FUNCTION IF EXISTS ticket_search_messages_deleted()",
    "DROP FUNCTION IF EXISTS ticket_search_message_changed()",
    "DROP FUNCTION IF EXISTS ticket_search_messages_inserted()",
    "DROP FUNCTION IF EXISTS ticket_search_tickets_truncated()",
    "DROP FUNCTION IF EXISTS ticket_search_tickets_deleted()",
    "DROP FUNCTION IF EXISTS ticket_search_ticket_changed()",
    "DROP FUNCTION IF EXISTS ticket_search_ticket_inserted()",
    "DROP FUNCTION IF EXISTS ticket_search_refresh(bigint[])",
    "DROP FUNCTION IF EXISTS ticket_search_documents(text, text, text, text)",
    "DROP FUNCTION IF EXISTS ticket_search_build(text, text, text, text)",
    "DROP TABLE IF EXISTS ticket_search",
]

# --- SQLite -------------------------------------------------------------------------------

# The messages of one ticket, public or internal, in the order they were written.
_SQLITE_MESSAGES = """coalesce((
    SELECT group_concat(body, char(10)) FROM (
        SELECT m.body FROM tickets_message m
        WHERE m.ticket_id = {ticket} AND m.is_internal = {internal} ORDER BY m.id
    )
), '')"""

_SQLITE_REBUILD_MESSAGES = f"""
    UPDATE ticket_search SET
        public_messages = {_SQLITE_MESSAGES.format(ticket="ticket_search.rowid", internal=0)},
        internal_messages = {_SQLITE_MESSAGES.format(ticket="ticket_search.rowid", internal=1)}
"""

SQLITE_FORWARD = [
    """
    CREATE VIRTUAL TABLE ticket_search USING fts5(
        subject, body, public_messages, internal_messages,
        tokenize = 'porter unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER ticket_search_ticket_inserted AFTER INSERT ON tickets_ticket BEGIN
        INSERT OR REPLACE INTO ticket_search
            (rowid, subject, body, public_messages, internal_messages)
        VALUES (NEW.id, NEW.subject, NEW.body, '', '');
    END
    """,
    """
    CREATE TRIGGER ticket_search_ticket_changed AFTER UPDATE OF subject, body ON tickets_ticket
    WHEN NEW.subject IS NOT OLD.subject OR NEW.body IS NOT OLD.body BEGIN
        UPDATE ticket_search SET subject = NEW.subject, body = NEW.body WHERE rowid = NEW.id;
    END
    """,
    """
    CREATE TRIGGER ticket_search_ticket_deleted AFTER DELETE ON tickets_ticket BEGIN
        DELETE FROM ticket_search WHERE rowid = OLD.id;
    END
    """,
    # Appending is the common case (a reply or note); FTS5 rewrites the ticket's row.
    """
    CREATE TRIGGER ticket_search_message_inserted AFTER INSERT ON tickets_message BEGIN
        UPDATE ticket_search SET
            public_messages = CASE WHEN NEW.is_internal THEN public_messages
                                   ELSE public_messages || char(10) || NEW.body END,
            internal_messages = CASE WHEN NEW.is_internal
                                     THEN internal_messages || char(10) || NEW.body
                                     ELSE internal_messages END
        WHERE rowid = NEW.ticket_id;
    END
    """,
    f"""
    CREATE TRIGGER ticket_search_message_changed
    AFTER UPDATE OF body, is_internal, ticket_id ON tickets_message
    WHEN NEW.body IS NOT OLD.body OR NEW.is_internal IS NOT OLD.is_internal
         OR NEW.ticket_id IS NOT OLD.ticket_id BEGIN
        {_SQLITE_REBUILD_MESSAGES} WHERE rowid IN (OLD.ticket_id, NEW.ticket_id);
    END
    """,
    f"""
    CREATE TRIGGER ticket_search_message_deleted AFTER DELETE ON tickets_message BEGIN
        {_SQLITE_REBUILD_MESSAGES} WHERE rowid = OLD.ticket_id;
    END
    """,
    # Tickets that exist already.
    f"""
    INSERT INTO ticket_search (rowid, subject, body, public_messages, internal_messages)
    SELECT t.id, t.subject, t.body,
        {_SQLITE_MESSAGES.format(ticket="t.id", internal=0)},
        {_SQLITE_MESSAGES.format(ticket="t.id", internal=1)}
    FROM tickets_ticket t
    """,
]

SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS ticket_search_message_deleted",
    "DROP TRIGGER IF EXISTS ticket_search_message_changed",
    "DROP TRIGGER IF EXISTS ticket_search_message_inserted",
    "DROP TRIGGER IF EXISTS ticket_search_ticket_deleted",
    "DROP TRIGGER IF EXISTS ticket_search_ticket_changed",
    "DROP TRIGGER IF EXISTS ticket_search_ticket_inserted",
    "DROP TABLE IF EXISTS ticket_search",
]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor not in ("postgresql", "sqlite"):
            raise RuntimeError(f"Ticket search supports PostgreSQL and SQLite, not {vendor}.")
        for sql in statements[vendor]:
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("tickets", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="TicketSearch",
            fields=[
                (
                    "ticket",
                    models.OneToOneField(
                        db_column="rowid",
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="search_document",
                        serialize=False,
                        to="tickets.ticket",
                    ),
                ),
                (
                    "public_document",
                    django.contrib.postgres.search.SearchVectorField(editable=False),
                ),
                (
                    "internal_document",
                    django.contrib.postgres.search.SearchVectorField(editable=False),
                ),
                ("fts", models.TextField(db_column="ticket_search", editable=False)),
            ],
            options={
                "db_table": "ticket_search",
                "managed": False,
                "base_manager_name": "objects",
            },
        ),
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
