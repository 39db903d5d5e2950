"""Six processes issuing invoices at once: numbers stay unique and without gaps."""

from __future__ import annotations

import multiprocessing
from datetime import date

import pytest
from django.db import connection
from django.utils import timezone

from deskpact.billing.models import Invoice, InvoiceLine
from deskpact.billing.tests.conftest import at
from deskpact.billing.tests.race_worker import issue_drafts
from deskpact.testing.factories import OrganizationFactory

PROCESSES, EACH = 6, 5


@pytest.mark.django_db(transaction=True)
def test_processes_issuing_at_once_get_gapless_unique_numbers() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite serialises every writer")
    ids = []
    for n in range(PROCESSES * EACH):
        organization = OrganizationFactory.create(name=f"Customer {n}", currency="EUR")
        draft = Invoice.objects.create(
            organization=organization,
            period_start=date(2026, 10, 1),
            period_end=date(2026, 10, 31),
            currency="EUR",
        )
        InvoiceLine.objects.create(
            invoice=draft,
            kind="adjustment",
            description="Fee",
            amount_minor=100 + n,
            at=at("2026-10-02"),
        )
        ids.append(draft.pk)
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(PROCESSES), context.Queue()
    workers = [
        context.Process(
            target=issue_drafts,
            args=(connection.settings_dict["NAME"], ids[i::PROCESSES], barrier, results),
        )
        for i in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    assert [o for o in outcomes if o[0] == "error"] == []
    numbers = sorted(n for _, got in outcomes for n in got)
    assert numbers == [
        f"INV-{timezone.localdate().year}-{i:06d}" for i in range(1, PROCESSES * EACH + 1)
    ]
    assert Invoice.objects.filter(status="issued").count() == PROCESSES * EACH
