"""Two consecutive months per contract kind, every line and total computed by hand.

October and November 2026; runs happen a few days after each month ends. Europe/Berlin is
UTC+2 until 25 October 2026 and UTC+1 from then on.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from deskpact.accounts.models import Organization, User
from deskpact.billing import services
from deskpact.billing.tests.conftest import MakeContract, OpenTicket, at
from deskpact.billing.tests.support import invoice_of, lines, money, state
from deskpact.contracts import services as contracts
from deskpact.contracts.errors import OverdraftExceeded
from deskpact.testing.factories import OrganizationFactory, UserFactory
from deskpact.tickets import services as tickets

OCT_RUN, NOV_RUN = at("2026-11-03"), at("2026-12-03")
RESOLVED = "resolved"


def bill(month: str) -> None:
    services.run_billing(period=month, at=OCT_RUN if month == "2026-10" else NOV_RUN)


def test_capped_contract_crossing_its_cap_mid_month(
    initech: Organization, alice: User, sam: User, make_contract: MakeContract, open_for: OpenTicket
) -> None:
    # Fee 1,200.00 due 1 October; 10 hours covered; overage 150.00/h; 19 % tax.
    make_contract(
        initech,
        "capped",
        unit="hours",
        fee_minor=120_000,
        cap_units=600,
        overage_rate=Decimal("150"),
        starts_on=at("2026-10-01").date(),
    )
    ticket = open_for(alice, when=at("2026-10-05", 8))
    contracts.log_work(ticket, agent=sam, minutes=540, started_at=at("2026-10-05"))
    # 60 minutes left under the cap: 60 covered, 60 overage = 150.00.
    contracts.log_work(ticket, agent=sam, minutes=120, started_at=at("2026-10-20"))
    bill("2026-10")
    october = invoice_of(initech, "2026-10")
    assert lines(october) == [("fee_due", "charged", 120_000), ("work_rated", "overage", 15_000)]
    # 1,350.00 + 19 % (256.50) = 1,606.50
    assert money(october) == (135_000, 25_650, 160_650)

    contracts.log_work(ticket, agent=sam, minutes=30, started_at=at("2026-11-03"))
    bill("2026-11")
    november = invoice_of(initech, "2026-11")
    assert lines(november) == [("work_rated", "overage", 7_500)]  # half an hour at 150.00
    assert money(november) == (7_500, 1_425, 8_925)


def test_bank_exhausted_under_overage_down_to_its_overdraft_limit(
    admin: User,
    initech: Organization,
    alice: User,
    sam: User,
    make_contract: MakeContract,
    open_for: OpenTicket,
) -> None:
    contract = make_contract(
        initech,
        "bank",
        unit="hours",
        exhaustion="overage",
        overdraft_units=60,
        overage_rate=Decimal("120"),
    )
    contracts.top_up_bank(contract, units=120, price_minor=20_000, by=admin, at=at("2026-10-02"))
    ticket = open_for(alice, when=at("2026-10-09"))
    # 150 minutes: 120 from the bank, 30 overage at 120.00/h = 60.00.
    contracts.log_work(ticket, agent=sam, minutes=150, started_at=at("2026-10-10"))
    bill("2026-10")
    october = invoice_of(initech, "2026-10")
    assert lines(october) == [
        ("block_purchased", "charged", 20_000),
        ("work_rated", "overage", 6_000),
    ]
    assert money(october) == (26_000, 4_940, 30_940)

    contracts.log_work(ticket, agent=sam, minutes=30, started_at=at("2026-11-04"))
    with pytest.raises(OverdraftExceeded):  # 60 minutes below zero is the limit
        contracts.log_work(ticket, agent=sam, minutes=1, started_at=at("2026-11-05"))
    bill("2026-11")
    november = invoice_of(initech, "2026-11")
    assert lines(november) == [("work_rated", "overage", 6_000)]
    assert money(november) == (6_000, 1_140, 7_140)


def test_per_minute_calls_drawing_a_deposit_below_its_threshold_and_a_waiver(
    admin: User,
    initech: Organization,
    alice: User,
    sam: User,
    kim: User,
    make_contract: MakeContract,
    open_for: OpenTicket,
) -> None:
    contract = make_contract(
        initech,
        "per_minute",
        channels=["phone"],
        minute_rate=Decimal("2.00"),
        threshold_minor=1_000,
    )
    contracts.pay_deposit(contract, amount_minor=5_000, by=admin, at=at("2026-10-01", 12))
    ticket = open_for(alice, when=at("2026-10-08", 8), channel="phone")
    # Two agents for 15 minutes: 30.00 each. The first draws 30.00 from the 50.00 deposit
    # (nothing to bill beyond the deposit line); the second draws the last 20.00 and 10.00
    # is charged.
    contracts.log_call(ticket, agents=[sam, kim], minutes=15, started_at=at("2026-10-08"), by=sam)
    bill("2026-10")
    october = invoice_of(initech, "2026-10")
    assert lines(october) == [("deposit_paid", "charged", 5_000), ("work_rated", "charged", 1_000)]
    assert money(october) == (6_000, 1_140, 7_140)

    contracts.pay_deposit(contract, amount_minor=3_000, by=admin, at=at("2026-11-02", 12))
    contracts.log_call(ticket, agents=[sam], minutes=10, started_at=at("2026-11-03"), by=sam)
    defect = open_for(alice, when=at("2026-11-19", 8), channel="phone")
    tickets.set_cause(defect, cause="product_defect", by=sam, at=at("2026-11-19", 8))
    contracts.log_call(defect, agents=[sam], minutes=5, started_at=at("2026-11-20"), by=sam)
    bill("2026-11")
    november = invoice_of(initech, "2026-11")
    # The 10-minute call (20.00) is drawn from the new deposit; the defect's call is waived.
    assert lines(november) == [("deposit_paid", "charged", 3_000), ("work_rated", "waived", 0)]
    waiver = november.lines.get(part="waived")
    assert waiver.description == f"{defect.key}: Waived: cause product defect"
    assert money(november) == (3_000, 570, 3_570)


def test_per_incident_priced_on_the_day_of_resolution_and_a_waiver_shown_at_zero(
    admin: User,
    initech: Organization,
    alice: User,
    sam: User,
    make_contract: MakeContract,
    open_for: OpenTicket,
    price,
) -> None:
    price("incident", "EUR", "80.00", "2026-01-01")
    price("incident", "EUR", "95.00", "2026-10-15")
    make_contract(initech, "per_incident")
    ticket = open_for(alice, when=at("2026-10-10", 8))
    # 150 minutes on 10 October (price 80.00) = two started windows of 120 minutes.
    contracts.log_work(ticket, agent=sam, minutes=150, started_at=at("2026-10-10"))
    tickets.change_status(ticket, to=RESOLVED, by=sam, at=at("2026-10-20"))
    bill("2026-10")
    october = invoice_of(initech, "2026-10")
    # Resolved on 20 October: 2 incidents at 95.00.
    assert lines(october) == [("incident_consumed", "charged", 19_000)]
    assert money(october) == (19_000, 3_610, 22_610)

    defect = open_for(alice, when=at("2026-11-02", 8))
    contracts.log_work(defect, agent=sam, minutes=30, started_at=at("2026-11-02"))
    tickets.set_cause(defect, cause="product_defect", by=sam, at=at("2026-11-04"))
    tickets.change_status(defect, to=RESOLVED, by=sam, at=at("2026-11-05"))
    bill("2026-11")
    november = invoice_of(initech, "2026-11")
    assert lines(november) == [("incident_consumed", "waived", 0)]
    assert (
        november.lines.get().description
        == f"{defect.key}: 1 incident, waived: cause product defect"
    )
    assert money(november) == (0, 0, 0)
    issued = services.issue_invoice(november, by=admin, at=at("2026-12-04"))
    assert (issued.status, issued.total_minor) == ("issued", 0)


def test_agreement_bills_its_fee_and_never_the_tracked_work(
    initech: Organization, alice: User, sam: User, make_contract: MakeContract, open_for: OpenTicket
) -> None:
    make_contract(initech, "agreement", fee_minor=50_000, starts_on=at("2026-10-01").date())
    ticket = open_for(alice, when=at("2026-10-06", 8))
    contracts.log_work(ticket, agent=sam, minutes=90, started_at=at("2026-10-06"))
    bill("2026-10")
    october = invoice_of(initech, "2026-10")
    assert lines(october) == [("fee_due", "charged", 50_000)]
    assert money(october) == (50_000, 9_500, 59_500)

    contracts.log_work(ticket, agent=sam, minutes=45, started_at=at("2026-11-06"))
    bill("2026-11")
    assert not initech.invoices.filter(period_start=at("2026-11-01").date()).exists()


def test_pay_as_you_go_in_yen_rounds_each_line_to_whole_yen(
    sam: User, make_contract: MakeContract, open_for: OpenTicket
) -> None:
    nakamura = OrganizationFactory.create(
        name="Nakamura KK", currency="JPY", time_zone="Asia/Tokyo", tax_rate=Decimal("10")
    )
    yui = UserFactory.create(email="yui@nakamura.example", organization=nakamura)
    make_contract(nakamura, "payg", unit="hours", hourly_rate=Decimal("8000"))
    ticket = open_for(yui, when=at("2026-10-03", 1))
    # 50 minutes at 8,000/h = 6,666.67 -> 6,667 yen; tax 666.7 -> 667.
    contracts.log_work(ticket, agent=sam, minutes=50, started_at=at("2026-10-03", 2))
    bill("2026-10")
    october = invoice_of(nakamura, "2026-10")
    assert lines(october) == [("work_rated", "charged", 6_667)]
    assert money(october) == (6_667, 667, 7_334)
    assert october.currency == "JPY"

    contracts.log_work(ticket, agent=sam, minutes=45, started_at=at("2026-11-10", 2))
    bill("2026-11")
    assert money(invoice_of(nakamura, "2026-11")) == (6_000, 600, 6_600)


def test_pay_as_you_go_in_dinars_rounds_to_the_fils(
    sam: User, make_contract: MakeContract, open_for: OpenTicket
) -> None:
    gulf = OrganizationFactory.create(
        name="Gulf Traders", currency="KWD", time_zone="Asia/Kuwait", tax_rate=Decimal("5")
    )
    omar = UserFactory.create(email="omar@gulf.example", organization=gulf)
    make_contract(gulf, "payg", unit="hours", hourly_rate=Decimal("12.345"))
    ticket = open_for(omar, when=at("2026-10-12", 6))
    # 20 minutes at 12.345/h = 4.115 KWD; tax 5 % = 0.20575 -> 0.206.
    contracts.log_work(ticket, agent=sam, minutes=20, started_at=at("2026-10-12", 7))
    bill("2026-10")
    october = invoice_of(gulf, "2026-10")
    assert lines(october) == [("work_rated", "charged", 4_115)]
    assert money(october) == (4_115, 206, 4_321)

    # 7 minutes = 1.44025 -> 1.440; tax 0.072.
    contracts.log_work(ticket, agent=sam, minutes=7, started_at=at("2026-11-12", 7))
    bill("2026-11")
    assert money(invoice_of(gulf, "2026-11")) == (1_440, 72, 1_512)


def test_months_follow_the_organization_time_zone_and_late_work_lands_next_month(
    admin: User, sam: User, make_contract: MakeContract, open_for: OpenTicket
) -> None:
    berlin = OrganizationFactory.create(name="Berliner Werk", currency="EUR", tax_rate=0)
    hans = UserFactory.create(email="hans@werk.example", organization=berlin)
    make_contract(berlin, "payg", unit="hours", hourly_rate=Decimal("60"))
    ticket = open_for(hans, when=at("2026-10-30"))
    # 23:30 on 31 October in Berlin (UTC+1) is 22:30 UTC: October. 30 min = 30.00.
    contracts.log_work(ticket, agent=sam, minutes=30, started_at=at("2026-10-31", 22, 30))
    # 00:30 on 1 November in Berlin is 23:30 UTC on 31 October: November. 60 min = 60.00.
    contracts.log_work(ticket, agent=sam, minutes=60, started_at=at("2026-10-31", 23, 30))
    bill("2026-10")
    october = invoice_of(berlin, "2026-10")
    assert lines(october) == [("work_rated", "charged", 3_000)]
    services.issue_invoice(october, by=admin, at=at("2026-11-04"))

    # Work of 15 October logged on 10 November, after October was invoiced.
    contracts.log_work(
        ticket, agent=sam, minutes=15, started_at=at("2026-10-15"), at=at("2026-11-10")
    )
    before = state()
    bill("2026-10")  # October again: already invoiced, nothing changes
    assert state() == before
    bill("2026-11")
    november = invoice_of(berlin, "2026-11")
    assert lines(november) == [("work_rated", "charged", 1_500), ("work_rated", "charged", 6_000)]
    assert money(november) == (7_500, 0, 7_500)
    before = state()
    bill("2026-11")  # re-running is a no-op
    bill("2026-10")
    assert state() == before
