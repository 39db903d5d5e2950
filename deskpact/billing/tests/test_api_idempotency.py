"""`Idempotency-Key` on the POSTs that create money-bearing rows: the same key and body
replay the first answer and create nothing; another body is refused; failures are not kept;
requests racing with one key create one row."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection
from rest_framework.test import APIClient

from deskpact.accounts.models import Organization, User
from deskpact.api.tests.support import assert_field_refused, assert_problem
from deskpact.billing import services as billing
from deskpact.billing.models import BillingRun, CreditNote, IdempotentRequest, Invoice
from deskpact.billing.tests.conftest import MakeContract, OpenTicket, at
from deskpact.contracts import services as contracts
from deskpact.contracts.models import BankBlock, Call, Contract, LedgerEntry, WorkLog
from deskpact.tickets.models import Ticket

pytestmark = pytest.mark.django_db

ApiAs = Callable[[User], APIClient]
NOW = datetime(2026, 3, 16, 12, 0, tzinfo=UTC)
KEY = "7f1c2d0e-5b6a-4c38-9e21-0a9d8b7c6e5f"
LOG = {"minutes": 25, "started_at": "2026-03-16T09:00:00Z", "note": "Export fixed"}


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def payg(initech: Organization, make_contract: MakeContract) -> Contract:
    return make_contract(initech, "payg", unit="hours", hourly_rate=Decimal("96"))


@pytest.fixture
def ticket(payg: Contract, alice: User, open_for: OpenTicket) -> Ticket:
    made = open_for(alice, when=at("2026-03-02", 8))
    assert made.contract_id == payg.pk
    return made


def worklogs(ticket: Ticket) -> str:
    return f"/api/v1/tickets/{ticket.key}/worklogs/"


def post(client: APIClient, path: str, body: dict[str, Any], key: str | None = KEY) -> Any:
    headers = {} if key is None else {"Idempotency-Key": key}
    return client.post(path, body, format="json", headers=headers)


def money_rows() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (WorkLog, Call, LedgerEntry, BankBlock, BillingRun, CreditNote)
    }


# Replays ----------------------------------------------------------------------------------


def test_the_same_key_and_body_replay_the_first_answer_and_log_nothing_more(
    api_as: ApiAs, sam: User, ticket: Ticket
) -> None:
    client = api_as(sam)

    first = post(client, worklogs(ticket), LOG)
    after_first = money_rows()
    again = post(client, worklogs(ticket), dict(reversed(list(LOG.items()))))  # keys reordered

    assert first.status_code == 201, first.content
    assert "Idempotent-Replayed" not in first
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again["Content-Type"] == first["Content-Type"] == "application/json"
    assert again.content == first.content
    assert money_rows() == after_first
    assert WorkLog.objects.filter(ticket=ticket).count() == 1
    assert LedgerEntry.objects.get(work_log__ticket=ticket).charge_minor == 4000  # 96/h * 25 min
    stored = IdempotentRequest.objects.get()
    assert (stored.key, stored.user_id, stored.method, stored.status_code) == (
        KEY,
        sam.pk,
        "POST",
        201,
    )
    assert stored.path == worklogs(ticket)


def test_without_a_key_each_post_logs_again(api_as: ApiAs, sam: User, ticket: Ticket) -> None:
    client = api_as(sam)

    for _ in range(2):
        assert post(client, worklogs(ticket), LOG, key=None).status_code == 201

    assert WorkLog.objects.filter(ticket=ticket).count() == 2
    assert IdempotentRequest.objects.count() == 0


def test_the_same_key_with_another_body_is_refused(
    api_as: ApiAs, sam: User, ticket: Ticket
) -> None:
    client = api_as(sam)
    post(client, worklogs(ticket), LOG)
    before = money_rows()

    response = post(client, worklogs(ticket), {**LOG, "minutes": 50})

    body = assert_problem(response, 422, "idempotency_key_reused")
    assert "Idempotency-Key" in body["errors"]
    assert money_rows() == before


def test_the_same_key_on_another_endpoint_is_refused(
    api_as: ApiAs, sam: User, ticket: Ticket
) -> None:
    client = api_as(sam)
    post(client, worklogs(ticket), LOG)
    before = money_rows()

    response = post(
        client,
        "/api/v1/calls/",
        {"ticket": ticket.key, "agents": [sam.pk], "minutes": 10, "started_at": LOG["started_at"]},
    )

    assert_problem(response, 422, "idempotency_key_reused")
    assert money_rows() == before


def test_keys_belong_to_their_user(api_as: ApiAs, sam: User, kim: User, ticket: Ticket) -> None:
    assert post(api_as(sam), worklogs(ticket), LOG).status_code == 201
    theirs = post(api_as(kim), worklogs(ticket), LOG)

    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs
    assert list(WorkLog.objects.order_by("id").values_list("agent_id", flat=True)) == [
        sam.pk,
        kim.pk,
    ]


def test_a_failed_request_is_not_kept_so_the_same_key_can_be_retried(
    api_as: ApiAs, sam: User, ticket: Ticket
) -> None:
    client = api_as(sam)

    refused = post(client, worklogs(ticket), {**LOG, "minutes": 0})
    assert_field_refused(refused, "minutes")
    outside = post(client, worklogs(ticket), {**LOG, "started_at": "2025-06-01T09:00:00Z"})
    assert outside.status_code == 400
    assert IdempotentRequest.objects.count() == 0 and WorkLog.objects.count() == 0

    fixed = post(client, worklogs(ticket), LOG)
    assert fixed.status_code == 201 and "Idempotent-Replayed" not in fixed
    assert WorkLog.objects.count() == 1


def test_a_customer_gets_404_with_or_without_a_key_and_nothing_is_kept(
    api_as: ApiAs, alice: User, ticket: Ticket
) -> None:
    assert_problem(post(api_as(alice), worklogs(ticket), LOG), 404, "not_found")
    assert IdempotentRequest.objects.count() == 0


@pytest.mark.parametrize("key", ["", "   ", "k" * 256])
def test_an_empty_or_overlong_key_is_refused_naming_the_header(
    api_as: ApiAs, sam: User, ticket: Ticket, key: str
) -> None:
    response = post(api_as(sam), worklogs(ticket), LOG, key=key)

    body = assert_field_refused(response, "Idempotency-Key")
    assert body[0]["code"] in ("blank", "max_length")
    assert money_rows()["WorkLog"] == 0 and IdempotentRequest.objects.count() == 0


def test_a_key_of_255_characters_is_taken(api_as: ApiAs, sam: User, ticket: Ticket) -> None:
    client = api_as(sam)

    assert post(client, worklogs(ticket), LOG, key="k" * 255).status_code == 201
    assert post(client, worklogs(ticket), LOG, key="k" * 255)["Idempotent-Replayed"] == "true"
    assert WorkLog.objects.count() == 1


# Every money-bearing POST ---------------------------------------------------------------


def replayed_once(client: APIClient, path: str, body: dict[str, Any], status: int = 201) -> Any:
    """Post twice with one key: the first answer, replayed; returns it."""
    first = post(client, path, body)
    assert first.status_code == status, first.content
    again = post(client, path, body)
    assert (again.status_code, again["Idempotent-Replayed"]) == (status, "true")
    assert again.content == first.content
    return first.json()


def test_a_call_is_logged_once(api_as: ApiAs, sam: User, kim: User, ticket: Ticket) -> None:
    body = {
        "ticket": ticket.key,
        "agents": [sam.pk, kim.pk],
        "minutes": 14,
        "started_at": "2026-03-16T10:00:00Z",
    }

    replayed_once(api_as(sam), "/api/v1/calls/", body)

    assert Call.objects.count() == 1 and WorkLog.objects.count() == 2


def test_a_bank_block_is_bought_once(
    api_as: ApiAs, admin: User, initech: Organization, make_contract: MakeContract
) -> None:
    bank = make_contract(initech, "bank", unit="hours", exhaustion="overage")
    path = f"/api/v1/contracts/{bank.pk}/topups/"

    made = replayed_once(api_as(admin), path, {"units": 600, "price_minor": 90000})

    assert BankBlock.objects.filter(contract=bank).count() == 1
    assert (made["units"], made["amount_minor"]) == (600, 90000)
    listed = api_as(admin).get(path, HTTP_IDEMPOTENCY_KEY=KEY)  # a read passes through
    assert listed.status_code == 200 and "Idempotent-Replayed" not in listed


def test_a_deposit_is_paid_once(
    api_as: ApiAs, admin: User, initech: Organization, make_contract: MakeContract
) -> None:
    per_minute = make_contract(initech, "per_minute", minute_rate=Decimal("2"))

    replayed_once(
        api_as(admin), f"/api/v1/contracts/{per_minute.pk}/topups/", {"amount_minor": 50000}
    )

    deposits = LedgerEntry.objects.filter(contract=per_minute, kind="deposit_paid")
    assert list(deposits.values_list("prepaid_minor", flat=True)) == [50000]


@pytest.fixture
def february(ticket: Ticket, sam: User) -> None:
    contracts.log_work(
        ticket, agent=sam, minutes=30, started_at=at("2026-02-10", 10), at=at("2026-02-10", 11)
    )


def test_a_billing_run_starts_once(api_as: ApiAs, admin: User, february: None) -> None:
    run = replayed_once(api_as(admin), "/api/v1/billing/runs/", {"period": "2026-02"})

    assert BillingRun.objects.count() == 1
    assert [(i["total_minor"], i["tax_minor"]) for i in run["invoices"]] == [(5712, 912)]


@pytest.fixture
def invoice(february: None, admin: User) -> Invoice:
    billing.run_billing(period="2026-02", by=admin)
    return billing.issue_invoice(Invoice.objects.get(), by=admin)


def test_a_credit_note_is_written_once(api_as: ApiAs, admin: User, invoice: Invoice) -> None:
    path = f"/api/v1/invoices/{invoice.pk}/credit-notes/"
    client = api_as(admin)

    note = replayed_once(client, path, {"amount_minor": 1000, "reason": "Goodwill"})

    assert note["number"] == "CN-2026-000001"
    assert list(CreditNote.objects.values_list("amount_minor", flat=True)) == [1000]
    other = post(client, path, {"amount_minor": 2000, "reason": "Goodwill"})
    assert_problem(other, 422, "idempotency_key_reused")
    assert CreditNote.objects.count() == 1


def test_voiding_again_with_the_key_answers_the_void_not_a_refusal(
    api_as: ApiAs, admin: User, invoice: Invoice
) -> None:
    voided = replayed_once(
        api_as(admin), f"/api/v1/invoices/{invoice.pk}/void/", {"reason": "Wrong"}, status=200
    )

    assert voided["status"] == "void"
    assert list(CreditNote.objects.values_list("amount_minor", flat=True)) == [5712]


def test_the_schema_documents_the_header_on_every_money_bearing_post(
    api_as: ApiAs, admin: User
) -> None:
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    posts = [
        "/api/v1/tickets/{key}/worklogs/",
        "/api/v1/calls/",
        "/api/v1/contracts/{id}/topups/",
        "/api/v1/billing/runs/",
        "/api/v1/invoices/{id}/credit-notes/",
        "/api/v1/invoices/{id}/void/",
    ]

    for path in posts:
        (header,) = [
            p
            for p in schema["paths"][path]["post"].get("parameters", [])
            if p["name"] == "Idempotency-Key"
        ]
        assert header["in"] == "header" and not header.get("required", False)
        assert "not kept" in header["description"] and "422" in header["description"]
    topups = schema["paths"]["/api/v1/contracts/{id}/topups/"]["get"].get("parameters", [])
    assert "Idempotency-Key" not in {p["name"] for p in topups}


# Races -----------------------------------------------------------------------------------

THREADS = 6


@pytest.mark.django_db(transaction=True)
def test_requests_racing_with_one_key_log_the_work_once(sam: User, ticket: Ticket) -> None:
    # Each thread has its own database connection: the database settles who runs (the
    # unique index on PostgreSQL, the writer lock on SQLite), the others replay its answer.
    barrier = threading.Barrier(THREADS)
    answers: list[tuple[int, bytes, str]] = []
    failures: list[str] = []

    def send() -> None:
        client = APIClient()
        client.force_authenticate(sam)
        try:
            barrier.wait(timeout=30)
            response = post(client, worklogs(ticket), LOG)
            answers.append(
                (response.status_code, response.content, response.get("Idempotent-Replayed", ""))
            )
        except Exception as exc:  # reported below, failing the test
            failures.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    assert len(answers) == THREADS
    assert {status for status, _, _ in answers} == {201}
    assert len({content for _, content, _ in answers}) == 1
    assert sorted(replayed for _, _, replayed in answers) == [""] + ["true"] * (THREADS - 1)
    assert WorkLog.objects.filter(ticket=ticket).count() == 1
    assert LedgerEntry.objects.filter(work_log__ticket=ticket).count() == 1
    assert IdempotentRequest.objects.count() == 1
