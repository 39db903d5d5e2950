"""Entitlement set when a ticket is opened, contract changes and audited overrides."""

from __future__ import annotations

from datetime import date

import pytest

from deskpact.accounts.models import Organization, User
from deskpact.contracts import services
from deskpact.contracts.errors import ContractRefused
from deskpact.contracts.tests.conftest import MakeContract, OpenTicket
from deskpact.core.models import AuditEntry
from deskpact.testing.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_an_organization_without_a_contract_gets_no_contract(
    open_for: OpenTicket, alice: User
) -> None:
    ticket = open_for(alice)
    assert (ticket.contract, ticket.entitlement) == (None, "no_contract")


def test_the_contract_is_picked_in_kind_order_among_those_covering_the_channel(
    make_contract: MakeContract, open_for: OpenTicket, initech: Organization, alice: User
) -> None:
    payg = make_contract(initech, "payg")
    per_minute = make_contract(initech, "per_minute", channels=["phone"], card_on_file=True)
    agreement = make_contract(initech, "agreement", channels=["email"])
    assert open_for(alice, channel="web").contract == payg
    assert open_for(alice, channel="phone").contract == per_minute
    assert open_for(alice, channel="email").contract == agreement
    # After every term has ended no contract covers the ticket.
    assert open_for(alice, day="2027-01-04", channel="email").contract is None


def test_named_contacts_are_entitled_and_others_not_authorized(
    make_contract: MakeContract, open_for: OpenTicket, initech: Organization, alice: User, bob: User
) -> None:
    contract = make_contract(
        initech, "agreement", contacts_policy="named", authorized_contacts=[alice]
    )
    assert open_for(alice).entitlement == "entitled"
    refused = open_for(bob)
    assert (refused.contract, refused.entitlement) == (contract, "not_authorized")


def test_trained_contacts_need_training_in_force(
    make_contract: MakeContract,
    open_for: OpenTicket,
    initech: Organization,
    alice: User,
    bob: User,
    admin: User,
) -> None:
    make_contract(initech, "capped", unit="hours", cap_units=600, contacts_policy="trained")
    services.record_training(
        alice, course="Admin basics", completed_on=date(2025, 9, 1), expires_on=None, by=admin
    )
    services.record_training(
        bob,
        course="Admin basics",
        completed_on=date(2025, 1, 1),
        expires_on=date(2026, 2, 28),
        by=admin,
    )
    assert open_for(alice).entitlement == "entitled"
    assert open_for(bob).entitlement == "not_authorized"
    assert open_for(bob, day="2026-02-27").entitlement == "entitled"


def test_a_blocked_bank_at_zero_is_exhausted(
    make_contract: MakeContract, open_for: OpenTicket, initech: Organization, alice: User
) -> None:
    make_contract(initech, "bank", unit="hours", exhaustion="block")
    assert open_for(alice).entitlement == "exhausted"


def test_override_not_authorized_is_audited(
    make_contract: MakeContract,
    open_for: OpenTicket,
    initech: Organization,
    alice: User,
    bob: User,
    sam: User,
) -> None:
    make_contract(initech, "agreement", contacts_policy="named", authorized_contacts=[alice])
    ticket = open_for(bob)
    with pytest.raises(ContractRefused):
        services.override_not_authorized(ticket, by=alice, reason="I say so")
    services.override_not_authorized(ticket, by=sam, reason="Alice is on leave; Bob stands in")
    ticket.refresh_from_db()
    assert ticket.entitlement == "entitled"
    entry = AuditEntry.objects.get(action="ticket.authorization_overridden")
    assert entry.actor == sam and entry.object_id == str(ticket.pk)
    assert entry.before == {"entitlement": "not_authorized"}
    assert entry.after == {"entitlement": "entitled", "reason": "Alice is on leave; Bob stands in"}
    with pytest.raises(ContractRefused) as again:
        services.override_not_authorized(ticket, by=sam, reason="twice")
    assert again.value.code == "contract_refused"
    assert AuditEntry.objects.filter(action="ticket.authorization_overridden").count() == 1


def test_an_agent_changes_the_ticket_contract_within_its_organization(
    make_contract: MakeContract,
    open_for: OpenTicket,
    initech: Organization,
    nakamura: Organization,
    alice: User,
    sam: User,
) -> None:
    payg = make_contract(initech, "payg")
    bank = make_contract(initech, "bank", unit="hours", exhaustion="block", channels=["phone"])
    foreign = make_contract(nakamura, "payg")
    ticket = open_for(alice)
    assert ticket.contract == payg
    services.change_ticket_contract(ticket, contract=bank, by=sam)
    ticket.refresh_from_db()
    assert (ticket.contract, ticket.entitlement) == (bank, "exhausted")
    with pytest.raises(Exception) as wrong:
        services.change_ticket_contract(ticket, contract=foreign, by=sam)
    assert "contract" in getattr(wrong.value, "message_dict", {})
    customer = UserFactory.create(organization=initech)
    with pytest.raises(ContractRefused):
        services.change_ticket_contract(ticket, contract=payg, by=customer)
    ticket.refresh_from_db()
    assert ticket.contract == bank
    assert AuditEntry.objects.filter(action="ticket.contract_changed").count() == 1
