"""Six processes logging the last hour of a bank at once: exactly one gets it."""

from __future__ import annotations

import multiprocessing
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from deskpact.accounts.models import User
from deskpact.contracts import ledger, services
from deskpact.contracts.models import LedgerEntry, WorkLog
from deskpact.contracts.tests.race_worker import log_last_hour
from deskpact.testing.factories import OrganizationFactory, UserFactory
from deskpact.tickets import services as tickets

PROCESSES = 6


@pytest.mark.django_db(transaction=True)
def test_processes_racing_for_the_last_hour_of_a_bank_spend_it_once() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite serialises every writer")
    admin = UserFactory.create(role=User.Role.ADMIN)
    organization = OrganizationFactory.create(currency="EUR")
    customer = UserFactory.create(organization=organization)
    today = timezone.localdate()
    contract = services.create_contract(
        organization,
        by=admin,
        name="Last hour",
        kind="bank",
        unit="hours",
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=30),
        exhaustion="overage",
        overdraft_units=0,
    )
    services.top_up_bank(contract, units=60, by=admin, price_minor=9_000)
    ticket = tickets.open_ticket(
        requester=customer, submitter=customer, subject="Down", body="Down.", channel="web"
    )
    assert ticket.contract_id == contract.pk
    agents = UserFactory.create_batch(PROCESSES, role=User.Role.AGENT)
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(PROCESSES), context.Queue()
    workers = [
        context.Process(
            target=log_last_hour,
            args=(connection.settings_dict["NAME"], ticket.pk, agent.pk, barrier, results),
        )
        for agent in agents
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    assert [o for o in outcomes if o[1] == "error"] == []
    logged = [o for o in outcomes if o[1] == "logged"]
    refused = [o for o in outcomes if o[1] == "refused"]
    assert len(logged) == 1 and len(refused) == PROCESSES - 1
    assert all("0 minutes can still be logged" in message for _, _, message in refused)
    assert WorkLog.objects.filter(ticket=ticket).count() == 1
    assert LedgerEntry.objects.filter(contract=contract, kind="work_rated").count() == 1
    b = ledger.balance(contract)
    assert (b.units, b.used, b.overage) == (0, 60, 0)
