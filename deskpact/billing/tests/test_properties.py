"""Properties of runs over arbitrary ledgers (adjustments of any sign on any day)."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deskpact.accounts.models import User
from deskpact.billing import services
from deskpact.billing.invoice_math import tax_on
from deskpact.billing.models import Invoice, InvoiceLine
from deskpact.billing.tests.conftest import MakeContract, at
from deskpact.billing.tests.support import state
from deskpact.contracts import services as contracts
from deskpact.testing.factories import OrganizationFactory

_names = itertools.count()
ROWS = st.lists(
    st.tuples(st.integers(-20_000, 90_000).filter(bool), st.integers(0, 88), st.integers(0, 23)),
    min_size=1,
    max_size=8,
)
CURRENCIES = st.sampled_from(
    [("EUR", "Europe/Berlin"), ("JPY", "Asia/Tokyo"), ("KWD", "Asia/Kuwait")]
)
RATES = st.decimals(min_value=0, max_value=25, places=3)
PROPERTY = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _ledger(admin: User, make_contract: MakeContract, rows, currency, rate):
    code, zone = currency
    organization = OrganizationFactory.create(
        name=f"Prop {next(_names)}", currency=code, time_zone=zone, tax_rate=rate
    )
    contract = make_contract(organization, "payg", unit="hours", hourly_rate=Decimal("1"))
    for charge, day, hour in rows:
        when = at("2026-09-01") + timedelta(days=day, hours=hour)
        contracts.adjust(contract, by=admin, reason="Correction", charge_minor=charge, at=when)
    return organization


def _check_totals() -> None:
    for invoice in Invoice.objects.all():
        amounts = list(invoice.lines.values_list("amount_minor", flat=True))
        assert invoice.subtotal_minor == sum(amounts)
        assert invoice.tax_minor == tax_on(sum(amounts), invoice.tax_rate)
        assert invoice.total_minor == sum(amounts) + invoice.tax_minor


def _no_row_twice() -> None:
    twice = (
        InvoiceLine.objects.filter(is_live=True)
        .values("ledger_entry_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not twice.exists()


@PROPERTY
@given(rows=ROWS, currency=CURRENCIES, rate=RATES)
def test_runs_add_up_and_rerunning_changes_nothing(
    admin: User, make_contract: MakeContract, rows, currency, rate
) -> None:
    organization = _ledger(admin, make_contract, rows, currency, rate)
    for month, run_at in [
        ("2026-09", "2026-10-03"),
        ("2026-10", "2026-11-03"),
        ("2026-11", "2026-12-03"),
    ]:
        services.run_billing(period=month, at=at(run_at))
        before = state()
        services.run_billing(period=month, at=at(run_at))
        assert state() == before
    _check_totals()
    _no_row_twice()
    billed = InvoiceLine.objects.filter(invoice__organization=organization)
    assert sorted(billed.values_list("amount_minor", flat=True)) == sorted(c for c, _, _ in rows)


@PROPERTY
@given(rows=ROWS, currency=CURRENCIES, rate=RATES)
def test_voiding_and_rebilling_nets_to_the_same_amount(
    admin: User, make_contract: MakeContract, rows, currency, rate
) -> None:
    organization = _ledger(admin, make_contract, rows, currency, rate)
    services.run_billing(period="2026-11", at=at("2026-12-03"))
    first = Invoice.objects.get(organization=organization, status="draft")
    services.issue_invoice(first, by=admin, at=at("2026-12-04"))
    if first.total_minor <= 0:
        return  # nothing to credit: such an invoice is not voided
    note = services.void_invoice(first, by=admin, reason="Re-bill", at=at("2026-12-05"))
    assert note.amount_minor == first.total_minor
    services.run_billing(period="2026-11", at=at("2026-12-06"))
    again = Invoice.objects.get(organization=organization, status="draft")
    assert again.total_minor == first.total_minor
    assert again.total_minor - note.amount_minor + first.total_minor == first.total_minor
    _no_row_twice()
    _check_totals()
