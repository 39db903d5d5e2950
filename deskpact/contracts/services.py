"""Every write to contracts, work logs and the ledger: checked, locked, in one transaction.

Rules live in rating.py, banks.py and entitlement.py; this module reads what they need,
asks them, and writes the ledger rows they decide. Balances are never stored: each debit
reads the ledger under the contract's row lock, so two agents logging the last hour of a
bank at once queue on that lock instead of both spending it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from deskpact.accounts.models import Organization, User
from deskpact.contracts import banks, entitlement, ledger, rating
from deskpact.contracts.errors import ContractRefused, DepositRequired
from deskpact.contracts.models import (
    CHANNELS,
    BalanceWarning,
    BankBlock,
    Call,
    Contract,
    LedgerEntry,
    Price,
    Training,
    WorkLog,
    WorkTimer,
)
from deskpact.core import audit
from deskpact.core.currencies import is_currency
from deskpact.core.money import Money
from deskpact.core.tasks import enqueue

Kind = LedgerEntry.Kind
Part = LedgerEntry.Part
MAX_LOG_MINUTES = 24 * 60


def uses_incidents(contract: Contract) -> bool:
    """Incidents, not hours, are what this contract counts."""
    return contract.kind == Contract.Kind.PER_INCIDENT or (
        contract.kind in (Contract.Kind.CAPPED, Contract.Kind.BANK, Contract.Kind.PAYG)
        and contract.unit == Contract.Unit.INCIDENTS
    )


def lock_contract(contract: Contract) -> Contract:
    """Hold the contract's row lock until the transaction ends: debits queue on it."""
    return Contract.objects.select_for_update().get(pk=contract.pk)


# --- Prices -----------------------------------------------------------------------------


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


@transaction.atomic
def add_price(
    *, item: str, currency: str, amount: Decimal, effective_from: date, by: User
) -> Price:
    """A new price book entry; earlier work keeps the price that was in force on its day."""
    if item not in Price.Item.values:
        raise ValidationError({"item": f"Unknown price item {item!r}."})
    if not is_currency(currency):
        raise ValidationError({"currency": f"{currency!r} is not an ISO 4217 currency code."})
    if amount < 0:
        raise ValidationError({"amount": "A price cannot be negative."})
    if Price.objects.filter(item=item, currency=currency, effective_from=effective_from).exists():
        raise ValidationError(
            {"effective_from": f"A {item} price in {currency} already starts on {effective_from}."}
        )
    price = Price.objects.create(
        item=item, currency=currency, amount=amount, effective_from=effective_from
    )
    audit.record("price.added", price, actor=by, after={"amount": str(amount)})
    return price


# --- Contracts --------------------------------------------------------------------------

CONTRACT_FIELDS = [
    "name",
    "kind",
    "unit",
    "starts_on",
    "ends_on",
    "channels",
    "fee_minor",
    "hourly_rate",
    "overage_rate",
    "incident_rate",
    "minute_rate",
    "cap_units",
    "threshold_units",
    "threshold_minor",
    "exhaustion",
    "overdraft_units",
    "rounding_minutes",
    "minimum_minutes",
    "incident_window_minutes",
    "waiver_causes",
    "covered_modules",
    "contacts_policy",
    "max_named_contacts",
    "card_on_file",
    "account_manager",
]


def _check_terms(contract: Contract, *, named: Sequence[User] = ()) -> None:
    errors: dict[str, str] = {}
    if contract.ends_on is not None and contract.ends_on < contract.starts_on:
        errors["ends_on"] = "The term ends before it starts."
    if contract.kind not in Contract.Kind.values:
        errors["kind"] = f"Unknown contract kind {contract.kind!r}."
    channels = contract.channels
    if not isinstance(channels, list) or not channels or any(c not in CHANNELS for c in channels):
        errors["channels"] = f"Choose one or more of {', '.join(CHANNELS)}."
    if contract.kind == Contract.Kind.CAPPED and not contract.cap_units:
        errors["cap_units"] = "A capped contract needs a cap."
    if contract.kind == Contract.Kind.PER_INCIDENT:
        contract.unit = Contract.Unit.INCIDENTS
    elif contract.kind == Contract.Kind.PER_MINUTE:
        contract.unit = ""
    elif contract.kind in (Contract.Kind.CAPPED, Contract.Kind.BANK) and not contract.unit:
        errors["unit"] = "Choose hours or incidents."
    elif contract.kind in (Contract.Kind.AGREEMENT, Contract.Kind.PAYG) and not contract.unit:
        contract.unit = Contract.Unit.HOURS
    if contract.fee_minor < 0:
        errors["fee_minor"] = "A fee cannot be negative."
    if (
        contract.contacts_policy == Contract.Contacts.NAMED
        and len(named) > contract.max_named_contacts
    ):
        errors["authorized_contacts"] = (
            f"At most {contract.max_named_contacts} named contacts; {len(named)} given."
        )
    outsiders = [u.email for u in named if u.organization_id != contract.organization_id]
    if outsiders:
        errors["authorized_contacts"] = (
            f"Not contacts of this organization: {', '.join(outsiders)}."
        )
    for name in ("hourly_rate", "overage_rate", "incident_rate", "minute_rate"):
        value = getattr(contract, name)
        if value is not None and value < 0:
            errors[name] = "A rate cannot be negative."
    if errors:
        raise ValidationError(errors)
    _check_no_overlap(contract)


def _check_no_overlap(contract: Contract) -> None:
    """Two active contracts of the same kind for one organization may not share a day."""
    others = Contract.objects.filter(
        organization_id=contract.organization_id, kind=contract.kind, status=Contract.Status.ACTIVE
    ).exclude(pk=contract.pk)
    if contract.ends_on is not None:
        others = others.filter(starts_on__lte=contract.ends_on)
    for other in others:
        if other.ends_on is None or other.ends_on >= contract.starts_on:
            raise ValidationError(
                {
                    "starts_on": (
                        f"It overlaps {other.name} ({other.starts_on} to "
                        f"{other.ends_on or 'open-ended'}), a {other.get_kind_display()} "
                        "contract of the same organization."
                    )
                }
            )


@transaction.atomic
def create_contract(
    organization: Organization,
    *,
    by: User,
    authorized_contacts: Sequence[User] = (),
    at: datetime | None = None,
    **fields: Any,
) -> Contract:
    """A new contract; its term fee is due on its first day (a ledger row billing picks up)."""
    at = at or timezone.now()
    unknown = set(fields) - set(CONTRACT_FIELDS) - {"renews"}
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "Not a contract field."})
    contract = Contract(organization=organization, currency=organization.currency, **fields)
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    _check_terms(contract, named=authorized_contacts)
    contract.created_at = at
    contract.save(force_insert=True)
    if authorized_contacts:
        contract.authorized_contacts.set(authorized_contacts)
    if contract.fee_minor:
        _fee_row(contract, at=at)
    audit.record("contract.created", contract, actor=by, after={"kind": contract.kind}, at=at)
    return contract


def _fee_row(contract: Contract, *, at: datetime) -> LedgerEntry:
    starts = timezone.make_aware(datetime.combine(contract.starts_on, datetime.min.time()))
    return LedgerEntry.objects.create(
        contract=contract,
        organization_id=contract.organization_id,
        kind=Kind.FEE_DUE,
        part=Part.CHARGED,
        at=starts,
        recorded_at=at,
        charge_minor=contract.fee_minor,
        currency=contract.currency,
        quantity=Decimal(1),
        description=f"{contract.name}: fee for the term from {contract.starts_on}",
    )


@transaction.atomic
def end_contract(contract: Contract, *, on: date, by: User) -> Contract:
    """End a contract on `on`: no new tickets fall under it; logged work stays rated."""
    contract = lock_contract(contract)
    if contract.status == Contract.Status.ENDED:
        raise ContractRefused("This contract has already ended.", field="status")
    if on < contract.starts_on:
        raise ValidationError({"ends_on": "A contract cannot end before it starts."})
    before = {"status": contract.status, "ends_on": str(contract.ends_on)}
    contract.status = Contract.Status.ENDED
    contract.ends_on = on
    contract.save(update_fields=["status", "ends_on"])
    audit.record("contract.ended", contract, actor=by, before=before, after={"ends_on": str(on)})
    return contract


@transaction.atomic
def renew_contract(
    contract: Contract, *, by: User, ends_on: date | None = None, at: datetime | None = None
) -> Contract:
    """The next term of the same contract, starting the day after this one ends."""
    contract = lock_contract(contract)
    if contract.ends_on is None:
        raise ContractRefused("An open-ended contract has no term to renew.", field="ends_on")
    starts = contract.ends_on + timedelta(days=1)
    length = contract.ends_on - contract.starts_on
    fields = {name: getattr(contract, name) for name in CONTRACT_FIELDS}
    fields.update(starts_on=starts, ends_on=ends_on or starts + length, renews=contract)
    named = list(contract.authorized_contacts.all())
    return create_contract(contract.organization, by=by, authorized_contacts=named, at=at, **fields)


@transaction.atomic
def top_up_bank(
    contract: Contract,
    *,
    units: int,
    by: User,
    price_minor: int | None = None,
    currency: str | None = None,
    expires_on: date | None = None,
    at: datetime | None = None,
) -> BankBlock:
    """Buy a block for a bank; re-arms its low-balance warning."""
    at = at or timezone.now()
    contract = lock_contract(contract)
    if contract.kind != Contract.Kind.BANK:
        raise ContractRefused("Only a bank contract takes top-ups.", field="contract")
    if contract.status != Contract.Status.ACTIVE:
        raise ContractRefused("This contract has ended.", field="contract")
    if units <= 0:
        raise ValidationError({"units": "A block needs a positive quantity."})
    if currency is not None and currency != contract.currency:
        raise ValidationError(
            {"currency": f"The contract is in {contract.currency}, not {currency}."}
        )
    if expires_on is not None and expires_on < at.date():
        raise ValidationError({"expires_on": "A block cannot expire before it is bought."})
    if price_minor is None:
        item = Price.Item.BLOCK_INCIDENT if uses_incidents(contract) else Price.Item.BLOCK_HOUR
        rate = rate_for(contract, None, item, at.date(), "price_minor")
        count = Decimal(units) if uses_incidents(contract) else Decimal(units) / 60
        price_minor = rating.unit_charge(count, rate, contract.currency).minor
    if price_minor < 0:
        raise ValidationError({"price_minor": "A price cannot be negative."})
    block = BankBlock.objects.create(
        contract=contract,
        units=units,
        price_minor=price_minor,
        purchased_at=at,
        expires_on=expires_on,
    )
    LedgerEntry.objects.create(
        contract=contract,
        organization_id=contract.organization_id,
        kind=Kind.BLOCK_PURCHASED,
        part=Part.CHARGED,
        at=at,
        recorded_at=at,
        units=units,
        charge_minor=price_minor,
        currency=contract.currency,
        quantity=_quantity(contract, units),
        block=block,
        actor=by,
        description=f"Block of {_describe(contract, units)}",
    )
    audit.record("contract.topped_up", contract, actor=by, after={"units": units}, at=at)
    return block


@transaction.atomic
def pay_deposit(
    contract: Contract,
    *,
    amount_minor: int,
    by: User,
    currency: str | None = None,
    at: datetime | None = None,
) -> LedgerEntry:
    """A deposit paid towards per-minute calls; re-arms the deposit warning."""
    at = at or timezone.now()
    contract = lock_contract(contract)
    if contract.kind != Contract.Kind.PER_MINUTE:
        raise ContractRefused("Only a per-minute contract takes deposits.", field="contract")
    if amount_minor <= 0:
        raise ValidationError({"amount_minor": "A deposit must be positive."})
    if currency is not None and currency != contract.currency:
        raise ValidationError(
            {"currency": f"The contract is in {contract.currency}, not {currency}."}
        )
    entry = LedgerEntry.objects.create(
        contract=contract,
        organization_id=contract.organization_id,
        kind=Kind.DEPOSIT_PAID,
        part=Part.CHARGED,
        at=at,
        recorded_at=at,
        charge_minor=amount_minor,
        prepaid_minor=amount_minor,
        currency=contract.currency,
        quantity=Decimal(1),
        actor=by,
        description=f"Deposit of {Money(amount_minor, contract.currency)}",
    )
    audit.record("contract.deposit", contract, actor=by, after={"amount_minor": amount_minor})
    return entry


@transaction.atomic
def adjust(
    contract: Contract,
    *,
    by: User,
    reason: str,
    units: int = 0,
    charge_minor: int = 0,
    corrects: LedgerEntry | None = None,
    at: datetime | None = None,
) -> LedgerEntry:
    """A correction or goodwill adjustment: a new row, never an edit of an old one."""
    at = at or timezone.now()
    contract = lock_contract(contract)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the ledger is adjusted."})
    if units == 0 and charge_minor == 0:
        raise ValidationError({"units": "An adjustment changes units or the charge."})
    if corrects is not None and corrects.contract_id != contract.pk:
        raise ValidationError({"corrects": "That ledger row belongs to another contract."})
    entry = LedgerEntry.objects.create(
        contract=contract,
        organization_id=contract.organization_id,
        kind=Kind.ADJUSTMENT,
        at=at,
        recorded_at=at,
        units=units,
        charge_minor=charge_minor,
        currency=contract.currency,
        corrects=corrects,
        actor=by,
        description=reason.strip()[:300],
    )
    audit.record(
        "contract.adjusted",
        contract,
        actor=by,
        after={"units": units, "charge_minor": charge_minor, "reason": reason},
    )
    return entry


def record_training(
    user: User, *, course: str, completed_on: date, expires_on: date | None, by: User
) -> Training:
    if expires_on is not None and expires_on < completed_on:
        raise ValidationError({"expires_on": "Training cannot expire before it was completed."})
    if not course.strip():
        raise ValidationError({"course": "Name the course."})
    training = Training.objects.create(
        user=user, course=course.strip(), completed_on=completed_on, expires_on=expires_on
    )
    audit.record("training.recorded", training, actor=by)
    return training


def _quantity(contract: Contract, units: int) -> Decimal:
    return Decimal(units) if uses_incidents(contract) else rating.hours(units)


def _describe(contract: Contract, units: int) -> str:
    if uses_incidents(contract):
        return f"{units} incident{'s' if units != 1 else ''}"
    return f"{rating.hours(units).normalize()} h"


# --- Entitlement ------------------------------------------------------------------------


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


# --- Work logs --------------------------------------------------------------------------


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
    if not isinstance(req.minutes, int) or req.minutes <= 0:
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
    on = log.started_at.date()
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
        b = ledger.balance(contract)
        banks.check_overdraft(b.units, minutes, limit=contract.overdraft_units, unit="minutes")
        d = banks.debit(minutes, ledger.blocks_left(contract), on=on)
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
    on = log.started_at.date()
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


def _warn_if_crossed(contract: Contract, before: ledger.Balance, at: datetime) -> None:
    after = ledger.balance(contract)
    if contract.kind == Contract.Kind.BANK and banks.crossed_threshold(
        before.units, after.units, contract.threshold_units
    ):
        _warn(contract, BalanceWarning.Measure.UNITS, after.units, at)
    if contract.kind == Contract.Kind.PER_MINUTE and banks.crossed_threshold(
        before.prepaid_minor, after.prepaid_minor, contract.threshold_minor
    ):
        _warn(contract, BalanceWarning.Measure.DEPOSIT, after.prepaid_minor, at)


def _warn(contract: Contract, measure: str, balance: int, at: datetime) -> None:
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
    req = LogRequest(
        minutes,
        started_at
        or at - timedelta(minutes=minutes if isinstance(minutes, int) and minutes > 0 else 0),
        channel or ticket.channel,
        is_billable,
        note,
    )
    _check_log(ticket, agent, req, at)
    contract = lock_contract(ticket.contract) if ticket.contract_id else None
    if contract is not None:
        _check_contract_for(contract, req.started_at.date())
        if is_billable:
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
        _warn_if_crossed(contract, before, at)
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
    """One phone call with a log per agent on it (3 agents for 14 minutes: 42 agent-minutes)."""
    at = at or timezone.now()
    if not agents:
        raise ValidationError({"agents": "Name at least one agent on the call."})
    if len({a.pk for a in agents}) != len(agents):
        raise ValidationError({"agents": "Each agent once."})
    if not isinstance(minutes, int) or minutes <= 0:
        raise ValidationError({"minutes": "Log a positive whole number of minutes."})
    call = Call.objects.create(
        ticket=ticket,
        started_at=started_at,
        minutes=minutes,
        logged_by=by,
        note=note,
        created_at=at,
    )
    for agent in agents:
        log_work(
            ticket,
            agent=agent,
            minutes=minutes,
            started_at=started_at,
            channel="phone",
            note=note,
            logged_by=by,
            call=call,
            at=at,
        )
    return call


# --- Incidents --------------------------------------------------------------------------


def consume_incident(ticket: Any, *, at: datetime) -> list[LedgerEntry]:
    """At resolution: the ticket's incidents, once per ticket however often it is resolved."""
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
    _warn_if_crossed(contract, before, at)
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
    on = at.date()
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
        b = ledger.balance(contract)
        banks.check_overdraft(b.units, count, limit=contract.overdraft_units, unit="incidents")
        d = banks.debit(count, ledger.blocks_left(contract), on=on)
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
        contract, contract.overage_rate, Price.Item.OVERAGE_INCIDENT, at.date(), "resolved_at"
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


# --- Ticket's contract ------------------------------------------------------------------


@transaction.atomic
def change_ticket_contract(ticket: Any, *, contract: Contract | None, by: User) -> Any:
    """An agent moves a ticket to another of its organization's contracts (audited)."""
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


# --- Expiry and timers ------------------------------------------------------------------


@transaction.atomic
def expire_blocks(*, on: date, at: datetime | None = None) -> int:
    """Write off what is left of blocks that expired before `on` (once per block)."""
    at = at or timezone.now()
    done = 0
    expired = BankBlock.objects.filter(expires_on__lt=on).exclude(ledger__kind=Kind.EXPIRY)
    for contract_id in sorted(set(expired.values_list("contract_id", flat=True))):
        contract = lock_contract(Contract(pk=contract_id))
        for block in ledger.blocks_left(contract):
            if block.expires_on is None or block.expires_on >= on or block.left <= 0:
                continue
            LedgerEntry.objects.create(
                contract=contract,
                organization_id=contract.organization_id,
                kind=Kind.EXPIRY,
                part=Part.TRACKED,
                at=at,
                recorded_at=at,
                units=-block.left,
                block_id=block.block_id,
                currency=contract.currency,
                quantity=_quantity(contract, block.left),
                description=f"{_describe(contract, block.left)} expired on {block.expires_on}",
            )
            done += 1
    return done


@transaction.atomic
def start_timer(ticket: Any, *, agent: User, at: datetime | None = None) -> WorkTimer:
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
