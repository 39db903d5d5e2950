"""Per-minute phone support: a deposit or card first, billed per agent-minute."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core import mail

from deskpact.accounts.models import Organization, User
from deskpact.contracts import ledger, services
from deskpact.contracts.errors import DepositRequired
from deskpact.contracts.models import BalanceWarning, Call, LedgerEntry, WorkLog
from deskpact.contracts.tests.conftest import MakeContract, OpenTicket
from deskpact.contracts.tests.support import at, counts, rows
from deskpact.tickets import services as tickets

pytestmark = pytest.mark.django_db
Kind, Part = LedgerEntry.Kind, LedgerEntry.Part


@pytest.fixture
def per_minute(make_contract: MakeContract, initech: Organization) -> Any:
    return make_contract(
        initech,
        "per_minute",
        channels=["phone"],
        minute_rate=Decimal("1.25"),
        threshold_minor=5_000,
    )


def test_three_agents_for_fourteen_minutes_is_42_agent_minutes_drawn_from_the_deposit(
    per_minute: Any,
    open_for: OpenTicket,
    alice: User,
    sam: User,
    kim: User,
    lee: User,
    admin: User,
) -> None:
    services.pay_deposit(per_minute, amount_minor=10_000, by=admin, at=at("2026-03-01"))
    ticket = open_for(alice, channel="phone")
    assert (ticket.contract, ticket.entitlement) == (per_minute, "entitled")
    call = services.log_call(
        ticket, agents=[sam, kim, lee], minutes=14, started_at=at("2026-03-02", 10), by=sam
    )
    logs = WorkLog.objects.filter(call=call)
    assert sorted(logs.values_list("agent__email", "minutes")) == [
        ("kim@desk.example", 14),
        ("lee@desk.example", 14),
        ("sam@desk.example", 14),
    ]
    worked = rows(per_minute, kind=Kind.WORK_RATED)
    assert worked == [(Kind.WORK_RATED, Part.CHARGED, -14, 0, -1_750)] * 3  # 14 x 1.25
    b = ledger.balance(per_minute)
    assert -b.units == 42 and b.used == 42
    assert b.prepaid_minor == 10_000 - 5_250  # 42 agent-minutes x 1.25 = 52.50
    assert b.charged_minor == 10_000  # the deposit; the calls drew on it


def test_a_call_is_refused_without_a_deposit_or_a_card(
    per_minute: Any, open_for: OpenTicket, alice: User, sam: User, kim: User
) -> None:
    ticket = open_for(alice, channel="phone")
    assert ticket.entitlement == "exhausted"
    before = counts()
    with pytest.raises(DepositRequired) as refused:
        services.log_call(
            ticket, agents=[sam, kim], minutes=5, started_at=at("2026-03-02", 10), by=sam
        )
    assert refused.value.code == "deposit_required" and refused.value.field == "contract"
    with pytest.raises(DepositRequired):
        services.log_work(ticket, agent=sam, minutes=5, channel="phone", at=at("2026-03-02", 11))
    assert counts() == before
    assert Call.objects.count() == 0


def test_the_deposit_runs_out_mid_call_and_the_rest_is_charged_with_one_warning(
    make_contract: MakeContract,
    initech: Organization,
    open_for: OpenTicket,
    alice: User,
    sam: User,
    kim: User,
    admin: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    contract = make_contract(
        initech,
        "per_minute",
        channels=["phone"],
        minute_rate=Decimal("1.00"),
        threshold_minor=1_500,
    )
    services.pay_deposit(contract, amount_minor=3_000, by=admin, at=at("2026-03-01"))
    ticket = open_for(alice, channel="phone")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.log_call(
            ticket, agents=[sam, kim], minutes=20, started_at=at("2026-03-02", 10), by=sam
        )
    assert rows(contract, kind=Kind.WORK_RATED) == [
        (Kind.WORK_RATED, Part.CHARGED, -20, 0, -2_000),
        (Kind.WORK_RATED, Part.CHARGED, -20, 1_000, -1_000),  # 10.00 left, 10.00 charged
    ]
    assert ledger.balance(contract).prepaid_minor == 0
    warning = BalanceWarning.objects.get()
    assert (warning.measure, warning.balance) == ("deposit", 1_000)
    sent = [m for m in mail.outbox if m.subject.startswith("Low balance")]
    assert len(sent) == 1 and "10.00 EUR left" in sent[0].body


def test_card_on_file_charges_every_minute_and_waivers_zero_it(
    make_contract: MakeContract,
    initech: Organization,
    open_for: OpenTicket,
    alice: User,
    sam: User,
) -> None:
    contract = make_contract(
        initech, "per_minute", channels=["phone"], minute_rate=Decimal("0.95"), card_on_file=True
    )
    ticket = open_for(alice, channel="phone")
    assert ticket.entitlement == "entitled"
    services.log_call(ticket, agents=[sam], minutes=7, started_at=at("2026-03-02", 10), by=sam)
    tickets.set_cause(ticket, cause="product_defect", by=sam, at=at("2026-03-02", 11))
    ticket.refresh_from_db()
    services.log_call(ticket, agents=[sam], minutes=9, started_at=at("2026-03-02", 12), by=sam)
    assert rows(contract) == [
        (Kind.WORK_RATED, Part.CHARGED, -7, 665, 0),  # 7 x 0.95 = 6.65
        (Kind.WORK_RATED, Part.WAIVED, -9, 0, 0),
    ]
