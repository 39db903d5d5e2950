"""Every write of billing: runs, issuing, paying, voiding and crediting invoices.

A run is set-based: a handful of statements per period whatever the number of ledger rows
(drafts created in bulk, lines inserted with one INSERT … SELECT, totals in one pass).

What a run bills: every unbilled ledger row of the organization whose `at` falls before the
end of the period in the organization's time zone (rows of earlier periods logged late land
on this invoice; an organization already invoiced for the period keeps them for the next) and
that either charges something (`charge_minor` ≠ 0: term fees, blocks,
deposits, overage, per-incident and per-minute charges beyond the deposit, pay-as-you-go
work, adjustments, which may be negative) or is a waiver (shown at 0 with its reason). Rows
that charge nothing and waive nothing (tracked work, work covered by a cap, a bank or a
deposit, expiries) are not invoice lines: they were paid for by the fee, block or deposit
line that bought them. An organization whose only rows are waivers gets a draft at 0, which
may be issued at 0; a draft with no lines cannot be issued.

Voiding an invoice releases its ledger rows (`InvoiceLine.is_live` false), so the next run
bills them again on a new invoice; the void invoice keeps its lines as history.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from deskpact.accounts.models import Organization
from deskpact.billing import invoice_math, numbering, periods
from deskpact.billing.errors import (
    BadPeriod,
    BillingRefused,
    CurrencyMismatch,
    EmptyInvoice,
    InvoiceImmutable,
)
from deskpact.billing.models import BillingRun, CreditNote, Invoice, InvoiceLine
from deskpact.contracts.models import LedgerEntry
from deskpact.core import audit
from deskpact.core.money import Money
from deskpact.tickets.models import KEY_PREFIX

if TYPE_CHECKING:
    from deskpact.accounts.models import User

PAYMENT_TERM = timedelta(days=30)
# Serialises billing runs on PostgreSQL (SQLite lets one writer in at a time anyway).
_RUN_LOCK_KEY = 0x0B1_111


# ---------------------------------------------------------------------------------------
# Billing runs


@dataclass(frozen=True)
class _Candidate:
    organization_id: int
    name: str
    currency: str
    foreign_currency: str | None


def _placeholder_ts() -> str:
    return "CAST(%s AS timestamp with time zone)" if connection.vendor == "postgresql" else "%s"


def _placeholder_text() -> str:
    return "CAST(%s AS text)" if connection.vendor == "postgresql" else "%s"


def _cutoffs(period: periods.Period, at: datetime) -> tuple[list[tuple[str, datetime]], list[str]]:
    """(zone, end of the period there) for every zone in use where the period has ended, and
    the zones where it is still running."""
    zones = sorted(
        set(Organization.objects.order_by().values_list("time_zone", flat=True).distinct())
    )
    ended: list[tuple[str, datetime]] = []
    running: list[tuple[str, datetime]] = []
    for name in zones:
        try:
            end = periods.ends_at(period, name)
        except BadPeriod:
            continue  # an organization with an unknown zone is reported below
        (ended if at >= end else running).append((name, end))
    return ended, [z for z, _ in running]


def _cutoff_cte(cutoffs: list[tuple[str, datetime]]) -> tuple[str, list[Any]]:
    row = f"({_placeholder_text()}, {_placeholder_ts()})"
    sql = "cutoff(time_zone, ends_at) AS (VALUES " + ", ".join([row] * len(cutoffs)) + ")"
    params: list[Any] = []
    for name, end in cutoffs:
        params += [name, connection.ops.adapt_datetimefield_value(end)]
    return sql, params


def _billable(join: str = "") -> str:
    """FROM … WHERE of the rows a run bills, once `cutoff` names each zone's end of the
    period; `join` adds a join before the WHERE."""
    return f"""
        FROM {LedgerEntry._meta.db_table} le
        JOIN {Organization._meta.db_table} o ON o.id = le.organization_id
        JOIN cutoff c ON c.time_zone = o.time_zone
        {join}
        WHERE le.at < c.ends_at
          AND (le.charge_minor <> 0 OR le.part = 'waived')
          AND NOT EXISTS (
              SELECT 1 FROM {InvoiceLine._meta.db_table} bl
              WHERE bl.ledger_entry_id = le.id AND bl.is_live
          )
    """


def _candidates(cte: str, params: list[Any]) -> list[_Candidate]:
    sql = f"""
        WITH {cte}
        SELECT o.id, o.name, o.currency,
               MIN(CASE WHEN le.currency <> o.currency THEN le.currency END)
        {_billable()}
        GROUP BY o.id, o.name, o.currency
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [_Candidate(*row) for row in cursor.fetchall()]


def _lock_runs() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_RUN_LOCK_KEY])


def _refusal(organization_id: int, name: str, error: BillingRefused | BadPeriod) -> dict:
    return {
        "organization_id": organization_id,
        "name": name,
        "code": error.code,
        "message": error.message,
    }


@transaction.atomic
def run_billing(
    *, period: str | date, by: User | None = None, at: datetime | None = None
) -> BillingRun:
    """Turn each organization's unbilled ledger rows up to the end of `period` (a month in
    its own time zone) into lines of its draft invoice for the period; idempotent.

    Organizations that cannot be billed (ledger rows in another currency than the
    organization's, or a month not yet over in their zone) are skipped and listed in the
    run's `refusals`; the others are billed."""
    at = at or timezone.now()
    month = periods.parse_period(period)
    periods.check_billable(month, at)
    _lock_runs()
    run = BillingRun.objects.create(
        period_start=month.first_day, period_end=month.last_day, started_at=at, started_by=by
    )
    refusals: list[dict] = []
    cutoffs, running = _cutoffs(month, at)
    if running:
        waiting = (
            LedgerEntry.objects.filter(organization__time_zone__in=running)
            .filter(~Q(charge_minor=0) | Q(part=LedgerEntry.Part.WAIVED))
            .exclude(invoice_lines__is_live=True)
            .order_by("organization_id")
            .values_list("organization_id", "organization__name", "organization__time_zone")
            .distinct()
        )
        for org_id, name, zone in waiting:
            error = BadPeriod(f"{month} has not ended yet in {zone}: {name} was not billed.")
            refusals.append(_refusal(org_id, name, error))
    created = lines = 0
    if cutoffs:
        created, lines = _bill(run, month, cutoffs, refusals)
    run.invoices_created, run.lines_billed = created, lines
    run.refusals, run.finished_at = refusals, at
    run.save(update_fields=["invoices_created", "lines_billed", "refusals", "finished_at"])
    audit.record(
        "billing.run",
        run,
        actor=by,
        after={"period": str(month), "invoices_created": created, "lines_billed": lines},
        at=at,
    )
    return run


def _bill(
    run: BillingRun,
    month: periods.Period,
    cutoffs: list[tuple[str, datetime]],
    refusals: list[dict],
) -> tuple[int, int]:
    """Drafts, lines and totals for the organizations whose month has ended."""
    cte, cte_params = _cutoff_cte(cutoffs)
    candidates = _candidates(cte, cte_params)
    drafts = {
        d.organization_id: d
        for d in Invoice.objects.select_for_update()
        .filter(status=Invoice.Status.DRAFT, period_start=month.first_day)
        .order_by("id")
    }
    # An organization already invoiced for the period keeps its late rows for the next
    # period's invoice; a re-run does not open a second invoice for the month.
    invoiced = set(
        Invoice.objects.filter(
            period_start=month.first_day,
            status__in=[Invoice.Status.ISSUED, Invoice.Status.PAID],
        ).values_list("organization_id", flat=True)
    )
    candidates = [c for c in candidates if c.organization_id not in invoiced]
    refused: set[int] = set()
    for c in sorted(candidates, key=lambda c: c.organization_id):
        draft = drafts.get(c.organization_id)
        other = c.foreign_currency or (
            draft.currency if draft and draft.currency != c.currency else None
        )
        if other:
            refused.add(c.organization_id)
            refusals.append(
                _refusal(
                    c.organization_id,
                    c.name,
                    CurrencyMismatch(
                        f"{c.name} bills in {c.currency} but has unbilled charges in {other}: "
                        f"nothing was billed for {c.name}.",
                        field="currency",
                    ),
                )
            )
    new = sorted(
        c.organization_id
        for c in candidates
        if c.organization_id not in refused and c.organization_id not in drafts
    )
    _create_drafts(run, month, new)
    lines = _insert_lines(run.pk, month, cte, cte_params, refused)
    _set_totals(month, refused)
    return len(new), lines


def _id_list(ids: Sequence[int]) -> tuple[str, list[Any]]:
    """A condition "is one of `ids`" and its one parameter, whatever their number."""
    if connection.vendor == "postgresql":
        return "= ANY(CAST(%s AS bigint[]))", [list(ids)]
    return "IN (SELECT value FROM json_each(%s))", [json.dumps(list(ids))]


def _create_drafts(run: BillingRun, month: periods.Period, organization_ids: list[int]) -> None:
    """One draft per organization in `organization_ids`, in its currency at its tax rate,
    with one INSERT … SELECT."""
    if not organization_ids:
        return
    chosen, chosen_params = _id_list(organization_ids)
    invoice, organization = Invoice._meta.db_table, Organization._meta.db_table
    sql = f"""
        INSERT INTO {invoice} (organization_id, run_id, status, period_start, period_end,
                               currency, tax_rate, subtotal_minor, tax_minor, total_minor,
                               created_at)
        SELECT o.id, %s, %s, %s, %s, o.currency, o.tax_rate, 0, 0, 0, {_placeholder_ts()}
        FROM {organization} o
        WHERE o.id {chosen}
        ORDER BY o.id
    """
    ops = connection.ops
    params: list[Any] = [
        run.pk,
        Invoice.Status.DRAFT.value,
        ops.adapt_datefield_value(month.first_day),
        ops.adapt_datefield_value(month.last_day),
        ops.adapt_datetimefield_value(run.started_at),
        *chosen_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            # The planner has never seen these drafts: without statistics it expects one
            # and plans the lines' INSERT … SELECT around that.
            cursor.execute(f"ANALYZE {invoice}")


def _insert_lines(
    run_id: int, month: periods.Period, cte: str, cte_params: list[Any], refused: set[int]
) -> int:
    labels = LedgerEntry.Kind.choices
    what = (
        "CASE WHEN le.description <> '' THEN le.description "
        + " ".join("WHEN le.kind = %s THEN %s" for _ in labels)
        + " ELSE le.kind END"
    )
    # Work names its ticket (incident rows already do), so a customer can match the line.
    describe = (
        "CASE WHEN le.kind = 'work_rated' AND le.ticket_id IS NOT NULL "
        f"THEN '{KEY_PREFIX}' || CAST(le.ticket_id AS TEXT) || ': ' || ({what}) ELSE ({what}) END"
    )
    describe_params: list[Any] = [v for pair in labels for v in pair] * 2
    exclude = ""
    if refused:
        exclude = "AND le.organization_id NOT IN (" + ", ".join(["%s"] * len(refused)) + ")"
    line, invoice = InvoiceLine._meta.db_table, Invoice._meta.db_table
    # Each draft's lines follow the ones it already has: `start` is its last position,
    # looked up once per draft and only for drafts of earlier runs (a new one has none).
    draft = (
        f"JOIN {invoice} i ON i.organization_id = le.organization_id"
        " AND i.status = 'draft' AND i.period_start = %s AND i.currency = o.currency"
        " LEFT JOIN start s ON s.invoice_id = i.id"
    )
    start = f"""
        start(invoice_id, last) AS (
            SELECT x.invoice_id, MAX(x.position)
            FROM {line} x JOIN {invoice} d ON d.id = x.invoice_id
            WHERE d.status = 'draft' AND d.period_start = %s
              AND (d.run_id IS NULL OR d.run_id <> %s)
            GROUP BY x.invoice_id
        )
    """
    sql = f"""
        INSERT INTO {line} (invoice_id, ledger_entry_id, is_live, kind, part, description,
                            quantity, unit_price, amount_minor, at, position)
        WITH {cte}, {start}
        SELECT i.id, le.id, %s, le.kind, le.part, {describe},
               le.quantity, le.rate, le.charge_minor, le.at,
               COALESCE(s.last, 0)
                 + ROW_NUMBER() OVER (PARTITION BY i.id ORDER BY le.at, le.id)
        {_billable(draft)}
          AND le.currency = o.currency
          {exclude}
    """
    first_day = connection.ops.adapt_datefield_value(month.first_day)
    params: list[Any] = [
        *cte_params,
        first_day,
        run_id,
        True,
        *describe_params,
        first_day,
        *sorted(refused),
    ]
    # The CTE goes after INSERT: SQLite's driver counts rows only for statements that start
    # with INSERT.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def _set_totals(month: periods.Period, refused: set[int]) -> None:
    """Subtotal, tax and total of every draft of the period, from its lines, in one pass;
    tax is rounded in Python (SQL rounding differs between databases)."""
    invoice, line = Invoice._meta.db_table, InvoiceLine._meta.db_table
    exclude = ""
    exclude_params: list[Any] = []
    if refused:
        condition, exclude_params = _id_list(sorted(refused))
        exclude = f"AND NOT (i.organization_id {condition})"
    sql = f"""
        SELECT i.id, i.subtotal_minor, i.tax_minor, i.total_minor, i.tax_rate, o.tax_rate,
               COALESCE(SUM(l.amount_minor), 0)
        FROM {invoice} i
        JOIN {Organization._meta.db_table} o ON o.id = i.organization_id
        LEFT JOIN {line} l ON l.invoice_id = i.id
        WHERE i.status = %s AND i.period_start = %s {exclude}
        GROUP BY i.id, i.subtotal_minor, i.tax_minor, i.total_minor, i.tax_rate, o.tax_rate
        ORDER BY i.id
    """
    params = [
        Invoice.Status.DRAFT.value,
        connection.ops.adapt_datefield_value(month.first_day),
        *exclude_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    changed: list[tuple[int, int, int, int, Decimal]] = []
    for pk, subtotal, tax, total, old_rate, rate, lines_sum in rows:
        rate = _decimal(rate)
        t = invoice_math.totals(int(lines_sum), rate)
        values = (t.subtotal_minor, t.tax_minor, t.total_minor, rate)
        if values != (subtotal, tax, total, _decimal(old_rate)):
            changed.append((pk, *values))
    _write_totals(changed)


def _decimal(value: Any) -> Decimal:
    """A tax rate as the database returned it (SQLite may give a float) as a Decimal."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


TOTALS_BATCH = 1000


def _write_totals(drafts: Sequence[tuple[int, int, int, int, Decimal]]) -> None:
    """(id, subtotal, tax, total, tax rate) of each changed draft, written in one UPDATE
    from arrays on PostgreSQL, and one UPDATE … FROM (VALUES …) per thousand drafts on
    SQLite: bulk_update's CASE per row costs more to build than the whole run."""
    if not drafts:
        return
    table = connection.ops.quote_name(Invoice._meta.db_table)
    columns = (
        f"UPDATE {table} SET subtotal_minor = v.column2, tax_minor = v.column3, "
        "total_minor = v.column4, tax_rate = v.column5 FROM "
    )
    if connection.vendor == "postgresql":
        sql = (
            columns + "unnest(CAST(%s AS bigint[]), CAST(%s AS bigint[]), CAST(%s AS bigint[]), "
            "CAST(%s AS bigint[]), CAST(%s AS numeric[])) "
            f"AS v(column1, column2, column3, column4, column5) WHERE {table}.id = v.column1"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [list(c) for c in zip(*drafts, strict=True)])
        return
    for start in range(0, len(drafts), TOTALS_BATCH):
        batch = drafts[start : start + TOTALS_BATCH]
        rows = ", ".join(["(%s, %s, %s, %s, %s)"] * len(batch))
        params: list[Any] = [v for d in batch for v in d]
        sql = columns + f"(VALUES {rows}) AS v WHERE {table}.id = v.column1"
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


# ---------------------------------------------------------------------------------------
# Invoice lifecycle


def _lock(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_for_update().get(pk=invoice.pk)


def _credited(invoice: Invoice) -> int:
    return int(invoice.credit_notes.aggregate(s=Coalesce(Sum("amount_minor"), 0))["s"])


def remaining_minor(invoice: Invoice) -> int:
    """What is left of an issued or paid invoice to credit."""
    return invoice_math.remaining_to_credit(invoice.total_minor, [_credited(invoice)])


@transaction.atomic
def issue_invoice(invoice: Invoice, *, by: User | None, at: datetime | None = None) -> Invoice:
    """Draft -> issued: totals fixed from the lines, the next gapless number of the year,
    due 30 days later. From here on the invoice never changes."""
    at = at or timezone.now()
    invoice = _lock(invoice)
    if invoice.status != Invoice.Status.DRAFT:
        raise InvoiceImmutable(
            f"Invoice {invoice.number} is already {invoice.status}.", field="status"
        )
    amounts = list(invoice.lines.values_list("amount_minor", flat=True))
    if not amounts:
        raise EmptyInvoice("An invoice with no lines cannot be issued.", field="lines")
    t = invoice_math.totals_of(amounts, invoice.tax_rate)
    year = timezone.localdate(at).year
    invoice.number = numbering.next_number(numbering.INVOICE, year)
    invoice.subtotal_minor, invoice.tax_minor, invoice.total_minor = (
        t.subtotal_minor,
        t.tax_minor,
        t.total_minor,
    )
    invoice.status, invoice.issued_at = Invoice.Status.ISSUED, at
    invoice.due_on = timezone.localdate(at) + PAYMENT_TERM
    invoice.save(
        update_fields=[
            "number",
            "status",
            "issued_at",
            "due_on",
            "subtotal_minor",
            "tax_minor",
            "total_minor",
        ]
    )
    audit.record(
        "invoice.issued",
        invoice,
        actor=by,
        after={"number": invoice.number, "total_minor": invoice.total_minor},
        at=at,
    )
    return invoice


@transaction.atomic
def pay_invoice(invoice: Invoice, *, by: User | None, at: datetime | None = None) -> Invoice:
    """Issued -> paid."""
    at = at or timezone.now()
    invoice = _lock(invoice)
    if invoice.status != Invoice.Status.ISSUED:
        reasons = {
            Invoice.Status.DRAFT: "A draft cannot be paid: issue it first.",
            Invoice.Status.PAID: f"Invoice {invoice.number} is already paid.",
            Invoice.Status.VOID: f"Invoice {invoice.number} is void and cannot be paid.",
        }
        raise BillingRefused(reasons[Invoice.Status(invoice.status)], field="status")
    invoice.status, invoice.paid_at = Invoice.Status.PAID, at
    invoice.save(update_fields=["status", "paid_at"])
    audit.record("invoice.paid", invoice, actor=by, at=at)
    return invoice


def _credit_note(
    invoice: Invoice, *, amount_minor: int, reason: str, by: User | None, at: datetime
) -> CreditNote:
    number = numbering.next_number(numbering.CREDIT_NOTE, timezone.localdate(at).year)
    note = CreditNote.objects.create(
        invoice=invoice,
        number=number,
        amount_minor=amount_minor,
        reason=reason,
        issued_at=at,
        issued_by=by if by is not None and by.is_authenticated else None,
    )
    audit.record(
        "invoice.credited",
        invoice,
        actor=by,
        after={"credit_note": number, "amount_minor": amount_minor, "reason": reason},
        at=at,
    )
    return note


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise BillingRefused("Say why.", field="reason")
    if len(text) > 300:
        raise BillingRefused("A reason is at most 300 characters.", field="reason")
    return text


@transaction.atomic
def void_invoice(
    invoice: Invoice, *, by: User | None, reason: str, at: datetime | None = None
) -> CreditNote:
    """Issued -> void, with a credit note for what is left uncredited. The invoice's ledger
    rows are released: the next run bills them again on a new invoice."""
    at = at or timezone.now()
    text = _reason(reason)
    invoice = _lock(invoice)
    if invoice.status != Invoice.Status.ISSUED:
        reasons = {
            Invoice.Status.DRAFT: "A draft is not voided: it has not been issued.",
            Invoice.Status.PAID: (
                f"Invoice {invoice.number} is paid: it cannot be voided, only credited."
            ),
            Invoice.Status.VOID: f"Invoice {invoice.number} is already void.",
        }
        raise BillingRefused(reasons[Invoice.Status(invoice.status)], field="status")
    left = remaining_minor(invoice)
    if left <= 0:
        raise BillingRefused(
            f"Invoice {invoice.number} has nothing left to credit: it cannot be voided.",
            field="status",
        )
    invoice.status, invoice.voided_at = Invoice.Status.VOID, at
    invoice.save(update_fields=["status", "voided_at"])
    InvoiceLine.objects.filter(invoice=invoice, is_live=True).update(is_live=False)
    note = _credit_note(invoice, amount_minor=left, reason=text, by=by, at=at)
    audit.record("invoice.voided", invoice, actor=by, after={"reason": text}, at=at)
    return note


@transaction.atomic
def credit_invoice(
    invoice: Invoice,
    *,
    amount_minor: int,
    reason: str,
    by: User | None,
    at: datetime | None = None,
) -> CreditNote:
    """A credit note against an issued or paid invoice, never more than is left uncredited."""
    at = at or timezone.now()
    if not isinstance(amount_minor, int) or isinstance(amount_minor, bool) or amount_minor <= 0:
        raise BillingRefused("A credit is a positive whole amount.", field="amount_minor")
    text = _reason(reason)
    invoice = _lock(invoice)
    if invoice.status not in (Invoice.Status.ISSUED, Invoice.Status.PAID):
        raise BillingRefused(
            f"Only an issued or paid invoice can be credited, not a {invoice.status} one.",
            field="status",
        )
    left = remaining_minor(invoice)
    if amount_minor > left:
        raise BillingRefused(
            f"Invoice {invoice.number} has {Money(left, invoice.currency)} left to credit; "
            f"{Money(amount_minor, invoice.currency)} is more.",
            field="amount_minor",
            remaining_minor=left,
        )
    return _credit_note(invoice, amount_minor=amount_minor, reason=text, by=by, at=at)
