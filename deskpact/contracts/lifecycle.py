"""Contracts from creation to end: terms checked, fees due, blocks bought, deposits paid,
adjustments and expiry as ledger rows; the price book."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from deskpact.accounts.models import Organization, User
from deskpact.contracts import banks, ledger, rating
from deskpact.contracts.charging import (
    Kind,
    Part,
    describe_units,
    lock_contract,
    quantity_of,
    rate_for,
    uses_incidents,
)
from deskpact.contracts.errors import ContractRefused
from deskpact.contracts.models import (
    CHANNELS,
    BankBlock,
    Contract,
    LedgerEntry,
    Price,
    Training,
)
from deskpact.core import audit
from deskpact.core.currencies import is_currency
from deskpact.core.money import Money


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


def _field_errors(contract: Contract) -> dict[str, str]:
    """The model's own field checks (choices, positive numbers, lengths), one per field."""
    try:
        contract.full_clean(
            exclude=["organization", "channels", "waiver_causes", "covered_modules"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        return {name: " ".join(messages) for name, messages in exc.message_dict.items()}
    return {}


def _check_terms(contract: Contract, *, named: Sequence[User] = ()) -> None:
    errors: dict[str, str] = _field_errors(contract)
    if contract.kind not in Contract.Kind.values:
        errors["kind"] = f"Unknown contract kind {contract.kind!r}."
    channels = contract.channels
    if not isinstance(channels, list) or not channels or any(c not in CHANNELS for c in channels):
        errors["channels"] = f"Choose one or more of {', '.join(CHANNELS)}."
    if contract.kind == Contract.Kind.CAPPED and not contract.cap_units:
        errors["cap_units"] = "A capped contract needs a cap."
    for name in ("waiver_causes", "covered_modules"):
        value = getattr(contract, name)
        if not isinstance(value, list) or any(not isinstance(v, str) for v in value):
            errors[name] = "A list of names."
    if contract.kind == Contract.Kind.PER_INCIDENT:
        contract.unit = Contract.Unit.INCIDENTS
    elif contract.kind == Contract.Kind.PER_MINUTE:
        contract.unit = ""
    elif contract.kind in (Contract.Kind.CAPPED, Contract.Kind.BANK) and not contract.unit:
        errors["unit"] = "Choose hours or incidents."
    elif contract.kind in (Contract.Kind.AGREEMENT, Contract.Kind.PAYG) and not contract.unit:
        contract.unit = Contract.Unit.HOURS
    if isinstance(contract.fee_minor, int) and contract.fee_minor < 0:
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
        if isinstance(value, Decimal | int) and value < 0:
            errors[name] = "A rate cannot be negative."
    if (
        isinstance(contract.starts_on, date)
        and isinstance(contract.ends_on, date)
        and contract.ends_on < contract.starts_on
    ):
        errors["ends_on"] = (
            f"The term ends on {contract.ends_on}, before it starts on {contract.starts_on}."
        )
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
    if contract.ends_on is not None and on > contract.ends_on:
        raise ValidationError(
            {"ends_on": f"The term already ends on {contract.ends_on}; renew to extend it."}
        )
    before = {"status": contract.status, "ends_on": str(contract.ends_on)}
    contract.status = Contract.Status.ENDED
    contract.ends_on = on
    contract.save(update_fields=["status", "ends_on"])
    audit.record("contract.ended", contract, actor=by, before=before, after={"ends_on": str(on)})
    return contract


def _add_months(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def next_term_end(starts_on: date, ends_on: date) -> date:
    """The last day of the term after `starts_on..ends_on`, following the calendar: a
    year from 1 January 2024 to 31 December 2024 renews to 31 December 2025 (leap or not);
    a term that is not whole months repeats its length in days."""
    after = ends_on + timedelta(days=1)
    months = (after.year - starts_on.year) * 12 + after.month - starts_on.month
    if months > 0 and _add_months(starts_on, months) == after:
        return _add_months(after, months) - timedelta(days=1)
    return after + (ends_on - starts_on)


@transaction.atomic
def renew_contract(
    contract: Contract, *, by: User, ends_on: date | None = None, at: datetime | None = None
) -> Contract:
    """The next term of the same contract, starting the day after this one ends."""
    contract = lock_contract(contract)
    if contract.ends_on is None:
        raise ContractRefused("An open-ended contract has no term to renew.", field="ends_on")
    starts = contract.ends_on + timedelta(days=1)
    fields = {name: getattr(contract, name) for name in CONTRACT_FIELDS}
    fields.update(
        starts_on=starts,
        ends_on=ends_on or next_term_end(contract.starts_on, contract.ends_on),
        renews=contract,
    )
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
    """Buy a block for a bank; re-arms its low-balance warning.

    Overage logged while the bank was below zero was billed at the overage rate, so the
    top-up first clears it (an adjustment row): the new block starts whole.
    """
    at = at or timezone.now()
    contract = lock_contract(contract)
    if contract.kind != Contract.Kind.BANK:
        raise ContractRefused("Only a bank contract takes top-ups.", field="contract")
    if contract.status != Contract.Status.ACTIVE:
        raise ContractRefused("This contract has ended.", field="contract")
    if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
        raise ValidationError({"units": "A block needs a positive whole quantity."})
    if currency is not None and currency != contract.currency:
        raise ValidationError(
            {"currency": f"The contract is in {contract.currency}, not {currency}."}
        )
    if expires_on is not None and expires_on < timezone.localdate(at):
        raise ValidationError({"expires_on": "A block cannot expire before it is bought."})
    if price_minor is None:
        item = Price.Item.BLOCK_INCIDENT if uses_incidents(contract) else Price.Item.BLOCK_HOUR
        rate = rate_for(contract, None, item, timezone.localdate(at), "price_minor")
        if uses_incidents(contract):
            price_minor = rating.unit_charge(units, rate, contract.currency).minor
        else:
            price_minor = rating.hourly_charge(units, rate, contract.currency).minor
    if not isinstance(price_minor, int) or price_minor < 0:
        raise ValidationError({"price_minor": "A price is a whole, non-negative amount."})
    owed = banks.settlement(ledger.balance(contract).units)
    if owed:
        LedgerEntry.objects.create(
            contract=contract,
            organization_id=contract.organization_id,
            kind=Kind.ADJUSTMENT,
            part=Part.OVERAGE,
            at=at,
            recorded_at=at,
            units=owed,
            currency=contract.currency,
            quantity=quantity_of(contract, owed),
            actor=by,
            description=(
                f"Overage of {describe_units(contract, owed)} was billed at the overage rate; "
                "cleared by the top-up"
            ),
        )
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
        quantity=quantity_of(contract, units),
        block=block,
        actor=by,
        description=f"Block of {describe_units(contract, units)}",
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
    if not isinstance(amount_minor, int) or isinstance(amount_minor, bool) or amount_minor <= 0:
        raise ValidationError({"amount_minor": "A deposit is a positive whole amount."})
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
    """A correction or goodwill adjustment: a new row, never an edit of an old one.

    Units taken off a bank come out of its blocks, oldest-expiring first (one row per block,
    the first returned), so what a block has left never outlives the balance and an expiry
    never writes off units the bank no longer holds.
    """
    at = at or timezone.now()
    contract = lock_contract(contract)
    if not isinstance(units, int) or not isinstance(charge_minor, int):
        raise ValidationError({"units": "Units and the charge are whole numbers."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why the ledger is adjusted."})
    if units == 0 and charge_minor == 0:
        raise ValidationError({"units": "An adjustment changes units or the charge."})
    if corrects is not None and corrects.contract_id != contract.pk:
        raise ValidationError({"corrects": "That ledger row belongs to another contract."})
    parts: list[tuple[int | None, int]] = [(None, units)]
    if contract.kind == Contract.Kind.BANK and units < 0:
        if contract.exhaustion == Contract.Exhaustion.OVERAGE:
            unit = "incidents" if uses_incidents(contract) else "minutes"
            banks.check_overdraft(
                ledger.balance(contract).units,
                -units,
                limit=contract.overdraft_units,
                unit=unit,
                field="units",
            )
        d = banks.debit(-units, ledger.blocks_left(contract), on=timezone.localdate(at))
        parts = [(block_id, -u) for block_id, u in d.from_blocks]
        parts += [(None, -d.overage)] if d.overage else []
    entries = [
        LedgerEntry.objects.create(
            contract=contract,
            organization_id=contract.organization_id,
            kind=Kind.ADJUSTMENT,
            at=at,
            recorded_at=at,
            units=part_units,
            block_id=block_id,
            charge_minor=charge_minor if i == 0 else 0,
            currency=contract.currency,
            corrects=corrects,
            actor=by,
            description=reason.strip()[:300],
        )
        for i, (block_id, part_units) in enumerate(parts)
    ]
    entry = entries[0]
    audit.record(
        "contract.adjusted",
        contract,
        actor=by,
        after={"units": units, "charge_minor": charge_minor, "reason": reason},
    )
    return entry


@transaction.atomic
def record_training(
    user: User, *, course: str, completed_on: date, expires_on: date | None, by: User
) -> Training:
    """A contact's completed training; `trained` contracts accept them while it is in force."""
    if expires_on is not None and expires_on < completed_on:
        raise ValidationError({"expires_on": "Training cannot expire before it was completed."})
    if not course.strip():
        raise ValidationError({"course": "Name the course."})
    training = Training.objects.create(
        user=user, course=course.strip(), completed_on=completed_on, expires_on=expires_on
    )
    audit.record("training.recorded", training, actor=by)
    return training


@transaction.atomic
def expire_blocks(*, on: date, at: datetime | None = None) -> int:
    """Write off what is left of blocks that expired before `on`, once per block.

    Returns the number of expiry rows written.
    """
    at = at or timezone.now()
    done = 0
    expired = BankBlock.objects.filter(expires_on__lt=on).exclude(ledger__kind=Kind.EXPIRY)
    for contract_id in sorted(set(expired.values_list("contract_id", flat=True))):
        contract = lock_contract(Contract(pk=contract_id))  # in id order: no deadlocks
        for block in ledger.blocks_left(contract):
            if block.expires_on is None or block.expires_on >= on or block.left <= 0:
                continue
            gone = block.left
            LedgerEntry.objects.create(
                contract=contract,
                organization_id=contract.organization_id,
                kind=Kind.EXPIRY,
                part=Part.TRACKED,
                at=at,
                recorded_at=at,
                units=-gone,
                block_id=block.block_id,
                currency=contract.currency,
                quantity=quantity_of(contract, gone),
                description=f"{describe_units(contract, gone)} expired on {block.expires_on}",
            )
            done += 1
    return done
