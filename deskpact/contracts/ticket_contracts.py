"""Which contract a ticket falls under and whether its requester is entitled; an agent's
change of contract or override of authorization (audited)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from deskpact.accounts.models import User
from deskpact.contracts import entitlement, ledger
from deskpact.contracts.errors import ContractRefused
from deskpact.contracts.models import (
    Contract,
    Training,
)
from deskpact.core import audit


def terms_of(contract: Contract) -> entitlement.Terms:
    return entitlement.Terms(
        contract_id=contract.pk,
        kind=contract.kind,
        starts_on=contract.starts_on,
        ends_on=contract.ends_on,
        channels=tuple(contract.channels or ()),
        is_active=contract.status == Contract.Status.ACTIVE,
        contacts_policy=contract.contacts_policy,
        named=frozenset(u.pk for u in contract.authorized_contacts.all())
        if contract.contacts_policy == Contract.Contacts.NAMED
        else frozenset(),
        exhaustion=contract.exhaustion,
        overdraft_units=contract.overdraft_units,
        card_on_file=contract.card_on_file,
    )


def requester_of(user: User) -> entitlement.Requester:
    return entitlement.Requester(
        user.pk, tuple(Training.objects.filter(user=user).values_list("completed_on", "expires_on"))
    )


def state_of(contract: Contract | None, requester: User, *, on: date) -> str:
    if contract is None:
        return entitlement.NO_CONTRACT
    b = ledger.balance(contract)
    standing = entitlement.Standing(units=b.units, prepaid_minor=b.prepaid_minor)
    return entitlement.state_for(terms_of(contract), requester_of(requester), standing, on=on)


def entitlement_for(
    organization_id: int | None, requester: User, *, channel: str, on: date
) -> tuple[Contract | None, str]:
    """The contract a new ticket falls under, and its entitlement state (SPEC §4)."""
    if organization_id is None:
        return None, entitlement.NO_CONTRACT
    candidates = list(
        Contract.objects.filter(
            organization_id=organization_id, status=Contract.Status.ACTIVE, starts_on__lte=on
        ).prefetch_related("authorized_contacts")
    )
    picked = entitlement.pick_contract([terms_of(c) for c in candidates], channel=channel, on=on)
    if picked is None:
        return None, entitlement.NO_CONTRACT
    contract = next(c for c in candidates if c.pk == picked.contract_id)
    return contract, state_of(contract, requester, on=on)


@transaction.atomic
def change_ticket_contract(ticket: Any, *, contract: Contract | None, by: User) -> Any:
    """An agent moves a ticket to another of its organization's contracts (audited)."""
    if not by.is_agent:
        raise ContractRefused("Only agents change a ticket's contract.", field="contract")
    if contract is not None:
        if contract.organization_id != ticket.organization_id:
            raise ValidationError({"contract": "That contract belongs to another organization."})
        if contract.status != Contract.Status.ACTIVE:
            raise ValidationError({"contract": "That contract has ended."})
    before = {"contract": ticket.contract_id, "entitlement": ticket.entitlement}
    ticket.contract = contract
    ticket.entitlement = state_of(contract, ticket.requester, on=timezone.localdate())
    ticket.save(update_fields=["contract", "entitlement"])
    audit.record(
        "ticket.contract_changed",
        ticket,
        actor=by,
        before=before,
        after={"contract": ticket.contract_id, "entitlement": ticket.entitlement},
    )
    return ticket


@transaction.atomic
def override_not_authorized(ticket: Any, *, by: User, reason: str) -> Any:
    """An agent accepts a ticket from a contact the contract does not name (audited)."""
    if not by.is_agent:
        raise ContractRefused("Only agents override authorization.", field="entitlement")
    if ticket.entitlement != entitlement.NOT_AUTHORIZED:
        raise ContractRefused("This ticket is not marked not authorized.", field="entitlement")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the contact is accepted."})
    ticket.entitlement = entitlement.ENTITLED
    ticket.save(update_fields=["entitlement"])
    audit.record(
        "ticket.authorization_overridden",
        ticket,
        actor=by,
        before={"entitlement": entitlement.NOT_AUTHORIZED},
        after={"entitlement": entitlement.ENTITLED, "reason": reason.strip()},
    )
    return ticket
