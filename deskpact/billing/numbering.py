"""Gapless invoice and credit note numbers: INV-2026-000001, CN-2026-000001.

The next number is taken under the row lock of the series' NumberSequence row, inside the
caller's transaction: a rolled-back issue gives its number back, and processes issuing at
once queue on the row, so numbers per year have neither gaps nor duplicates.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from deskpact.billing.models import NumberSequence

INVOICE = "INV"
CREDIT_NOTE = "CN"


def format_number(series: str, year: int, n: int) -> str:
    return f"{series}-{year:04d}-{n:06d}"


def next_number(series: str, year: int) -> str:
    """Take the next number of `series` in `year`; call inside the issuing transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Numbers are taken inside the transaction that uses them.")
    # The row may not exist yet: insert it if missing (a concurrent insert waits for ours).
    NumberSequence.objects.bulk_create(
        [NumberSequence(series=series, year=year, last=0)], ignore_conflicts=True
    )
    rows = NumberSequence.objects.select_for_update().filter(series=series, year=year)
    sequence = rows.get()
    rows.update(last=F("last") + 1)
    return format_number(series, year, sequence.last + 1)
