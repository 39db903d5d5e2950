"""The contracts report on a small desk whose every figure is worked out by hand.

Initech (EUR) has a bank of 600 minutes and an hourly contract; Nakamura (JPY) pays per
incident. The desk's days are Berlin's: a row at 23:30 UTC on 31 January is 1 February.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deskpact.accounts.models import Organization, User
from deskpact.billing.models import Invoice, InvoiceLine
from deskpact.contracts.models import Contract, LedgerEntry
from deskpact.core.currencies import minor_units
from deskpact.core.errors import DomainError
from deskpact.reports.consumption import (
    ContractRow,
    ContractsReport,
    RevenueRow,
    UnknownKind,
    UnknownOrganization,
    UseRow,
    contracts_report,
    format_minor,
    parse_filter,
    report_tables,
)
from deskpact.reports.ranges import BadRange
from deskpact.testing.factories import OrganizationFactory, UserFactory

TODAY = date(2026, 3, 31)
Kind, Part = LedgerEntry.Kind, LedgerEntry.Part


def utc(day: str, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=UTC)


def entry(contract: Contract, kind: str, at: datetime, *, units: int = 0, charge: int = 0,
          part: str = "") -> LedgerEntry:  # fmt: skip
    return LedgerEntry.objects.create(
        contract=contract,
        organization=contract.organization,
        kind=kind,
        part=part,
        at=at,
        units=units,
        charge_minor=charge,
        currency=contract.currency,
    )


@dataclass
class Desk:
    initech: Organization
    nakamura: Organization
    bank: Contract
    hourly: Contract
    incidents: Contract
    admin: User
    agent: User
    alice: User  # Initech's customer
    kenji: User  # Nakamura's customer


@pytest.fixture
def desk(db: None, settings: Any) -> Desk:
    settings.TIME_ZONE = "Europe/Berlin"
    initech = OrganizationFactory.create(name="Initech", currency="EUR")
    nakamura = OrganizationFactory.create(name="Nakamura KK", currency="JPY")
    start = date(2026, 1, 1)
    bank = Contract.objects.create(
        organization=initech, name="Bank hours", kind="bank", unit="hours", starts_on=start,
        currency="EUR",
    )  # fmt: skip
    hourly = Contract.objects.create(
        organization=initech, name="Hourly support", kind="payg", unit="hours",
        starts_on=start, currency="EUR",
    )  # fmt: skip
    incidents = Contract.objects.create(
        organization=nakamura, name="Incidents", kind="per_incident", unit="incidents",
        starts_on=start, currency="JPY",
    )  # fmt: skip
    entry(bank, Kind.BLOCK_PURCHASED, utc("2026-01-05"), units=600, charge=50000)
    entry(bank, Kind.WORK_RATED, utc("2026-02-10"), units=-90, part=Part.COVERED)
    entry(bank, Kind.WORK_RATED, utc("2026-03-02"), units=-30, part=Part.COVERED)
    entry(bank, Kind.WORK_RATED, utc("2026-03-20"), units=-60, part=Part.COVERED)
    # 23:30 UTC on 31 January is 00:30 on 1 February in Berlin; this row is invoiced.
    late = entry(
        hourly, Kind.WORK_RATED, utc("2026-01-31", 23, 30), units=-15, charge=2250, part="charged"
    )
    entry(hourly, Kind.WORK_RATED, utc("2026-03-05", 9), units=-45, charge=6750, part="charged")
    entry(incidents, Kind.FEE_DUE, utc("2026-01-15"), charge=100000)
    entry(incidents, Kind.INCIDENT_CONSUMED, utc("2026-03-10", 2), units=-1, charge=15000)
    entry(incidents, Kind.INCIDENT_CONSUMED, utc("2026-03-11"), units=-1, charge=15000)
    invoice = Invoice.objects.create(
        organization=initech, period_start=date(2026, 2, 1), period_end=date(2026, 2, 28),
        currency="EUR",
    )  # fmt: skip
    InvoiceLine.objects.create(
        invoice=invoice, ledger_entry=late, kind=late.kind, description="Work", amount_minor=2250,
        at=late.at,
    )  # fmt: skip
    return Desk(
        initech,
        nakamura,
        bank,
        hourly,
        incidents,
        admin=UserFactory.create(role=User.Role.ADMIN),
        agent=UserFactory.create(role=User.Role.AGENT),
        alice=UserFactory.create(organization=initech),
        kenji=UserFactory.create(organization=nakamura),
    )


def report(
    user: User, start: str = "2026-01-01", end: str = "2026-03-31", **filters: str
) -> ContractsReport:
    f = parse_filter(
        user,
        start=start,
        end=end,
        organization=filters.get("organization"),
        kind=filters.get("kind"),
        today=TODAY,
    )
    return contracts_report(user, f, today=TODAY)


def test_each_contract_used_remaining_run_out_and_unbilled(desk: Desk) -> None:
    got = report(desk.agent)
    i, n = desk.initech, desk.nakamura
    assert got.contracts == [
        # 600 bought - 180 used = 420 left; 180 used in the 90 days to 31 March, so 2 a day:
        # 420 * 90 / 180 = 210 days after 31 March is 27 October.
        ContractRow(desk.bank.pk, i.pk, "Initech", "Bank hours", "bank", "Prepaid bank",
                    "minutes", "EUR", 180, 420, date(2026, 10, 27), 50000),
        # 15 + 45 minutes; the 22.50 of 1 February is on an invoice already.
        ContractRow(desk.hourly.pk, i.pk, "Initech", "Hourly support", "payg", "Pay as you go",
                    "minutes", "EUR", 60, None, None, 6750),
        ContractRow(desk.incidents.pk, n.pk, "Nakamura KK", "Incidents", "per_incident",
                    "Per incident", "incidents", "JPY", 2, None, None, 130000),
    ]  # fmt: skip
    assert [c.unbilled for c in got.contracts] == ["500.00", "67.50", "130000"]


def test_ninety_days_are_counted_in_weeks_starting_monday(desk: Desk) -> None:
    got = report(desk.agent)
    b, h, c = desk.bank.pk, desk.hourly.pk, desk.incidents.pk
    assert got.period == "week"
    assert got.periods[:3] == [date(2026, 1, 1), date(2026, 1, 5), date(2026, 1, 12)]
    assert len(got.periods) == 14  # 1 January (a Thursday) then 13 Mondays to 30 March
    assert got.use == [
        UseRow(date(2026, 1, 26), h, "Initech", "Hourly support", "minutes", 15),
        UseRow(date(2026, 2, 9), b, "Initech", "Bank hours", "minutes", 90),
        UseRow(date(2026, 3, 2), b, "Initech", "Bank hours", "minutes", 30),
        UseRow(date(2026, 3, 2), h, "Initech", "Hourly support", "minutes", 45),
        UseRow(date(2026, 3, 9), c, "Nakamura KK", "Incidents", "incidents", 2),
        UseRow(date(2026, 3, 16), b, "Initech", "Bank hours", "minutes", 60),
    ]
    by_unit = got.use_by_unit()
    assert sum(by_unit["minutes"].values()) == 240 and sum(by_unit["incidents"].values()) == 2
    assert by_unit["minutes"][date(2026, 3, 2)] == 75


def test_a_month_is_counted_in_days(desk: Desk) -> None:
    got = report(desk.agent, "2026-03-01", "2026-03-31")
    assert got.period == "day" and len(got.periods) == 31
    assert [(u.period_start.day, u.contract, u.units) for u in got.use] == [
        (2, "Bank hours", 30),
        (5, "Hourly support", 45),
        (10, "Incidents", 1),
        (11, "Incidents", 1),
        (20, "Bank hours", 60),
    ]
    assert [(c.used, c.unbilled_minor) for c in got.contracts] == [(90, 0), (45, 6750), (2, 30000)]


def test_revenue_per_kind_and_month_keeps_currencies_apart(desk: Desk) -> None:
    got = report(desk.admin)
    assert got.revenue == [
        RevenueRow(date(2026, 1, 1), "bank", "Prepaid bank", "EUR", 50000),
        RevenueRow(date(2026, 1, 1), "per_incident", "Per incident", "JPY", 100000),
        RevenueRow(date(2026, 2, 1), "payg", "Pay as you go", "EUR", 2250),  # Berlin's February
        RevenueRow(date(2026, 3, 1), "payg", "Pay as you go", "EUR", 6750),
        RevenueRow(date(2026, 3, 1), "per_incident", "Per incident", "JPY", 30000),
    ]
    by_currency = got.revenue_by_currency()
    assert sum(r.charge_minor for r in by_currency["EUR"]) == 59000
    assert sum(r.charge_minor for r in by_currency["JPY"]) == 130000


def test_a_quiet_range_shows_the_contracts_with_nothing_used(desk: Desk) -> None:
    got = report(desk.agent, "2026-01-10", "2026-01-14")
    assert [(c.used, c.remaining, c.unbilled_minor) for c in got.contracts] == [
        (0, 420, 0),
        (0, None, 0),
        (0, None, 0),
    ]
    assert got.use == [] and got.revenue == []
    assert set(got.use_by_unit()["minutes"].values()) == {0}


def test_a_range_before_any_contract_is_empty(desk: Desk) -> None:
    got = report(desk.agent, "2025-06-01", "2025-06-30")
    assert got.contracts == [] and got.use == [] and got.revenue == []
    assert got.use_by_unit() == {} and got.revenue_by_currency() == {}
    assert [t.rows for t in report_tables(got).values()] == [[], [], []]


def test_filters_by_organization_and_kind(desk: Desk) -> None:
    got = report(desk.agent, organization=str(desk.nakamura.pk))
    assert [c.name for c in got.contracts] == ["Incidents"]
    assert [r.currency for r in got.revenue or []] == ["JPY", "JPY"]
    got = report(desk.agent, kind="bank")
    assert [c.name for c in got.contracts] == ["Bank hours"]
    assert got.revenue == [RevenueRow(date(2026, 1, 1), "bank", "Prepaid bank", "EUR", 50000)]


def test_a_customer_sees_their_organization_and_no_revenue(desk: Desk) -> None:
    got = report(desk.alice)
    assert [c.name for c in got.contracts] == ["Bank hours", "Hourly support"]
    assert got.revenue is None and "revenue" not in report_tables(got)
    assert [c.name for c in report(desk.kenji).contracts] == ["Incidents"]
    assert [c.name for c in report(desk.alice, organization=str(desk.initech.pk)).contracts] == [
        "Bank hours",
        "Hourly support",
    ]


def test_a_customer_asking_for_another_organization_is_refused_as_unknown(desk: Desk) -> None:
    with pytest.raises(UnknownOrganization) as other:
        report(desk.alice, organization=str(desk.nakamura.pk))
    with pytest.raises(UnknownOrganization) as missing:
        report(desk.alice, organization="987654")
    assert other.value.field == missing.value.field == "organization"
    assert other.value.message == f"No organization '{desk.nakamura.pk}'."


@pytest.mark.parametrize(
    ("start", "end", "organization", "kind", "error", "field"),
    [
        ("2026-03-10", "2026-03-01", "", "", BadRange, "start"),
        ("2006-01-01", "2026-01-01", "", "", BadRange, "end"),
        ("2026-13-01", "", "", "", BadRange, "start"),
        ("", "", "987654", "", UnknownOrganization, "organization"),
        ("", "", "Initech", "", UnknownOrganization, "organization"),
        ("", "", "9" * 40, "", UnknownOrganization, "organization"),
        ("", "", "", "gold", UnknownKind, "kind"),
    ],
)
def test_bad_filters_are_refused_naming_the_field(
    desk: Desk,
    start: str,
    end: str,
    organization: str,
    kind: str,
    error: type[DomainError],
    field: str,
) -> None:
    with pytest.raises(error) as refused:
        parse_filter(
            desk.agent, start=start, end=end, organization=organization, kind=kind, today=TODAY
        )
    assert refused.value.field == field


def test_tables_show_what_the_report_holds(desk: Desk) -> None:
    tables = report_tables(report(desk.admin))
    assert tables["contracts"].rows[0] == [
        "Initech", "Bank hours", "Prepaid bank", "minutes", "180", "420", "2026-10-27",
        "500.00", "EUR",
    ]  # fmt: skip
    assert tables["consumption"].rows[0] == [
        "2026-01-26",
        "Initech",
        "Hourly support",
        "minutes",
        "15",
    ]
    assert tables["revenue"].rows[1] == ["2026-01", "Per incident", "JPY", "100000"]


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    [(12050, "EUR", "120.50"), (5, "EUR", "0.05"), (-250, "EUR", "-2.50"), (3000, "JPY", "3000"),
     (1234, "KWD", "1.234"), (0, "EUR", "0.00")],
)  # fmt: skip
def test_minor_units_are_shown_in_the_currencys_digits(
    minor: int, currency: str, text: str
) -> None:
    assert format_minor(minor, currency) == text


@given(st.integers(-(10**15), 10**15), st.sampled_from(["EUR", "JPY", "KWD", "USD"]))
def test_minor_units_read_back_exactly(minor: int, currency: str) -> None:
    assert Decimal(format_minor(minor, currency)) == Decimal(minor).scaleb(-minor_units(currency))
