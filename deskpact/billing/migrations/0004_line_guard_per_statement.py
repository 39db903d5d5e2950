"""On PostgreSQL, new invoice lines are checked against their invoices once per statement.

A billing run inserts every line of the month with one statement; the row-level guard of
migration 0003 looked up the invoice once per line. Inserts are now checked by an AFTER
INSERT trigger FOR EACH STATEMENT that reads the statement's new lines (`REFERENCING NEW
TABLE`) and refuses the whole statement when any of them belongs to an invoice that is not
a draft. Updates and deletes keep the row-level guard, unchanged. The protection is the same
as before: lines of an issued, paid or void invoice cannot be added, changed or deleted,
except that voiding releases them (`is_live` true -> false). SQLite keeps its triggers.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def _raise(message: str) -> str:
    return f"RAISE EXCEPTION '%', {message} USING ERRCODE = 'integrity_constraint_violation'"


_LINE_CHANGED = _raise("'invoice_immutable: lines of an issued invoice cannot change'")

# The guard of 0003 for updates and deletes (its INSERT branch is no longer reached).
_ROW_GUARD = f"""
    CREATE OR REPLACE FUNCTION billing_invoiceline_guard() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        old_status text;
        new_status text;
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            SELECT status INTO old_status FROM billing_invoice WHERE id = OLD.invoice_id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            SELECT status INTO new_status FROM billing_invoice WHERE id = NEW.invoice_id;
        END IF;
        IF TG_OP = 'UPDATE' AND old_status = 'void' AND OLD.is_live AND NOT NEW.is_live
            AND (to_jsonb(NEW) - 'is_live') = (to_jsonb(OLD) - 'is_live') THEN
            RETURN NEW;  -- voiding releases the line's ledger row
        END IF;
        IF COALESCE(old_status, 'draft') <> 'draft'
            OR COALESCE(new_status, 'draft') <> 'draft' THEN
            {_LINE_CHANGED};
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END $$
"""

FORWARD = [
    "DROP TRIGGER IF EXISTS billing_invoiceline_guard ON billing_invoiceline",
    _ROW_GUARD,
    """
    CREATE TRIGGER billing_invoiceline_guard BEFORE UPDATE OR DELETE
    ON billing_invoiceline FOR EACH ROW EXECUTE FUNCTION billing_invoiceline_guard()
    """,
    f"""
    CREATE FUNCTION billing_invoiceline_insert_guard() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (
            SELECT 1 FROM billing_invoice i
            WHERE i.status <> 'draft'
              AND i.id IN (SELECT DISTINCT n.invoice_id FROM new_lines n)
        ) THEN
            {_LINE_CHANGED};
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER billing_invoiceline_insert_guard AFTER INSERT ON billing_invoiceline
    REFERENCING NEW TABLE AS new_lines
    FOR EACH STATEMENT EXECUTE FUNCTION billing_invoiceline_insert_guard()
    """,
]

BACKWARD = [
    "DROP TRIGGER IF EXISTS billing_invoiceline_insert_guard ON billing_invoiceline",
    "DROP FUNCTION IF EXISTS billing_invoiceline_insert_guard()",
    "DROP TRIGGER IF EXISTS billing_invoiceline_guard ON billing_invoiceline",
    """
    CREATE TRIGGER billing_invoiceline_guard BEFORE INSERT OR UPDATE OR DELETE
    ON billing_invoiceline FOR EACH ROW EXECUTE FUNCTION billing_invoiceline_guard()
    """,
]


def _run(schema_editor: Any, statements: list[str]) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite keeps the row-level triggers of 0003
    with schema_editor.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)  # no parameters: the bodies hold literal % signs


def forward(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, FORWARD)


def backward(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("billing", "0003_protect_issued_invoices")]

    operations = [migrations.RunPython(forward, backward)]
