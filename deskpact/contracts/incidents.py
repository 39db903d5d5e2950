"""Incidents consumed when a ticket is resolved: once per ticket, however often resolved."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from deskpact.contracts import ledger, rating
from deskpact.contracts.charging import (
    Kind,
    Part,
    bank_debit,
    lock_contract,
    rate_for,
    uses_incidents,
    warn_if_crossed,
    work_day,
)
from deskpact.contracts.models import (
    Contract,
    LedgerEntry,
    Price,
    WorkLog,
)


@transaction.atomic
def consume_incident(ticket: Any, *, at: datetime) -> list[LedgerEntry]:
    """At resolution: the ticket's incidents, once per ticket however often it is resolved.

    Checked under the contract's row lock; the unique constraint on the ledger backs it.
    """
    if not ticket.contract_id:
        return []
    contract = lock_contract(ticket.contract)
    if not uses_incidents(contract):
        return []
    if LedgerEntry.objects.filter(
        ticket=ticket, contract=contract, kind=Kind.INCIDENT_CONSUMED
    ).exists():
        return []
    minutes = sum(
        rating.round_minutes(
            m, increment=contract.rounding_minutes, minimum=contract.minimum_minutes
        )
        for m in WorkLog.objects.filter(
            ticket=ticket, contract=contract, is_billable=True
        ).values_list("minutes", flat=True)
    )
    count = rating.incidents_for(minutes, window=contract.incident_window_minutes)
    rows = _incident_rows(contract, ticket, count, at)
    before = ledger.balance(contract)
    LedgerEntry.objects.bulk_create(rows)
    warn_if_crossed(contract, before, at)
    return rows


def _incident(contract: Contract, ticket: Any, at: datetime, **fields: Any) -> LedgerEntry:
    return LedgerEntry(
        contract=contract,
        organization_id=contract.organization_id,
        kind=Kind.INCIDENT_CONSUMED,
        at=at,
        recorded_at=at,
        currency=contract.currency,
        ticket_id=ticket.pk,
        **fields,
    )


def _incident_rows(contract: Contract, ticket: Any, count: int, at: datetime) -> list[LedgerEntry]:
    on = work_day(at)
    label = f"{ticket.key}: {count} incident{'s' if count != 1 else ''}"
    if contract.kind in (Contract.Kind.PER_INCIDENT, Contract.Kind.PAYG):
        if rating.is_waived(ticket.cause, contract.waiver_causes):
            return [
                _incident(
                    contract,
                    ticket,
                    at,
                    part=Part.WAIVED,
                    units=-count,
                    quantity=Decimal(count),
                    description=f"{label}, waived: cause {ticket.cause.replace('_', ' ')}",
                )
            ]
        rate = rate_for(contract, contract.incident_rate, Price.Item.INCIDENT, on, "resolved_at")
        charge = rating.unit_charge(count, rate, contract.currency)
        return [
            _incident(
                contract,
                ticket,
                at,
                part=Part.CHARGED,
                units=-count,
                rate=rate,
                charge_minor=charge.minor,
                quantity=Decimal(count),
                description=label,
            )
        ]
    if contract.kind == Contract.Kind.CAPPED:
        covered, over = rating.split_at_cap(
            count, cap=contract.cap_units or 0, used=ledger.used_in_term(contract)
        )
    else:  # a bank of incidents
        d = bank_debit(contract, count, on, unit="incidents", field="status")
        rows = [
            _incident(
                contract,
                ticket,
                at,
                part=Part.COVERED,
                units=-u,
                block_id=block_id,
                quantity=Decimal(u),
                description=f"{label}, from the bank",
            )
            for block_id, u in d.from_blocks
        ]
        if d.from_credit:
            rows.append(
                _incident(
                    contract,
                    ticket,
                    at,
                    part=Part.COVERED,
                    units=-d.from_credit,
                    quantity=Decimal(d.from_credit),
                    description=f"{label}, from the bank's credit",
                )
            )
        return rows + _incident_overage(contract, ticket, at, d.overage, label)
    rows = []
    if covered:
        rows.append(
            _incident(
                contract,
                ticket,
                at,
                part=Part.COVERED,
                units=-covered,
                quantity=Decimal(covered),
                description=f"{label}, within the cap",
            )
        )
    return rows + _incident_overage(contract, ticket, at, over, label)


def _incident_overage(
    contract: Contract, ticket: Any, at: datetime, over: int, label: str
) -> list[LedgerEntry]:
    if not over:
        return []
    rate = rate_for(
        contract, contract.overage_rate, Price.Item.OVERAGE_INCIDENT, work_day(at), "resolved_at"
    )
    charge = rating.unit_charge(over, rate, contract.currency)
    return [
        _incident(
            contract,
            ticket,
            at,
            part=Part.OVERAGE,
            units=-over,
            rate=rate,
            charge_minor=charge.minor,
            quantity=Decimal(over),
            description=f"{label}, overage",
        )
    ]
