"""/api/v1/invoices/, /api/v1/billing/runs/ and the ledger export, through HTTP.

Two organizations worked in October 2026 on pay-as-you-go contracts, each log rounded half
up to the cent on its own, tax on the subtotal:
- Initech (EUR, 19 % tax) at 95.00/h: 13 min = 20.5833 -> 20.58, 25 min = 39.5833 -> 39.58;
  subtotal 60.16, tax 11.4304 -> 11.43, total 71.59.
- Umbrella (EUR, no tax) at 60.00/h: 30 min = 30.00; total 30.00.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from deskpact.accounts.models import Organization, User
from deskpact.api.tests.support import assert_field_refused, assert_problem
from deskpact.billing.models import BillingRun, CreditNote, Invoice, InvoiceLine
from deskpact.billing.tests.conftest import MakeContract, OpenTicket, at
from deskpact.contracts import services as contracts
from deskpact.testing.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

ApiAs = Callable[[User], APIClient]
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
RUNS = "/api/v1/billing/runs/"
INVOICES = "/api/v1/invoices/"


def invoice_url(invoice: Invoice | int, action: str = "") -> str:
    pk = invoice.pk if isinstance(invoice, Invoice) else invoice
    return f"{INVOICES}{pk}/{action + '/' if action else ''}"


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def umbrella(db: None) -> Organization:
    return OrganizationFactory.create(
        name="Umbrella", currency="EUR", time_zone="Europe/Berlin", tax_rate=Decimal("0")
    )


@pytest.fixture
def bob(umbrella: Organization) -> User:
    return UserFactory.create(email="bob@umbrella.example", name="Bob", organization=umbrella)


@pytest.fixture
def october(
    initech: Organization,
    umbrella: Organization,
    alice: User,
    bob: User,
    sam: User,
    make_contract: MakeContract,
    open_for: OpenTicket,
) -> None:
    """The work of October 2026 described at the top of this module, on the ledger."""
    make_contract(initech, "payg", unit="hours", hourly_rate=Decimal("95"))
    make_contract(umbrella, "payg", unit="hours", hourly_rate=Decimal("60"))
    for customer, minutes in ((alice, (13, 25)), (bob, (30,))):
        ticket = open_for(customer, when=at("2026-10-14", 8))
        for hour, length in enumerate(minutes, start=10):
            contracts.log_work(
                ticket,
                agent=sam,
                minutes=length,
                started_at=at("2026-10-14", hour),
                at=at("2026-10-14", hour, 30),
            )


def run_october(api_as: ApiAs, admin: User) -> dict[str, Any]:
    response = api_as(admin).post(RUNS, {"period": "2026-10"}, format="json")
    assert response.status_code == 201, response.content
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def drafts(october: None, api_as: ApiAs, admin: User) -> dict[str, Invoice]:
    """October billed: a draft each for Initech and Umbrella."""
    run_october(api_as, admin)
    return {i.organization.name: i for i in Invoice.objects.select_related("organization")}


@pytest.fixture
def issued(drafts: dict[str, Invoice], api_as: ApiAs, admin: User) -> dict[str, Invoice]:
    for name in ("Initech", "Umbrella"):
        response = api_as(admin).post(invoice_url(drafts[name], "issue"))
        assert response.status_code == 200, response.content
    return {name: Invoice.objects.get(pk=invoice.pk) for name, invoice in drafts.items()}


def snapshot() -> list[tuple[Any, ...]]:
    """Everything a refused billing write must leave as it was."""
    return [
        *Invoice.objects.order_by("id").values_list(
            "id", "status", "number", "total_minor", "paid_at", "voided_at"
        ),
        ("lines", InvoiceLine.objects.filter(is_live=True).count()),
        ("credit notes", CreditNote.objects.count()),
        ("runs", BillingRun.objects.count()),
    ]


# A month billed, issued, paid, voided and credited ------------------------------------


def test_a_run_bills_each_organizations_month_to_the_cent(
    october: None, api_as: ApiAs, admin: User
) -> None:
    run = run_october(api_as, admin)

    assert (run["period"], run["period_start"], run["period_end"]) == (
        "2026-10",
        "2026-10-01",
        "2026-10-31",
    )
    assert (run["invoices_created"], run["lines_billed"], run["refusals"]) == (2, 3, [])
    figures = {
        i["organization_name"]: (
            i["status"],
            i["number"],
            i["subtotal_minor"],
            i["tax_minor"],
            i["total_minor"],
        )
        for i in run["invoices"]
    }
    assert figures == {
        "Initech": ("draft", None, 6016, 1143, 7159),
        "Umbrella": ("draft", None, 3000, 0, 3000),
    }


def test_an_invoice_shows_its_lines_tax_and_totals(
    drafts: dict[str, Invoice], api_as: ApiAs, sam: User
) -> None:
    body = api_as(sam).get(invoice_url(drafts["Initech"])).json()

    assert [(line["kind"], line["part"], line["quantity"], line["unit_price"],
             line["amount_minor"]) for line in body["lines"]] == [
        ("work_rated", "charged", "0.2167", "95.0000", 2058),
        ("work_rated", "charged", "0.4167", "95.0000", 3958),
    ]  # fmt: skip
    assert all(line["ticket"].startswith("DP-") for line in body["lines"])
    assert (body["tax_rate"], body["subtotal_minor"], body["tax_minor"], body["total_minor"]) == (
        "19.000",
        6016,
        1143,
        7159,
    )
    assert (body["period"], body["currency"], body["credit_notes"]) == ("2026-10", "EUR", [])
    assert body["bank_balances"] == []
    assert sum(line["amount_minor"] for line in body["lines"]) == body["subtotal_minor"]


def test_an_invoice_shows_blocks_bought_and_what_the_bank_had_left_at_the_periods_end(
    october: None,
    umbrella: Organization,
    make_contract: MakeContract,
    admin: User,
    api_as: ApiAs,
) -> None:
    bank = make_contract(umbrella, "bank", unit="hours", exhaustion="overage")
    contracts.top_up_bank(bank, units=600, by=admin, price_minor=90000, at=at("2026-10-20"))
    contracts.top_up_bank(bank, units=60, by=admin, price_minor=9000, at=at("2026-11-01", 10))
    run_october(api_as, admin)
    invoice = Invoice.objects.get(organization=umbrella)

    body = api_as(admin).get(invoice_url(invoice)).json()

    assert [(line["kind"], line["amount_minor"]) for line in body["lines"]] == [
        ("work_rated", 3000),
        ("block_purchased", 90000),
    ]
    assert body["total_minor"] == 93000
    balances = [(b["contract"], b["kind"], b["units"]) for b in body["bank_balances"]]
    assert balances == [(bank.pk, "bank", 600)]  # the block of 1 November comes later


def test_issuing_numbers_the_invoice_and_paying_settles_it(
    drafts: dict[str, Invoice], api_as: ApiAs, admin: User
) -> None:
    client = api_as(admin)

    issued = client.post(invoice_url(drafts["Initech"], "issue"))
    assert issued.status_code == 200, issued.content
    body = issued.json()
    assert (body["status"], body["number"], body["due_on"]) == (
        "issued",
        "INV-2026-000001",
        "2026-12-02",
    )
    assert (body["total_minor"], body["balance_due_minor"]) == (7159, 7159)
    second = client.post(invoice_url(drafts["Umbrella"], "issue")).json()
    assert second["number"] == "INV-2026-000002"

    paid = client.post(invoice_url(drafts["Initech"], "pay"))
    assert paid.status_code == 200, paid.content
    assert (paid.json()["status"], paid.json()["paid_at"]) == ("paid", "2026-11-02T09:00:00Z")
    assert paid.json()["balance_due_minor"] == 0


def test_a_paid_invoice_is_credited_never_beyond_its_total(
    issued: dict[str, Invoice], api_as: ApiAs, admin: User
) -> None:
    client = api_as(admin)
    invoice = issued["Initech"]
    client.post(invoice_url(invoice, "pay"))

    first = client.post(
        invoice_url(invoice, "credit-notes"),
        {"amount_minor": 2400, "reason": "Half an hour logged twice"},
        format="json",
    )
    assert first.status_code == 201, first.content
    assert {k: first.json()[k] for k in ("number", "amount_minor", "currency", "invoice")} == {
        "number": "CN-2026-000001",
        "amount_minor": 2400,
        "currency": "EUR",
        "invoice": invoice.pk,
    }
    before = snapshot()
    too_much = client.post(
        invoice_url(invoice, "credit-notes"), {"amount_minor": 4760, "reason": "All"}, format="json"
    )
    body = assert_problem(too_much, 409, "billing_refused")
    assert "amount_minor" in body["errors"] and body["remaining_minor"] == 4759
    assert snapshot() == before

    rest = client.post(
        invoice_url(invoice, "credit-notes"), {"amount_minor": 4759, "reason": "All"}, format="json"
    )
    assert rest.status_code == 201, rest.content
    listed = client.get(invoice_url(invoice, "credit-notes")).json()
    assert [(n["number"], n["amount_minor"]) for n in listed] == [
        ("CN-2026-000001", 2400),
        ("CN-2026-000002", 4759),
    ]
    shown = client.get(invoice_url(invoice)).json()
    assert (shown["status"], shown["credited_minor"], shown["total_minor"]) == ("paid", 7159, 7159)
    assert [n["number"] for n in shown["credit_notes"]] == ["CN-2026-000001", "CN-2026-000002"]


def test_voiding_credits_what_is_left_and_the_next_run_bills_it_again(
    issued: dict[str, Invoice], api_as: ApiAs, admin: User
) -> None:
    client = api_as(admin)
    invoice = issued["Umbrella"]

    voided = client.post(invoice_url(invoice, "void"), {"reason": "Wrong rate"}, format="json")

    assert voided.status_code == 200, voided.content
    body = voided.json()
    assert (body["status"], body["voided_at"], body["credited_minor"]) == (
        "void",
        "2026-11-02T09:00:00Z",
        3000,
    )
    assert [(n["amount_minor"], n["reason"]) for n in body["credit_notes"]] == [
        (3000, "Wrong rate")
    ]
    with time_machine.travel(datetime(2026, 12, 2, 9, 0, tzinfo=UTC), tick=False):
        run = client.post(RUNS, {"period": "2026-11"}, format="json").json()
    assert [(i["organization_name"], i["total_minor"]) for i in run["invoices"]] == [
        ("Umbrella", 3000)
    ]


# Refusals: nothing changes -------------------------------------------------------------


@pytest.mark.parametrize("period", ["2026-13", "Oct 2026", "2026-1", "", "2026-10-01", "20%s-10"])
def test_a_malformed_period_is_refused_naming_it(
    october: None, api_as: ApiAs, admin: User, period: str
) -> None:
    response = api_as(admin).post(RUNS, {"period": period}, format="json")

    if period == "":
        assert_field_refused(response, "period")  # blank: the field's own check
    else:
        errors = assert_field_refused(response, "period", code="bad_period")
        assert errors[0]["code"] == "bad_period"
    assert snapshot() == [("lines", 0), ("credit notes", 0), ("runs", 0)]


@pytest.mark.parametrize("period", ["2026-11", "2027-01"])
def test_a_month_not_over_yet_is_not_billed(
    october: None, api_as: ApiAs, admin: User, period: str
) -> None:
    response = api_as(admin).post(RUNS, {"period": period}, format="json")

    assert_field_refused(response, "period", code="bad_period")
    assert BillingRun.objects.count() == 0 and Invoice.objects.count() == 0


def test_a_run_without_a_period_names_the_field(api_as: ApiAs, admin: User) -> None:
    errors = assert_field_refused(api_as(admin).post(RUNS, {}, format="json"), "period")
    assert errors[0]["code"] == "required"


def test_running_a_month_again_bills_nothing_twice(
    drafts: dict[str, Invoice], api_as: ApiAs, admin: User
) -> None:
    before = snapshot()

    again = run_october(api_as, admin)

    assert (again["invoices_created"], again["lines_billed"], again["invoices"]) == (0, 0, [])
    assert snapshot()[:-1] == before[:-1]  # one more run row, nothing else


def test_an_invoice_with_no_lines_is_not_issued(
    initech: Organization, api_as: ApiAs, admin: User
) -> None:
    empty = Invoice.objects.create(
        organization=initech,
        period_start=datetime(2026, 10, 1).date(),
        period_end=datetime(2026, 10, 31).date(),
        currency="EUR",
    )
    before = snapshot()

    response = api_as(admin).post(invoice_url(empty, "issue"))

    assert_problem(response, 409, "empty_invoice")
    assert snapshot() == before


def test_issuing_twice_is_refused(issued: dict[str, Invoice], api_as: ApiAs, admin: User) -> None:
    before = snapshot()

    response = api_as(admin).post(invoice_url(issued["Initech"], "issue"))

    assert_problem(response, 409, "invoice_immutable")
    assert snapshot() == before


def test_a_void_invoice_cannot_be_paid(
    issued: dict[str, Invoice], api_as: ApiAs, admin: User
) -> None:
    client = api_as(admin)
    client.post(invoice_url(issued["Umbrella"], "void"), {"reason": "Wrong"}, format="json")
    before = snapshot()

    response = client.post(invoice_url(issued["Umbrella"], "pay"))

    body = assert_problem(response, 409, "billing_refused")
    assert "void" in body["detail"]
    assert snapshot() == before


def test_a_paid_invoice_cannot_be_voided_only_credited(
    issued: dict[str, Invoice], api_as: ApiAs, admin: User
) -> None:
    client = api_as(admin)
    client.post(invoice_url(issued["Initech"], "pay"))
    before = snapshot()

    response = client.post(invoice_url(issued["Initech"], "void"), {"reason": "x"}, format="json")

    body = assert_problem(response, 409, "billing_refused")
    assert "only credited" in body["detail"]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "reason"),
        ({"reason": ""}, "reason"),
        ({"reason": "x" * 301}, "reason"),
    ],
)
def test_voiding_needs_a_reason(
    issued: dict[str, Invoice], api_as: ApiAs, admin: User, body: dict[str, Any], field: str
) -> None:
    before = snapshot()

    response = api_as(admin).post(invoice_url(issued["Initech"], "void"), body, format="json")

    assert_field_refused(response, field)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "x"}, "amount_minor"),
        ({"amount_minor": 0, "reason": "x"}, "amount_minor"),
        ({"amount_minor": "ten", "reason": "x"}, "amount_minor"),
        ({"amount_minor": 100}, "reason"),
    ],
)
def test_a_credit_note_needs_a_positive_amount_and_a_reason(
    issued: dict[str, Invoice], api_as: ApiAs, admin: User, body: dict[str, Any], field: str
) -> None:
    before = snapshot()

    response = api_as(admin).post(
        invoice_url(issued["Initech"], "credit-notes"), body, format="json"
    )

    assert_field_refused(response, field)
    assert snapshot() == before


def test_a_draft_is_not_credited(drafts: dict[str, Invoice], api_as: ApiAs, admin: User) -> None:
    response = api_as(admin).post(
        invoice_url(drafts["Initech"], "credit-notes"),
        {"amount_minor": 100, "reason": "x"},
        format="json",
    )

    assert_problem(response, 409, "billing_refused")
    assert CreditNote.objects.count() == 0


# Who sees and does what -----------------------------------------------------------------


def test_customers_never_see_drafts(drafts: dict[str, Invoice], api_as: ApiAs, alice: User) -> None:
    client = api_as(alice)

    assert client.get(INVOICES).json()["results"] == []
    assert_problem(client.get(invoice_url(drafts["Initech"])), 404, "not_found")
    assert_problem(client.get(invoice_url(drafts["Initech"], "pdf")), 404, "not_found")


def test_a_customer_sees_only_their_organizations_issued_invoices(
    issued: dict[str, Invoice], api_as: ApiAs, alice: User, bob: User
) -> None:
    for customer, own, other in ((alice, "Initech", "Umbrella"), (bob, "Umbrella", "Initech")):
        client = api_as(customer)
        listed = client.get(INVOICES).json()["results"]
        assert [i["id"] for i in listed] == [issued[own].pk]
        assert client.get(invoice_url(issued[own])).status_code == 200
        for action in ("", "credit-notes", "pdf", "csv"):
            assert_problem(client.get(invoice_url(issued[other], action)), 404, "not_found")
    assert_problem(api_as(alice).get(invoice_url(10**12)), 404, "not_found")


def test_agents_see_every_invoice_but_only_admins_change_them(
    drafts: dict[str, Invoice], api_as: ApiAs, sam: User, alice: User
) -> None:
    assert len(api_as(sam).get(INVOICES).json()["results"]) == 2
    before = snapshot()

    for person in (sam, alice):
        client = api_as(person)
        invoice = drafts["Initech"]
        assert_problem(client.post(invoice_url(invoice, "issue")), 403, "permission_denied")
        assert_problem(client.post(invoice_url(invoice, "pay")), 403, "permission_denied")
        assert_problem(
            client.post(invoice_url(invoice, "void"), {"reason": "x"}, format="json"),
            403,
            "permission_denied",
        )
        assert_problem(
            client.post(
                invoice_url(invoice, "credit-notes"),
                {"amount_minor": 1, "reason": "x"},
                format="json",
            ),
            403,
            "permission_denied",
        )
        assert_problem(
            client.post(RUNS, {"period": "2026-10"}, format="json"), 403, "permission_denied"
        )
    assert snapshot() == before


def test_billing_runs_are_for_agents_to_read_and_admins_to_start(
    drafts: dict[str, Invoice], api_as: ApiAs, sam: User, alice: User
) -> None:
    runs = api_as(sam).get(RUNS)

    assert runs.status_code == 200
    (run,) = runs.json()["results"]
    assert (run["period"], run["invoices_created"], len(run["invoices"])) == ("2026-10", 2, 2)
    assert_problem(api_as(alice).get(RUNS), 403, "permission_denied")


def test_the_invoice_list_filters_by_organization_status_and_period(
    issued: dict[str, Invoice], api_as: ApiAs, admin: User, umbrella: Organization
) -> None:
    client = api_as(admin)
    client.post(invoice_url(issued["Initech"], "pay"))

    def ids(**query: Any) -> list[int]:
        response = client.get(INVOICES, query)
        assert response.status_code == 200, response.content
        return [i["id"] for i in response.json()["results"]]

    assert ids(organization=umbrella.pk) == [issued["Umbrella"].pk]
    assert ids(status="paid") == [issued["Initech"].pk]
    assert set(ids(period="2026-10")) == {issued["Initech"].pk, issued["Umbrella"].pk}
    assert ids(period="2026-09") == []
    errors = assert_field_refused(client.get(INVOICES, {"period": "2026-13"}), "period")
    assert errors[0]["code"] == "bad_period"
    assert_field_refused(client.get(INVOICES, {"period": "10%d"}), "period")
    assert_field_refused(client.get(INVOICES, {"status": "lost"}), "status")
    assert_field_refused(client.get(INVOICES, {"organization": "x"}), "organization")


def invoices_for(count: int, organization: Organization) -> None:
    """`count` issued invoices with a credit note each, as rows (the list only reads them)."""
    first = Invoice.objects.count()
    for n in range(first, first + count):
        invoice = Invoice.objects.create(
            organization=organization,
            number=f"INV-2025-{n:06d}",
            status=Invoice.Status.ISSUED,
            period_start=datetime(2025, n % 12 + 1, 1).date(),
            period_end=datetime(2025, n % 12 + 1, 28).date(),
            currency="EUR",
            subtotal_minor=1000,
            total_minor=1000,
            issued_at=NOW,
        )
        CreditNote.objects.create(
            invoice=invoice, number=f"CN-2025-{n:06d}", amount_minor=100,
            reason="Goodwill"
        )  # fmt: skip


@pytest.mark.parametrize("who", ["admin", "alice"])
def test_the_invoice_list_costs_the_same_queries_for_3_or_23_invoices(
    api_as: ApiAs, admin: User, alice: User, initech: Organization, who: str
) -> None:
    client = api_as(admin if who == "admin" else alice)

    def queries_for_page() -> tuple[int, list[dict[str, Any]]]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(INVOICES, {"page_size": 50})
        assert response.status_code == 200
        return len(queries), response.json()["results"]

    invoices_for(3, initech)
    few, rows = queries_for_page()
    invoices_for(20, OrganizationFactory.create(name="Hooli"))
    invoices_for(20, initech)
    many, more = queries_for_page()

    assert len(rows) == 3 and len(more) == (43 if who == "admin" else 23)
    assert many == few
    assert {(r["credited_minor"], r["balance_due_minor"]) for r in more} == {(100, 900)}


# Downloads and the ledger export -------------------------------------------------------


def test_the_invoice_downloads_as_pdf_and_csv(
    issued: dict[str, Invoice], api_as: ApiAs, alice: User
) -> None:
    client = api_as(alice)
    invoice = issued["Initech"]

    pdf = client.get(invoice_url(invoice, "pdf"), HTTP_ACCEPT="application/pdf")
    assert pdf.status_code == 200, pdf.content[:500]
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == 'attachment; filename="INV-2026-000001.pdf"'
    assert pdf.content.startswith(b"%PDF")

    sheet = client.get(invoice_url(invoice, "csv"))
    assert sheet.status_code == 200
    assert sheet["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(sheet.content.decode())))
    assert [r["amount"] for r in rows] == ["20.58", "39.58", "11.43"]
    assert sum(Decimal(r["amount"]) for r in rows) == Decimal("71.59")


def test_a_download_of_an_unknown_invoice_is_a_problem_even_when_asking_for_a_pdf(
    api_as: ApiAs, admin: User
) -> None:
    response = api_as(admin).get(invoice_url(999, "pdf"), HTTP_ACCEPT="application/pdf")

    assert_problem(response, 404, "not_found")


def ledger(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content
    assert response.streaming and response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("path", ["/api/v1/ledger.csv", "/api/v1/ledger/export/"])
def test_admins_export_the_ledger_streamed_and_filtered(
    issued: dict[str, Invoice], api_as: ApiAs, admin: User, umbrella: Organization, path: str
) -> None:
    client = api_as(admin)

    everything = ledger(client.get(path))
    assert [(r["organization"], r["charge"], r["invoice"]) for r in everything] == [
        ("Initech", "20.58", "INV-2026-000001"),
        ("Initech", "39.58", "INV-2026-000001"),
        ("Umbrella", "30.00", "INV-2026-000002"),
    ]
    assert [r["charge"] for r in ledger(client.get(path, {"organization": umbrella.pk}))] == [
        "30.00"
    ]
    assert len(ledger(client.get(path, {"period": "2026-10"}))) == 3
    assert ledger(client.get(path, {"period": "2026-09"})) == []
    named = client.get(path, {"period": "2026-10"})
    assert named["Content-Disposition"] == 'attachment; filename="ledger-2026-10.csv"'
    errors = assert_field_refused(client.get(path, {"period": "October"}), "period")
    assert errors[0]["code"] == "bad_period"
    assert_field_refused(client.get(path, {"organization": "0"}), "organization")


def test_only_admins_export_the_ledger(api_as: ApiAs, sam: User, alice: User) -> None:
    for person in (sam, alice):
        assert_problem(api_as(person).get("/api/v1/ledger.csv"), 403, "permission_denied")


# The schema ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema(django_db_blocker: Any) -> dict[str, Any]:
    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    assert response.status_code == 200
    loaded: dict[str, Any] = yaml.safe_load(response.content)
    return loaded


WRITES = [
    ("/api/v1/billing/runs/", "BillingRunInRequest"),
    ("/api/v1/invoices/{id}/void/", "InvoiceVoidInRequest"),
    ("/api/v1/invoices/{id}/credit-notes/", "CreditNoteInRequest"),
]
READS = [
    ("/api/v1/invoices/", "PaginatedInvoiceSummaryOutList"),
    ("/api/v1/invoices/{id}/", "InvoiceOut"),
    ("/api/v1/billing/runs/", "PaginatedBillingRunOutList"),
]


@pytest.mark.parametrize(("path", "component"), WRITES)
def test_every_billing_write_documents_its_request_with_an_example(
    schema: dict[str, Any], path: str, component: str
) -> None:
    content = schema["paths"][path]["post"]["requestBody"]["content"]["application/json"]

    assert content["schema"]["$ref"] == f"#/components/schemas/{component}"
    assert content["examples"] and all(e["value"] for e in content["examples"].values())


@pytest.mark.parametrize(("path", "component"), READS)
def test_every_billing_read_documents_its_response_with_an_example(
    schema: dict[str, Any], path: str, component: str
) -> None:
    ok = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]

    assert ok["schema"]["$ref"] == f"#/components/schemas/{component}"
    assert ok["examples"]


def test_billing_components_have_their_own_names(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]

    assert {
        "InvoiceOut",
        "InvoiceLineOut",
        "InvoiceSummaryOut",
        "CreditNoteInRequest",
        "CreditNoteOut",
        "BillingRunInRequest",
        "BillingRunOut",
        "InvoiceVoidInRequest",
    } <= set(components)
    assert components["InvoiceStatusEnum"]["enum"] == ["draft", "issued", "paid", "void"]
    assert {"lines", "credit_notes"} <= set(components["InvoiceOut"]["properties"])


def test_downloads_and_filters_are_documented(schema: dict[str, Any]) -> None:
    paths = schema["paths"]

    assert (
        "application/pdf"
        in paths["/api/v1/invoices/{id}/pdf/"]["get"]["responses"]["200"]["content"]
    )
    assert "text/csv" in paths["/api/v1/invoices/{id}/csv/"]["get"]["responses"]["200"]["content"]
    assert "text/csv" in paths["/api/v1/ledger/export/"]["get"]["responses"]["200"]["content"]
    names = {p["name"] for p in paths["/api/v1/invoices/"]["get"]["parameters"]}
    assert {"organization", "status", "period", "page"} <= names
    assert {"period", "organization"} <= {
        p["name"] for p in paths["/api/v1/ledger/export/"]["get"]["parameters"]
    }
