"""Issuing, paying, voiding and crediting; refusals change nothing; issued invoices are
protected by the database too."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from deskpact.accounts.models import Organization, User
from deskpact.billing import services
from deskpact.billing.errors import BadPeriod, BillingRefused, EmptyInvoice, InvoiceImmutable
from deskpact.billing.models import CreditNote, Invoice, InvoiceLine
from deskpact.billing.tests.conftest import MakeContract, OpenTicket, at
from deskpact.billing.tests.support import invoice_of, lines, money, state
from deskpact.contracts import services as contracts
from deskpact.testing.factories import OrganizationFactory


@pytest.fixture
def october(
    initech: Organization, alice: User, sam: User, make_contract: MakeContract, open_for: OpenTicket
) -> Invoice:
    """A draft: 90 minutes at 100.00/h = 150.00, 19 % tax 28.50, total 178.50."""
    make_contract(initech, "payg", unit="hours", hourly_rate=Decimal("100"))
    ticket = open_for(alice, when=at("2026-10-05", 8))
    contracts.log_work(ticket, agent=sam, minutes=90, started_at=at("2026-10-05"))
    services.run_billing(period="2026-10", at=at("2026-11-02"))
    return invoice_of(initech, "2026-10")


def test_issuing_numbers_invoices_without_gaps_and_sets_the_due_day(
    october: Invoice, admin: User, initech: Organization
) -> None:
    issued = services.issue_invoice(october, by=admin, at=at("2026-11-04"))
    assert (issued.number, issued.status, issued.due_on) == (
        "INV-2026-000001",
        "issued",
        date(2026, 12, 4),
    )
    assert money(issued) == (15_000, 2_850, 17_850)
    other = OrganizationFactory.create(name="Umbrella", currency="EUR")
    draft = Invoice.objects.create(
        organization=other,
        period_start=date(2026, 10, 1),
        period_end=date(2026, 10, 31),
        currency="EUR",
    )
    with pytest.raises(EmptyInvoice):
        services.issue_invoice(draft, by=admin)
    draft.refresh_from_db()
    assert (draft.status, draft.number) == ("draft", None)
    # The refused issue gave its number back: the next one follows without a gap.
    InvoiceLine.objects.create(
        invoice=draft,
        kind="adjustment",
        description="Goodwill",
        amount_minor=100,
        at=at("2026-10-09"),
    )
    assert services.issue_invoice(draft, by=admin).number == "INV-2026-000002"
    with pytest.raises(InvoiceImmutable):
        services.issue_invoice(issued, by=admin)


def test_paying_and_the_states_that_cannot_be_paid(october: Invoice, admin: User) -> None:
    with pytest.raises(BillingRefused, match="issue it first"):
        services.pay_invoice(october, by=admin)
    services.issue_invoice(october, by=admin, at=at("2026-11-04"))
    paid = services.pay_invoice(october, by=admin, at=at("2026-11-20"))
    assert (paid.status, paid.paid_at) == ("paid", at("2026-11-20"))
    with pytest.raises(BillingRefused, match="cannot be voided, only credited"):
        services.void_invoice(paid, by=admin, reason="Wrong rate")
    note = services.credit_invoice(paid, amount_minor=5_000, reason="Goodwill", by=admin)
    assert (note.number, note.amount_minor) == ("CN-2026-000001", 5_000)
    before = state()
    with pytest.raises(BillingRefused, match=r"128\.50 EUR") as caught:
        services.credit_invoice(paid, amount_minor=12_851, reason="Too much", by=admin)
    assert caught.value.field == "amount_minor"
    assert state() == before and CreditNote.objects.count() == 1
    services.credit_invoice(paid, amount_minor=12_850, reason="The rest", by=admin)
    with pytest.raises(BillingRefused):
        services.credit_invoice(paid, amount_minor=1, reason="Nothing left", by=admin)


def test_a_void_invoice_cannot_be_paid_and_its_rows_are_billed_again(
    october: Invoice, admin: User, initech: Organization
) -> None:
    services.issue_invoice(october, by=admin, at=at("2026-11-04"))
    note = services.void_invoice(october, by=admin, reason="Wrong rate", at=at("2026-11-05"))
    assert (note.number, note.amount_minor, note.reason) == ("CN-2026-000001", 17_850, "Wrong rate")
    october.refresh_from_db()
    before = state()
    with pytest.raises(BillingRefused, match="void and cannot be paid"):
        services.pay_invoice(october, by=admin)
    assert state() == before
    assert lines(october) == [("work_rated", "charged", 15_000)]  # kept as history
    services.run_billing(period="2026-10", at=at("2026-11-06"))
    again = invoice_of(initech, "2026-10")
    assert lines(again) == [("work_rated", "charged", 15_000)]
    assert money(again) == (15_000, 2_850, 17_850)
    assert again.number is None and again.pk != october.pk


def test_bad_periods_change_nothing(october: Invoice) -> None:
    before = state()
    for period, message in [
        ("2026-11", "has not ended yet"),
        ("2031-01", "in the future"),
        ("26-10", "not a month"),
        ("2026-13", "between 01 and 12"),
    ]:
        with pytest.raises(BadPeriod, match=message):
            services.run_billing(period=period, at=at("2026-11-02"))
    assert state() == before


def test_a_currency_mismatch_bills_nothing_for_that_organization_only(
    admin: User,
    initech: Organization,
    alice: User,
    sam: User,
    make_contract: MakeContract,
    open_for: OpenTicket,
) -> None:
    make_contract(initech, "payg", unit="hours", hourly_rate=Decimal("100"))
    ticket = open_for(alice, when=at("2026-10-05", 8))
    contracts.log_work(ticket, agent=sam, minutes=60, started_at=at("2026-10-05"))
    initech.currency = "USD"  # the organization changed currency; its rows are in EUR
    initech.save(update_fields=["currency"])
    umbrella = OrganizationFactory.create(name="Umbrella", currency="EUR")
    make_contract(umbrella, "agreement", fee_minor=10_000, starts_on=date(2026, 10, 1))
    run = services.run_billing(period="2026-10", at=at("2026-11-02"))
    assert not Invoice.objects.filter(organization=initech).exists()
    assert lines(invoice_of(umbrella, "2026-10")) == [("fee_due", "charged", 10_000)]
    assert run.refusals == [
        {
            "organization_id": initech.pk,
            "name": "Initech",
            "code": "currency_mismatch",
            "message": "Initech bills in USD but has unbilled charges in EUR: "
            "nothing was billed for Initech.",
        }
    ]


def _raw(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_database_refuses_to_change_an_issued_invoice(october: Invoice, admin: User) -> None:
    services.issue_invoice(october, by=admin, at=at("2026-11-04"))
    line = october.lines.get()
    refused = [
        ("UPDATE billing_invoice SET total_minor = 1 WHERE id = %s", [october.pk]),
        ("UPDATE billing_invoice SET number = 'INV-2026-999999' WHERE id = %s", [october.pk]),
        ("UPDATE billing_invoice SET status = 'draft' WHERE id = %s", [october.pk]),
        ("UPDATE billing_invoice SET currency = 'USD' WHERE id = %s", [october.pk]),
        ("DELETE FROM billing_invoice WHERE id = %s", [october.pk]),
        ("UPDATE billing_invoiceline SET amount_minor = 1 WHERE id = %s", [line.pk]),
        ("DELETE FROM billing_invoiceline WHERE id = %s", [line.pk]),
    ]
    for sql, params in refused:
        with pytest.raises(IntegrityError, match="invoice_immutable"):
            _raw(sql, params)
    with pytest.raises(IntegrityError, match="invoice_immutable"), transaction.atomic():
        InvoiceLine.objects.create(
            invoice=october,
            kind="adjustment",
            description="x",
            amount_minor=1,
            at=at("2026-10-01"),
        )
    october.refresh_from_db()
    assert money(october) == (15_000, 2_850, 17_850) and october.status == "issued"
    services.pay_invoice(october, by=admin)  # issued -> paid is the one move left
    with pytest.raises(IntegrityError, match="invoice_immutable"):
        _raw("UPDATE billing_invoice SET status = 'void' WHERE id = %s", [october.pk])


def test_a_ledger_row_is_on_at_most_one_live_invoice(
    october: Invoice, initech: Organization
) -> None:
    line = october.lines.get()
    second = Invoice.objects.create(
        organization=initech,
        period_start=date(2026, 9, 1),
        period_end=date(2026, 9, 30),
        currency="EUR",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceLine.objects.create(
            invoice=second,
            ledger_entry_id=line.ledger_entry_id,
            kind=line.kind,
            description=line.description,
            amount_minor=line.amount_minor,
            at=line.at,
        )
