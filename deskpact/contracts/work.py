"""Work logs, calls and timers, each rated against the ticket's contract into ledger rows.

Balances are never stored: each debit reads the ledger under the contract's row lock, so
two agents logging the last hour of a bank at once queue on that lock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from deskpact.accounts.models import User
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
from deskpact.contracts.errors import ContractRefused, DepositRequired
from deskpact.contracts.models import (
    CHANNELS,
    Call,
    Contract,
    LedgerEntry,
    Price,
    WorkLog,
    WorkTimer,
)

MAX_LOG_MINUTES = 24 * 60


@dataclass(frozen=True)
class LogRequest:
    minutes: int
    started_at: datetime
    channel: str
    is_billable: bool = True
    note: str = ""


def _check_log(ticket: Any, agent: User, req: LogRequest, at: datetime) -> None:
    errors: dict[str, str] = {}
    if not agent.is_agent:
        errors["agent"] = f"{agent.email} is not an agent."
    if not isinstance(req.minutes, int) or isinstance(req.minutes, bool) or req.minutes <= 0:
        errors["minutes"] = "Log a positive whole number of minutes."
    elif req.minutes > MAX_LOG_MINUTES:
        errors["minutes"] = f"At most {MAX_LOG_MINUTES} minutes in one log."
    if req.started_at > at + timedelta(minutes=5):
        errors["started_at"] = "Work cannot start in the future."
    if req.channel not in CHANNELS:
        errors["channel"] = f"Choose one of {', '.join(CHANNELS)}."
    if len(req.note) > 5000:
        errors["note"] = "At most 5,000 characters."
    if errors:
        raise ValidationError(errors)


def _check_contract_for(contract: Contract, on: date) -> None:
    if on < contract.starts_on or (contract.ends_on is not None and on > contract.ends_on):
        raise ValidationError(
            {
                "started_at": (
                    f"{contract.name} runs from {contract.starts_on} to "
                    f"{contract.ends_on or 'open-ended'}; work on {on} is outside its term."
                )
            }
        )


def _entry(contract: Contract, log: WorkLog, at: datetime, **fields: Any) -> LedgerEntry:
    return LedgerEntry(
        contract=contract,
        organization_id=contract.organization_id,
        kind=Kind.WORK_RATED,
        at=log.started_at,
        recorded_at=at,
        currency=contract.currency,
        work_log=log,
        ticket_id=log.ticket_id,
        **fields,
    )


def _rate_log(contract: Contract, log: WorkLog, cause: str, at: datetime) -> list[LedgerEntry]:
    """The ledger rows one log makes under its contract (SPEC §4)."""
    on = work_day(log.started_at)
    minutes = rating.round_minutes(
        log.minutes, increment=contract.rounding_minutes, minimum=contract.minimum_minutes
    )
    if not log.is_billable:
        return [
            _entry(
                contract,
                log,
                at,
                part=Part.TRACKED,
                quantity=rating.hours(log.minutes),
                description="Not billable",
            )
        ]
    if uses_incidents(contract):
        # Counted into incidents when the ticket is resolved.
        return [
            _entry(
                contract,
                log,
                at,
                part=Part.TRACKED,
                quantity=rating.hours(minutes),
                description="Counted at resolution",
            )
        ]
    kind = contract.kind
    if kind == Contract.Kind.AGREEMENT:
        return [
            _entry(
                contract,
                log,
                at,
                part=Part.TRACKED,
                units=-minutes,
                quantity=rating.hours(minutes),
                description="Covered by the agreement",
            )
        ]
    if kind == Contract.Kind.PAYG:
        rate = rate_for(contract, contract.hourly_rate, Price.Item.HOUR, on, "started_at")
        charge = rating.hourly_charge(minutes, rate, contract.currency)
        return [
            _entry(
                contract,
                log,
                at,
                part=Part.CHARGED,
                units=-minutes,
                rate=rate,
                charge_minor=charge.minor,
                quantity=rating.hours(minutes),
            )
        ]
    if kind == Contract.Kind.CAPPED:
        covered, over = rating.split_at_cap(
            minutes, cap=contract.cap_units or 0, used=ledger.used_in_term(contract)
        )
        return _covered_and_overage(contract, log, at, covered, over, on)
    if kind == Contract.Kind.BANK:
        d = bank_debit(contract, minutes, on, unit="minutes", field="minutes")
        rows = [
            _entry(
                contract,
                log,
                at,
                part=Part.COVERED,
                units=-units,
                block_id=block_id,
                quantity=rating.hours(units),
                description="From the bank",
            )
            for block_id, units in d.from_blocks
        ]
        if d.from_credit:
            rows.append(
                _entry(
                    contract,
                    log,
                    at,
                    part=Part.COVERED,
                    units=-d.from_credit,
                    quantity=rating.hours(d.from_credit),
                    description="From the bank's credit",
                )
            )
        if d.overage:
            rows += _covered_and_overage(contract, log, at, 0, d.overage, on)
        return rows
    if kind == Contract.Kind.PER_MINUTE:
        return [_per_minute_row(contract, log, minutes, cause, at)]
    raise ContractRefused(f"Unknown contract kind {kind!r}.", field="contract")


def _covered_and_overage(
    contract: Contract, log: WorkLog, at: datetime, covered: int, over: int, on: date
) -> list[LedgerEntry]:
    rows = []
    if covered:
        rows.append(
            _entry(
                contract,
                log,
                at,
                part=Part.COVERED,
                units=-covered,
                quantity=rating.hours(covered),
                description="Within the cap",
            )
        )
    if over:
        rate = rate_for(contract, contract.overage_rate, Price.Item.OVERAGE_HOUR, on, "started_at")
        charge = rating.hourly_charge(over, rate, contract.currency)
        rows.append(
            _entry(
                contract,
                log,
                at,
                part=Part.OVERAGE,
                units=-over,
                rate=rate,
                charge_minor=charge.minor,
                quantity=rating.hours(over),
                description="Overage",
            )
        )
    return rows


def _per_minute_row(
    contract: Contract, log: WorkLog, minutes: int, cause: str, at: datetime
) -> LedgerEntry:
    """Agent-minutes at the minute rate, drawn from the deposit; beyond it, charged."""
    on = work_day(log.started_at)
    if rating.is_waived(cause, contract.waiver_causes):
        return _entry(
            contract,
            log,
            at,
            part=Part.WAIVED,
            units=-minutes,
            quantity=Decimal(minutes),
            description=f"Waived: cause {cause.replace('_', ' ')}",
        )
    rate = rate_for(contract, contract.minute_rate, Price.Item.MINUTE, on, "started_at")
    cost = rating.unit_charge(minutes, rate, contract.currency).minor
    left = max(0, ledger.balance(contract).prepaid_minor)
    drawn = min(cost, left)
    return _entry(
        contract,
        log,
        at,
        part=Part.CHARGED,
        units=-minutes,
        rate=rate,
        quantity=Decimal(minutes),
        prepaid_minor=-drawn,
        charge_minor=cost - drawn,
        description="Agent-minutes on a call",
    )


def _require_deposit(contract: Contract) -> None:
    if contract.kind != Contract.Kind.PER_MINUTE or contract.card_on_file:
        return
    if ledger.balance(contract).prepaid_minor <= 0:
        raise DepositRequired(
            "This per-minute contract has no deposit left and no card on file: take a deposit "
            "or record a card before logging a call.",
            field="contract",
        )


@transaction.atomic
def log_work(
    ticket: Any,
    *,
    agent: User,
    minutes: int,
    started_at: datetime | None = None,
    channel: str | None = None,
    is_billable: bool = True,
    note: str = "",
    logged_by: User | None = None,
    call: Call | None = None,
    at: datetime | None = None,
) -> WorkLog:
    """Record an agent's minutes on a ticket and rate them against its contract."""
    at = at or timezone.now()
    return _log(
        ticket,
        agent=agent,
        minutes=minutes,
        started_at=started_at,
        channel=channel,
        is_billable=is_billable,
        note=note,
        logged_by=logged_by,
        call=call,
        at=at,
        check_deposit=True,
    )


def _log(
    ticket: Any,
    *,
    agent: User,
    minutes: int,
    started_at: datetime | None,
    channel: str | None,
    is_billable: bool,
    note: str,
    logged_by: User | None,
    call: Call | None,
    at: datetime,
    check_deposit: bool,
) -> WorkLog:
    whole = isinstance(minutes, int) and not isinstance(minutes, bool)
    req = LogRequest(
        minutes,
        started_at or at - timedelta(minutes=minutes if whole and minutes > 0 else 0),
        channel or ticket.channel,
        is_billable,
        note,
    )
    _check_log(ticket, agent, req, at)
    contract = lock_contract(ticket.contract) if ticket.contract_id else None
    if contract is not None:
        _check_contract_for(contract, work_day(req.started_at))
        if is_billable and check_deposit:
            _require_deposit(contract)
    log = WorkLog.objects.create(
        ticket=ticket,
        agent=agent,
        contract=contract,
        call=call,
        started_at=req.started_at,
        minutes=req.minutes,
        channel=req.channel,
        is_billable=req.is_billable,
        note=req.note,
        logged_by=logged_by or agent,
        created_at=at,
    )
    if contract is not None:
        before = ledger.balance(contract)
        LedgerEntry.objects.bulk_create(_rate_log(contract, log, ticket.cause, at))
        warn_if_crossed(contract, before, at)
    return log


@transaction.atomic
def log_call(
    ticket: Any,
    *,
    agents: Sequence[User],
    minutes: int,
    started_at: datetime,
    by: User,
    note: str = "",
    at: datetime | None = None,
) -> Call:
    """One phone call with a log per agent on it (3 agents for 14 minutes: 42 agent-minutes).

    A per-minute contract needs a deposit or a card before the call is logged; once it is,
    every agent on the call is logged even when the first ones use the deposit up.
    """
    at = at or timezone.now()
    if not by.is_agent:
        raise ValidationError({"by": f"{by.email} is not an agent."})
    if not agents:
        raise ValidationError({"agents": "Name at least one agent on the call."})
    if len({a.pk for a in agents}) != len(agents):
        raise ValidationError({"agents": "Each agent once."})
    if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0:
        raise ValidationError({"minutes": "Log a positive whole number of minutes."})
    if minutes > MAX_LOG_MINUTES:
        raise ValidationError({"minutes": f"At most {MAX_LOG_MINUTES} minutes in one call."})
    if ticket.contract_id:
        _require_deposit(lock_contract(ticket.contract))
    call = Call.objects.create(
        ticket=ticket,
        started_at=started_at,
        minutes=minutes,
        logged_by=by,
        note=note,
        created_at=at,
    )
    for agent in agents:
        _log(
            ticket,
            agent=agent,
            minutes=minutes,
            started_at=started_at,
            channel="phone",
            is_billable=True,
            note=note,
            logged_by=by,
            call=call,
            at=at,
            check_deposit=False,
        )
    return call


@transaction.atomic
def start_timer(ticket: Any, *, agent: User, at: datetime | None = None) -> WorkTimer:
    """Start the agent's timer on a ticket; a running one keeps its start."""
    if not agent.is_agent:
        raise ValidationError({"agent": f"{agent.email} is not an agent."})
    timer, _ = WorkTimer.objects.get_or_create(
        ticket=ticket, agent=agent, defaults={"started_at": at or timezone.now()}
    )
    return timer


@transaction.atomic
def stop_timer(ticket: Any, *, agent: User, note: str = "", at: datetime | None = None) -> WorkLog:
    """Stop the agent's timer and log its minutes (a started minute counts)."""
    at = at or timezone.now()
    timer = WorkTimer.objects.select_for_update().filter(ticket=ticket, agent=agent).first()
    if timer is None:
        raise ContractRefused("No timer is running on this ticket.", field="timer")
    seconds = max(0, (at - timer.started_at).total_seconds())
    minutes = max(1, -(-int(seconds) // 60))
    timer.delete()
    return log_work(
        ticket, agent=agent, minutes=minutes, started_at=timer.started_at, note=note, at=at
    )
