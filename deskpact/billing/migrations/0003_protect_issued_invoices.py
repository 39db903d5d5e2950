"""Database-level protection of issued invoices, their lines and credit notes.

Services refuse these writes first; the triggers make sure nothing else (the shell, a raw
UPDATE, a future bug) can change what a customer was sent. Once an invoice leaves draft its
number, period, organization, currency, tax rate and money never change; its status may only
move issued -> paid or issued -> void, and it cannot be deleted. Lines of an invoice that is
not a draft cannot be added, changed or deleted, except that voiding releases them
(`is_live` true -> false) so the rows can be billed again. Credit notes never change.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

_PROTECTED = (
    "number",
    "period_start",
    "period_end",
    "organization_id",
    "currency",
    "tax_rate",
    "subtotal_minor",
    "tax_minor",
    "total_minor",
    "issued_at",
    "due_on",
    "created_at",
    "run_id",
)

_SQLITE_CHANGED = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in _PROTECTED)
_PG_CHANGED = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in _PROTECTED)

_STATUS_OK = (
    "(NEW.status = OLD.status"
    " OR (OLD.status = 'issued' AND NEW.status IN ('paid', 'void'))"
    " OR (OLD.status = 'draft' AND NEW.status = 'issued'))"
)
_STAMPS_OK = (
    "(NEW.paid_at IS NOT DISTINCT FROM OLD.paid_at OR NEW.status <> OLD.status)"
    " AND (NEW.voided_at IS NOT DISTINCT FROM OLD.voided_at OR NEW.status <> OLD.status)"
)

SQLITE = [
    f"""
    CREATE TRIGGER billing_invoice_immutable BEFORE UPDATE ON billing_invoice
    FOR EACH ROW WHEN NOT {_STATUS_OK}
        OR (OLD.status <> 'draft' AND ({_SQLITE_CHANGED}
            OR (NEW.paid_at IS NOT OLD.paid_at AND NEW.status = OLD.status)
            OR (NEW.voided_at IS NOT OLD.voided_at AND NEW.status = OLD.status)))
    BEGIN SELECT RAISE(ABORT, 'invoice_immutable: an issued invoice cannot change'); END
    """,
    """
    CREATE TRIGGER billing_invoice_no_delete BEFORE DELETE ON billing_invoice
    FOR EACH ROW WHEN OLD.status <> 'draft'
    BEGIN SELECT RAISE(ABORT, 'invoice_immutable: an issued invoice cannot be deleted'); END
    """,
    """
    CREATE TRIGGER billing_invoiceline_no_insert BEFORE INSERT ON billing_invoiceline
    FOR EACH ROW WHEN (SELECT status FROM billing_invoice WHERE id = NEW.invoice_id) <> 'draft'
    BEGIN SELECT RAISE(ABORT, 'invoice_immutable: lines of an issued invoice cannot change');
    END
    """,
    """
    CREATE TRIGGER billing_invoiceline_no_update BEFORE UPDATE ON billing_invoiceline
    FOR EACH ROW WHEN
        ((SELECT status FROM billing_invoice WHERE id = NEW.invoice_id) <> 'draft'
            OR (SELECT status FROM billing_invoice WHERE id = OLD.invoice_id) <> 'draft')
        AND NOT ((SELECT status FROM billing_invoice WHERE id = OLD.invoice_id) = 'void'
            AND OLD.is_live AND NOT NEW.is_live
            AND NEW.invoice_id IS OLD.invoice_id
            AND NEW.ledger_entry_id IS OLD.ledger_entry_id
            AND NEW.kind IS OLD.kind AND NEW.part IS OLD.part
            AND NEW.description IS OLD.description AND NEW.quantity IS OLD.quantity
            AND NEW.unit_price IS OLD.unit_price AND NEW.amount_minor IS OLD.amount_minor
            AND NEW.at IS OLD.at AND NEW.position IS OLD.position)
    BEGIN SELECT RAISE(ABORT, 'invoice_immutable: lines of an issued invoice cannot change');
    END
    """,
    """
    CREATE TRIGGER billing_invoiceline_no_delete BEFORE DELETE ON billing_invoiceline
    FOR EACH ROW WHEN (SELECT status FROM billing_invoice WHERE id = OLD.invoice_id) <> 'draft'
    BEGIN SELECT RAISE(ABORT, 'invoice_immutable: lines of an issued invoice cannot change');
    END
    """,
    """
    CREATE TRIGGER billing_creditnote_immutable BEFORE UPDATE ON billing_creditnote
    FOR EACH ROW WHEN NEW.amount_minor IS NOT OLD.amount_minor OR NEW.number IS NOT OLD.number
        OR NEW.invoice_id IS NOT OLD.invoice_id OR NEW.issued_at IS NOT OLD.issued_at
    BEGIN SELECT RAISE(ABORT, 'invoice_immutable: a credit note cannot change'); END
    """,
    """
    CREATE TRIGGER billing_creditnote_no_delete BEFORE DELETE ON billing_creditnote
    FOR EACH ROW
    BEGIN SELECT RAISE(ABORT, 'invoice_immutable: a credit note cannot be deleted'); END
    """,
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS billing_invoice_immutable",
    "DROP TRIGGER IF EXISTS billing_invoice_no_delete",
    "DROP TRIGGER IF EXISTS billing_invoiceline_no_insert",
    "DROP TRIGGER IF EXISTS billing_invoiceline_no_update",
    "DROP TRIGGER IF EXISTS billing_invoiceline_no_delete",
    "DROP TRIGGER IF EXISTS billing_creditnote_immutable",
    "DROP TRIGGER IF EXISTS billing_creditnote_no_delete",
]


def _raise(message: str) -> str:
    return f"RAISE EXCEPTION '%', {message} USING ERRCODE = 'integrity_constraint_violation'"


_INVOICE_DELETED = _raise("'invoice_immutable: an issued invoice cannot be deleted'")
_INVOICE_CHANGED = _raise("'invoice_immutable: an issued invoice cannot change'")
_STATUS_REFUSED = _raise(
    "'invoice_immutable: status cannot move from ' || OLD.status || ' to ' || NEW.status"
)
_LINE_CHANGED = _raise("'invoice_immutable: lines of an issued invoice cannot change'")
_NOTE_DELETED = _raise("'invoice_immutable: a credit note cannot be deleted'")
_NOTE_CHANGED = _raise("'invoice_immutable: a credit note cannot change'")

POSTGRESQL = [
    f"""
    CREATE FUNCTION billing_invoice_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            IF OLD.status <> 'draft' THEN
                {_INVOICE_DELETED};
            END IF;
            RETURN OLD;
        END IF;
        IF NOT {_STATUS_OK} THEN
            {_STATUS_REFUSED};
        END IF;
        IF OLD.status <> 'draft' AND (({_PG_CHANGED}) OR NOT ({_STAMPS_OK})) THEN
            {_INVOICE_CHANGED};
        END IF;
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER billing_invoice_guard BEFORE UPDATE OR DELETE ON billing_invoice
    FOR EACH ROW EXECUTE FUNCTION billing_invoice_guard()
    """,
    f"""
    CREATE FUNCTION billing_invoiceline_guard() RETURNS trigger LANGUAGE plpgsql AS $$
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
    """,
    """
    CREATE TRIGGER billing_invoiceline_guard BEFORE INSERT OR UPDATE OR DELETE
    ON billing_invoiceline FOR EACH ROW EXECUTE FUNCTION billing_invoiceline_guard()
    """,
    f"""
    CREATE FUNCTION billing_creditnote_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            {_NOTE_DELETED};
        END IF;
        IF NEW.amount_minor IS DISTINCT FROM OLD.amount_minor
            OR NEW.number IS DISTINCT FROM OLD.number
            OR NEW.invoice_id IS DISTINCT FROM OLD.invoice_id
            OR NEW.issued_at IS DISTINCT FROM OLD.issued_at THEN
            {_NOTE_CHANGED};
        END IF;
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER billing_creditnote_guard BEFORE UPDATE OR DELETE ON billing_creditnote
    FOR EACH ROW EXECUTE FUNCTION billing_creditnote_guard()
    """,
]

POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS billing_invoice_guard ON billing_invoice",
    "DROP FUNCTION IF EXISTS billing_invoice_guard()",
    "DROP TRIGGER IF EXISTS billing_invoiceline_guard ON billing_invoiceline",
    "DROP FUNCTION IF EXISTS billing_invoiceline_guard()",
    "DROP TRIGGER IF EXISTS billing_creditnote_guard ON billing_creditnote",
    "DROP FUNCTION IF EXISTS billing_creditnote_guard()",
]


def _run(schema_editor: Any, statements: dict[str, list[str]]) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in statements:
        raise RuntimeError(f"No invoice protection written for {vendor}.")
    with schema_editor.connection.cursor() as cursor:
        for statement in statements[vendor]:
            cursor.execute(statement)  # no parameters: the bodies hold literal % signs


def protect(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, {"sqlite": SQLITE, "postgresql": POSTGRESQL})


def unprotect(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, {"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP})


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_live_lines")]

    operations = [migrations.RunPython(protect, unprotect)]
