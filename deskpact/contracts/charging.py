"""What every charge needs: the contract's unit, its row lock, prices in force, bank debits
and low-balance warnings (once per crossing)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from deskpact.contracts import banks, ledger, rating
from deskpact.contracts.models import (
    BalanceWarning,
    Contract,
    LedgerEntry,
    Price,
)
from deskpact.core.tasks import enqueue

Kind = LedgerEntry.Kind


Part = LedgerEntry.Part


def uses_incidents(contract: Contract) -> bool:
    """Incidents, not hours, are what this contract counts."""
    return contract.kind == Contract.Kind.PER_INCIDENT or (
        contract.kind in (Contract.Kind.CAPPED, Contract.Kind.BANK, Contract.Kind.PAYG)
        and contract.unit == Contract.Unit.INCIDENTS
    )


def lock_contract(contract: Contract) -> Contract:
    """Hold the contract's row lock until the transaction ends: debits queue on it."""
    return Contract.objects.select_for_update().get(pk=contract.pk)


def price_entries(currency: str) -> list[rating.PriceEntry]:
    return [
        rating.PriceEntry(p.item, p.currency, p.amount, p.effective_from)
        for p in Price.objects.filter(currency=currency)
    ]


def rate_for(contract: Contract, own: Decimal | None, item: str, on: date, field: str) -> Decimal:
    """The contract's own rate when set, else the price book's in force on `on`."""
    if own is not None:
        return own
    return rating.price_on(
        price_entries(contract.currency), item=item, currency=contract.currency, on=on, field=field
    )


def quantity_of(contract: Contract, units: int) -> Decimal:
    return Decimal(units) if uses_incidents(contract) else rating.hours(units)


def describe_units(contract: Contract, units: int) -> str:
    if uses_incidents(contract):
        return f"{units} incident{'s' if units != 1 else ''}"
    return f"{rating.hours(units).normalize():f} h"


def work_day(started_at: datetime) -> date:
    """The day work was done, in the desk's time zone: the day its price is taken from."""
    return timezone.localdate(started_at)


def bank_debit(contract: Contract, units: int, on: date, *, unit: str, field: str) -> banks.Debit:
    """Where a bank debit lands; under `overage` with a limit, refuse going past it."""
    blocks = ledger.blocks_left(contract)
    units_now = ledger.balance(contract).units
    if contract.exhaustion == Contract.Exhaustion.OVERAGE:
        have = banks.available(units_now, blocks, on=on)
        banks.check_overdraft(have, units, limit=contract.overdraft_units, unit=unit, field=field)
    return banks.debit(units, blocks, on=on, balance=units_now)


def warn_if_crossed(contract: Contract, before: ledger.Balance, at: datetime) -> None:
    after = ledger.balance(contract)
    if contract.kind == Contract.Kind.BANK and banks.crossed_threshold(
        before.units, after.units, contract.threshold_units
    ):
        send_warning_once(contract, BalanceWarning.Measure.UNITS, after.units, at)
    if contract.kind == Contract.Kind.PER_MINUTE and banks.crossed_threshold(
        before.prepaid_minor, after.prepaid_minor, contract.threshold_minor
    ):
        send_warning_once(contract, BalanceWarning.Measure.DEPOSIT, after.prepaid_minor, at)


def send_warning_once(contract: Contract, measure: str, balance: int, at: datetime) -> None:
    """Once per crossing: the unique (contract, measure, last top-up) settles it."""
    top_up = ledger.last_top_up(contract, deposit=measure == BalanceWarning.Measure.DEPOSIT)
    if top_up is None:
        return
    try:
        with transaction.atomic():
            warning = BalanceWarning.objects.create(
                contract=contract, measure=measure, armed_by=top_up, balance=balance, sent_at=at
            )
    except IntegrityError:
        return
    from deskpact.contracts.tasks import send_balance_warning

    enqueue(send_balance_warning, warning_id=warning.pk)
