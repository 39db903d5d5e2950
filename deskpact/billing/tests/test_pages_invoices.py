"""Invoice pages: agents and admins at /invoices/, customers at /portal/invoices/.

Invoices are made the way the desk makes them: work and purchases rated into the ledger by
the contracts services, billed by a billing run, issued by an admin. Every figure asserted
is worked out by hand from the rates below.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from deskpact.accounts.models import Organization, User
from deskpact.billing import services as billing
from deskpact.billing.models import CreditNote, Invoice, InvoiceLine
from deskpact.contracts import services as contracts
from deskpact.contracts.models import Contract, LedgerEntry
from deskpact.testing.factories import OrganizationFactory, UserFactory
from deskpact.tickets import services as tickets
from deskpact.tickets.models import Ticket

pytestmark = pytest.mark.django_db

PERIOD = "2026-10"
Kind, Part = LedgerEntry.Kind, LedgerEntry.Part


def at(day: str, hour: int = 9) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), UTC).replace(hour=hour)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@dataclass
class Desk:
    admin: User
    agent: User


@pytest.fixture
def desk(db: None) -> Desk:
    return Desk(
        admin=UserFactory.create(email="ada@desk.example", name="Ada", role=User.Role.ADMIN),
        agent=UserFactory.create(email="sam@desk.example", name="Sam", role=User.Role.AGENT),
    )


def _contract(org: Organization, by: User, kind: str, **terms: Any) -> Contract:
    terms.setdefault("name", f"{org.name} {kind}")
    return contracts.create_contract(
        org,
        by=by,
        kind=kind,
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        at=at("2025-12-15"),
        **terms,
    )


def _ticket(requester: User, channel: str, day: str) -> Ticket:
    return tickets.open_ticket(
        requester=requester,
        submitter=requester,
        subject="The export stops halfway",
        body="It stops at 50%.",
        channel=channel,
        at=at(day, 8),
    )


@dataclass
class Billed:
    org: Organization
    contact: User
    invoice: Invoice


def initech_october(desk: Desk) -> Billed:
    """Initech (EUR, tax 19%) in October 2026:

    - pay as you go by email at 90.00/h: 50 min = 75.00 and 20 min = 30.00;
    - per incident on the web at 80.00: one incident charged 80.00, one product defect waived;
    - a prepaid bank by phone: a 10-hour block bought for 900.00, nothing used yet.

    Subtotal 1,085.00; tax 19% = 206.15; total 1,291.15.
    """
    org = OrganizationFactory.create(name="Initech", currency="EUR", tax_rate=Decimal("19"))
    alice = UserFactory.create(email="alice@initech.example", name="Alice", organization=org)
    _contract(org, desk.admin, "payg", name="Initech hours", unit="hours",
              hourly_rate=Decimal("90.00"), channels=["email"])  # fmt: skip
    _contract(org, desk.admin, "per_incident", name="Initech incidents",
              incident_rate=Decimal("80.00"), channels=["web"])  # fmt: skip
    bank = _contract(org, desk.admin, "bank", name="Initech bank", unit="hours",
                     channels=["phone"])  # fmt: skip
    contracts.top_up_bank(bank, units=600, price_minor=90000, by=desk.admin, at=at("2026-10-01"))
    mail = _ticket(alice, "email", "2026-10-05")
    contracts.log_work(mail, agent=desk.agent, minutes=50, at=at("2026-10-05", 10))
    contracts.log_work(mail, agent=desk.agent, minutes=20, at=at("2026-10-06", 10))
    charged = _ticket(alice, "web", "2026-10-07")
    contracts.log_work(charged, agent=desk.agent, minutes=45, at=at("2026-10-07", 10))
    tickets.change_status(
        charged, to=Ticket.Status.RESOLVED, by=desk.agent, at=at("2026-10-07", 11)
    )
    defect = _ticket(alice, "web", "2026-10-08")
    contracts.log_work(defect, agent=desk.agent, minutes=30, at=at("2026-10-08", 10))
    tickets.set_cause(defect, cause="product_defect", by=desk.agent, at=at("2026-10-08", 11))
    tickets.change_status(defect, to=Ticket.Status.RESOLVED, by=desk.agent, at=at("2026-10-08", 12))
    billing.run_billing(period=PERIOD, by=desk.admin)
    return Billed(org, alice, Invoice.objects.get(organization=org))


def nakamura_october(desk: Desk) -> Billed:
    """Nakamura KK (JPY, Tokyo, tax 10%): 241 minutes on one incident at 12,345.5 yen is
    3 windows of 120 minutes = 37,036.5 -> 37,037 yen; tax 3,703.7 -> 3,704; total 40,741."""
    org = OrganizationFactory.create(
        name="Nakamura KK", currency="JPY", time_zone="Asia/Tokyo", tax_rate=Decimal("10")
    )
    yui = UserFactory.create(email="yui@nakamura.example", name="Yui", organization=org)
    _contract(org, desk.admin, "per_incident", name="Nakamura incidents",
              incident_rate=Decimal("12345.5"))  # fmt: skip
    ticket = _ticket(yui, "web", "2026-10-02")
    contracts.log_work(ticket, agent=desk.agent, minutes=241, at=at("2026-10-02", 3))
    tickets.change_status(ticket, to=Ticket.Status.RESOLVED, by=desk.agent, at=at("2026-10-02", 8))
    billing.run_billing(period=PERIOD, by=desk.admin)
    return Billed(org, yui, Invoice.objects.get(organization=org))


def issued(b: Billed, desk: Desk) -> Invoice:
    return billing.issue_invoice(b.invoice, by=desk.admin)


def cell(html: str, testid: str) -> str:
    """The text of the first element with this data-testid."""
    start = html.index(f'data-testid="{testid}"')
    start = html.index(">", start) + 1
    return html[start : html.index("<", start)]


def lines_by_amount(invoice: Invoice) -> list[tuple[bool, int]]:
    """(is waived, amount) of each line, smallest first."""
    rows = InvoiceLine.objects.filter(invoice=invoice).exclude(kind="tax")
    return sorted(
        (part == Part.WAIVED, amount) for part, amount in rows.values_list("part", "amount_minor")
    )


# -- the invoice page ---------------------------------------------------------------------


def test_the_page_shows_each_line_grouped_by_contract_and_the_totals_in_euros(desk: Desk) -> None:
    b = initech_october(desk)
    assert lines_by_amount(b.invoice) == [
        (False, 3000), (False, 7500), (False, 8000), (False, 90000), (True, 0)
    ]  # fmt: skip
    invoice = issued(b, desk)
    html = client_for(desk.agent).get(f"/invoices/{invoice.pk}/").content.decode()
    assert cell(html, "invoice-number") == invoice.number
    assert invoice.number is not None and invoice.number.startswith("INV-")
    assert cell(html, "invoice-period") == "2026-10-01 to 2026-10-31"
    assert cell(html, "invoice-status") == "Issued"
    assert cell(html, "invoice-due") == f"{invoice.due_on:%Y-%m-%d}"
    amounts = {
        line.amount_minor: cell(html, f"amount-{line.pk}")
        for line in InvoiceLine.objects.filter(invoice=invoice)
    }
    assert amounts == {
        3000: "30.00 EUR",
        7500: "75.00 EUR",
        8000: "80.00 EUR",
        0: "0.00 EUR",
        90000: "900.00 EUR",
    }
    for title in ("Initech hours", "Initech incidents", "Initech bank"):
        assert f"<h3>{title}</h3>" in html
    assert "105.00 EUR" in html  # the hours subtotal: 75.00 + 30.00
    waived = InvoiceLine.objects.get(invoice=invoice, part=Part.WAIVED)
    assert "product defect" in cell(html, f"waiver-{waived.pk}").lower()
    assert cell(html, "subtotal") == "1,085.00 EUR"
    assert cell(html, "tax") == "206.15 EUR"  # 19% of 1,085.00
    assert "Tax 19%" in html
    assert cell(html, "total") == "1,291.15 EUR"
    assert cell(html, "balance-due") == "1,291.15 EUR"
    assert cell(html, "bank-remaining") == "10 h"
    assert "Initech" in cell(html, "invoice-customer") or "<strong>Initech</strong>" in html


def test_yen_have_no_decimals(desk: Desk) -> None:
    invoice = issued(nakamura_october(desk), desk)
    html = client_for(desk.admin).get(f"/invoices/{invoice.pk}/").content.decode()
    (line,) = InvoiceLine.objects.filter(invoice=invoice)
    assert cell(html, f"amount-{line.pk}") == "37,037 JPY"
    assert cell(html, "subtotal") == "37,037 JPY"
    assert cell(html, "tax") == "3,704 JPY"
    assert cell(html, "total") == "40,741 JPY"


def test_a_draft_is_called_draft_and_shows_the_issue_button(desk: Desk) -> None:
    b = nakamura_october(desk)
    html = client_for(desk.admin).get(f"/invoices/{b.invoice.pk}/").content.decode()
    assert cell(html, "invoice-number") == "Draft"
    assert 'data-testid="issue-form"' in html
    agent_html = client_for(desk.agent).get(f"/invoices/{b.invoice.pk}/").content.decode()
    assert 'data-testid="invoice-actions"' not in agent_html


def test_the_provider_comes_from_settings(desk: Desk, settings: object) -> None:
    settings.DESKPACT_PROVIDER = {  # type: ignore[attr-defined]
        "name": "Northwind Support GmbH",
        "address": ["Hafenstraße 1", "20457 Hamburg"],
        "tax_id": "DE123456789",
    }
    invoice = issued(nakamura_october(desk), desk)
    html = client_for(desk.agent).get(f"/invoices/{invoice.pk}/").content.decode()
    assert "Northwind Support GmbH" in html and "20457 Hamburg" in html and "DE123456789" in html


# -- who sees what ------------------------------------------------------------------------


def test_customers_see_their_organizations_issued_invoices_only(desk: Desk) -> None:
    initech = initech_october(desk)
    nakamura = nakamura_october(desk)
    mine = issued(initech, desk)
    alice = client_for(initech.contact)
    listing = alice.get("/portal/invoices/").content.decode()
    assert f'data-testid="invoice-{mine.pk}"' in listing
    assert f'data-testid="invoice-{nakamura.invoice.pk}"' not in listing
    page = alice.get(f"/portal/invoices/{mine.pk}/")
    assert page.status_code == 200
    assert cell(page.content.decode(), "total") == "1,291.15 EUR"
    assert 'data-testid="invoice-actions"' not in page.content.decode()
    # Another organization's invoice, draft or issued, is a 404, and so are its files.
    other = nakamura.invoice
    for suffix in ("", "pdf/", "csv/"):
        assert alice.get(f"/portal/invoices/{other.pk}/{suffix}").status_code == 404
    issued(nakamura, desk)
    for suffix in ("", "pdf/", "csv/"):
        assert alice.get(f"/portal/invoices/{other.pk}/{suffix}").status_code == 404


def test_drafts_are_hidden_from_customers(desk: Desk) -> None:
    b = nakamura_october(desk)
    yui = client_for(b.contact)
    assert f"invoice-{b.invoice.pk}" not in yui.get("/portal/invoices/").content.decode()
    for suffix in ("", "pdf/", "csv/"):
        assert yui.get(f"/portal/invoices/{b.invoice.pk}/{suffix}").status_code == 404
    issued(b, desk)
    assert yui.get(f"/portal/invoices/{b.invoice.pk}/").status_code == 200


def test_void_and_paid_invoices_stay_visible_to_the_customer(desk: Desk) -> None:
    b = initech_october(desk)
    invoice = issued(b, desk)
    billing.void_invoice(invoice, by=desk.admin, reason="Wrong rate")
    page = client_for(b.contact).get(f"/portal/invoices/{invoice.pk}/").content.decode()
    assert cell(page, "invoice-status") == "Void"
    assert "Wrong rate" in page


def test_customers_cannot_open_the_console_pages(desk: Desk) -> None:
    b = initech_october(desk)
    alice = client_for(b.contact)
    assert alice.get("/invoices/").status_code == 403
    assert alice.get(f"/invoices/{b.invoice.pk}/").status_code == 403
    assert alice.get("/invoices/ledger.csv").status_code == 403
    assert client_for(desk.agent).get("/invoices/ledger.csv").status_code == 403
    assert Client().get("/invoices/").status_code == 302  # to the sign-in page


# -- admin actions ------------------------------------------------------------------------


def test_an_admin_issues_pays_and_credits_from_the_page(desk: Desk) -> None:
    b = initech_october(desk)
    admin = client_for(desk.admin)
    url = f"/invoices/{b.invoice.pk}/"
    assert admin.post(url + "issue/").status_code == 302
    b.invoice.refresh_from_db()
    assert b.invoice.status == Invoice.Status.ISSUED and b.invoice.number
    page = admin.get(url).content.decode()
    assert f"Invoice {b.invoice.number} issued." in page
    response = admin.post(url + "credit/", {"amount": "91.15", "reason": "Goodwill"})
    assert response.status_code == 302
    note = CreditNote.objects.get(invoice=b.invoice)
    assert (note.amount_minor, note.reason) == (9115, "Goodwill")
    page = admin.get(url).content.decode()
    assert cell(page, "credited") == "91.15 EUR"
    assert cell(page, "balance-due") == "1,200.00 EUR"  # 1,291.15 - 91.15
    assert admin.post(url + "pay/").status_code == 302
    b.invoice.refresh_from_db()
    assert b.invoice.status == Invoice.Status.PAID


def test_an_admin_voids_with_a_reason(desk: Desk) -> None:
    b = initech_october(desk)
    invoice = issued(b, desk)
    admin = client_for(desk.admin)
    refused = admin.post(f"/invoices/{invoice.pk}/void/", {"reason": ""})
    assert refused.status_code == 400
    assert "This field is required." in refused.content.decode()
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.ISSUED
    assert (
        admin.post(f"/invoices/{invoice.pk}/void/", {"reason": "Billed twice"}).status_code == 302
    )
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.VOID
    note = CreditNote.objects.get(invoice=invoice)
    assert (note.amount_minor, note.reason) == (129115, "Billed twice")


def test_refusals_are_shown_and_nothing_changes(desk: Desk) -> None:
    b = initech_october(desk)
    invoice = issued(b, desk)
    admin = client_for(desk.admin)
    url = f"/invoices/{invoice.pk}/"
    too_much = admin.post(url + "credit/", {"amount": "1291.16", "reason": "Too much"})
    assert too_much.status_code == 400
    assert 'data-field="amount"' in too_much.content.decode()
    assert "At most 1,291.15 EUR is left to credit." in too_much.content.decode()
    assert 'class="error"' in too_much.content.decode()
    three_decimals = admin.post(url + "credit/", {"amount": "1.001", "reason": "Cents"})
    assert "EUR amounts have at most 2 decimals." in three_decimals.content.decode()
    assert not CreditNote.objects.exists()
    billing.pay_invoice(invoice, by=desk.admin)
    paid_void = admin.post(url + "void/", {"reason": "Too late"})
    assert paid_void.status_code == 400
    assert 'data-testid="action-error"' in paid_void.content.decode()
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID and not CreditNote.objects.exists()
    again = admin.post(url + "issue/")
    assert again.status_code == 400
    assert 'data-testid="action-error"' in again.content.decode()


def test_issuing_an_empty_draft_is_refused_on_the_page(desk: Desk) -> None:
    org = OrganizationFactory.create(name="Quiet Ltd")
    empty = Invoice.objects.create(
        organization=org,
        period_start=date(2026, 10, 1),
        period_end=date(2026, 10, 31),
        currency="EUR",
    )
    response = client_for(desk.admin).post(f"/invoices/{empty.pk}/issue/")
    assert response.status_code == 400
    assert 'data-testid="action-error"' in response.content.decode()
    empty.refresh_from_db()
    assert empty.status == Invoice.Status.DRAFT and empty.number is None


def test_run_billing_from_the_list(desk: Desk) -> None:
    org = OrganizationFactory.create(name="Hooli", currency="EUR")
    _contract(org, desk.admin, "bank", name="Hooli bank", unit="hours")
    bank = Contract.objects.get(organization=org)
    contracts.top_up_bank(bank, units=120, price_minor=25050, by=desk.admin, at=at("2026-10-03"))
    admin = client_for(desk.admin)
    response = admin.post("/invoices/run/", {"period": PERIOD})
    assert response.status_code == 302 and response["Location"] == "/invoices/?period=2026-10"
    invoice = Invoice.objects.get(organization=org)
    assert (invoice.status, invoice.total_minor) == (Invoice.Status.DRAFT, 25050)
    page = admin.get(response["Location"]).content.decode()
    assert "Billed 2026-10: 1 draft invoice, 1 line." in page
    assert cell(page, f"total-{invoice.pk}") == "250.50 EUR"
    # Running the month again changes nothing.
    admin.post("/invoices/run/", {"period": PERIOD})
    assert Invoice.objects.count() == 1 and InvoiceLine.objects.count() == 1


@pytest.mark.parametrize("period", ["2026-13", "October", "2999-01", ""])
def test_run_billing_refuses_a_bad_period(desk: Desk, period: str) -> None:
    response = client_for(desk.admin).post("/invoices/run/", {"period": period})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="period"' in html and 'class="error"' in html
    assert not Invoice.objects.exists()


def test_only_admins_run_billing_and_change_invoices(desk: Desk) -> None:
    b = nakamura_october(desk)
    sam = client_for(desk.agent)
    assert sam.post("/invoices/run/", {"period": PERIOD}).status_code == 403
    assert sam.post(f"/invoices/{b.invoice.pk}/issue/").status_code == 403
    b.invoice.refresh_from_db()
    assert b.invoice.status == Invoice.Status.DRAFT


# -- the list -----------------------------------------------------------------------------


def _drafts(count: int, *, currency: str = "EUR") -> list[Invoice]:
    out = []
    for _ in range(count):
        org = OrganizationFactory.create(currency=currency)
        out.append(
            Invoice.objects.create(
                organization=org,
                period_start=date(2026, 9, 1),
                period_end=date(2026, 9, 30),
                currency=currency,
                subtotal_minor=1000,
                total_minor=1000,
            )
        )
    return out


def _list_queries(client: Client, query: str = "") -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"/invoices/{query}").status_code == 200
    return len(captured)


def test_the_list_costs_the_same_queries_for_two_or_twenty_invoices(desk: Desk) -> None:
    admin = client_for(desk.admin)
    _drafts(2)
    few = _list_queries(admin)
    _drafts(18)
    assert _list_queries(admin) == few
    assert _list_queries(admin, "?status=draft") == few


def test_the_invoice_page_costs_the_same_queries_for_one_line_or_many(desk: Desk) -> None:
    small = issued(nakamura_october(desk), desk)  # 1 line, 1 contract
    large = issued(initech_october(desk), desk)  # 5 lines, 3 contracts, a bank
    billing.credit_invoice(large, amount_minor=100, reason="Goodwill", by=desk.admin)
    admin = client_for(desk.admin)

    def queries(invoice: Invoice) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin.get(f"/invoices/{invoice.pk}/").status_code == 200
        return len(captured)

    assert queries(small) == queries(large)


def test_the_list_filters_by_status_organization_and_period(desk: Desk) -> None:
    initech = initech_october(desk)
    nakamura = nakamura_october(desk)
    mine = issued(initech, desk)
    september = _drafts(1)[0]
    admin = client_for(desk.admin)

    def shown(query: str) -> set[int]:
        html = admin.get(f"/invoices/?{query}").content.decode()
        ids = {mine.pk, nakamura.invoice.pk, september.pk}
        return {i for i in ids if f'data-testid="invoice-{i}"' in html}

    assert shown("") == {mine.pk, nakamura.invoice.pk, september.pk}
    assert shown("status=issued") == {mine.pk}
    assert shown("status=draft") == {nakamura.invoice.pk, september.pk}
    assert shown(f"organization={nakamura.org.pk}") == {nakamura.invoice.pk}
    assert shown("period=2026-09") == {september.pk}
    assert shown("period=2026-10&status=draft") == {nakamura.invoice.pk}
    bad = admin.get("/invoices/?period=soon").content.decode()
    assert "Enter a month as YYYY-MM" in bad


# -- CSV ----------------------------------------------------------------------------------


def _csv_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode())))


def test_the_invoice_csv_lists_every_line_and_sums_to_the_total(desk: Desk) -> None:
    b = initech_october(desk)
    invoice = issued(b, desk)
    response = client_for(b.contact).get(f"/portal/invoices/{invoice.pk}/csv/")
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == f'attachment; filename="{invoice.number}.csv"'
    rows = _csv_rows(response.content)
    assert sorted(Decimal(r["amount"]) for r in rows) == [
        Decimal("0.00"), Decimal("30.00"), Decimal("75.00"), Decimal("80.00"),
        Decimal("206.15"), Decimal("900.00"),
    ]  # fmt: skip
    assert sum(Decimal(r["amount"]) for r in rows) == Decimal("1291.15")
    assert {r["invoice"] for r in rows} == {invoice.number}
    assert {r["currency"] for r in rows} == {"EUR"}
    assert [r["kind"] for r in rows][-1] == "tax"
    agent_csv = client_for(desk.agent).get(f"/invoices/{invoice.pk}/csv/")
    assert agent_csv.content == response.content


def test_the_yen_csv_has_whole_amounts(desk: Desk) -> None:
    invoice = issued(nakamura_october(desk), desk)
    rows = _csv_rows(client_for(desk.agent).get(f"/invoices/{invoice.pk}/csv/").content)
    assert [r["amount"] for r in rows] == ["37037", "3704"]
    assert sum(int(r["amount"]) for r in rows) == 40741


def test_the_ledger_streams_every_row_once(desk: Desk) -> None:
    initech = initech_october(desk)
    nakamura = nakamura_october(desk)
    issued(initech, desk)
    response = client_for(desk.admin).get("/invoices/ledger.csv")
    assert response.streaming
    assert response["Content-Disposition"] == 'attachment; filename="ledger.csv"'
    rows = _csv_rows(b"".join(response.streaming_content))  # type: ignore[attr-defined]
    ids = [int(r["id"]) for r in rows]
    assert sorted(ids) == list(LedgerEntry.objects.order_by("id").values_list("id", flat=True))
    assert len(ids) == len(set(ids))
    by_id = {int(r["id"]): r for r in rows}
    for entry in LedgerEntry.objects.filter(organization=initech.org):
        assert by_id[entry.pk]["organization"] == "Initech"
    invoice_number = Invoice.objects.get(organization=initech.org).number
    block = LedgerEntry.objects.get(kind=Kind.BLOCK_PURCHASED)
    assert (by_id[block.pk]["charge"], by_id[block.pk]["invoice"]) == ("900.00", invoice_number)
    yen = LedgerEntry.objects.get(organization=nakamura.org, kind=Kind.INCIDENT_CONSUMED)
    assert (by_id[yen.pk]["charge"], by_id[yen.pk]["currency"]) == ("37037", "JPY")
    assert by_id[yen.pk]["invoice"] == f"draft {nakamura.invoice.pk}"
    charges = sum(
        Decimal(r["charge"]) for r in rows if r["organization"] == "Initech" and r["invoice"]
    )
    assert charges == Decimal("1085.00")  # the invoice's subtotal


def test_the_ledger_filters_by_organization_and_period_in_local_time(desk: Desk) -> None:
    nakamura = nakamura_october(desk)
    initech_october(desk)
    contract = Contract.objects.get(organization=nakamura.org)
    # 2026-10-31 16:00 UTC is 2026-11-01 01:00 in Tokyo: November's, not October's.
    late = contracts.adjust(
        contract, by=desk.admin, reason="Late call", charge_minor=500, at=at("2026-10-31", 16)
    )
    admin = client_for(desk.admin)
    october = admin.get(f"/invoices/ledger.csv?period=2026-10&organization={nakamura.org.pk}")
    assert october["Content-Disposition"] == (
        f'attachment; filename="ledger-2026-10-org{nakamura.org.pk}.csv"'
    )
    ids = {int(r["id"]) for r in _csv_rows(b"".join(october.streaming_content))}  # type: ignore[attr-defined]
    expected = set(
        LedgerEntry.objects.filter(organization=nakamura.org)
        .exclude(pk=late.pk)
        .values_list("id", flat=True)
    )
    assert ids == expected
    november = admin.get(f"/invoices/ledger.csv?period=2026-11&organization={nakamura.org.pk}")
    rows = _csv_rows(b"".join(november.streaming_content))  # type: ignore[attr-defined]
    assert [int(r["id"]) for r in rows] == [late.pk]
    assert admin.get("/invoices/ledger.csv?period=2026-1").status_code == 400
