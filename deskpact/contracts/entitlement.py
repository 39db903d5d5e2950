"""Which contract a new ticket falls under, and whether its requester is entitled (SPEC §4)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

# The order in which a ticket's contract is chosen among those covering its channel.
KIND_ORDER = ("agreement", "capped", "bank", "per_minute", "per_incident", "payg")

ENTITLED = "entitled"
NOT_AUTHORIZED = "not_authorized"
EXHAUSTED = "exhausted"
NO_CONTRACT = "no_contract"


@dataclass(frozen=True)
class Terms:
    """What entitlement needs to know of one contract."""

    contract_id: int
    kind: str
    starts_on: date
    ends_on: date | None
    channels: tuple[str, ...]
    is_active: bool = True
    contacts_policy: str = "any"
    named: frozenset[int] = field(default_factory=frozenset)
    exhaustion: str = "overage"
    overdraft_units: int | None = None
    card_on_file: bool = False


@dataclass(frozen=True)
class Standing:
    """Balances that decide exhaustion: the bank's units and the prepaid deposit."""

    units: int = 0
    prepaid_minor: int = 0


@dataclass(frozen=True)
class Requester:
    user_id: int
    trained_until: Sequence[tuple[date, date | None]] = ()  # (completed_on, expires_on)


def in_term(terms: Terms, on: date) -> bool:
    return (
        terms.is_active and terms.starts_on <= on and (terms.ends_on is None or on <= terms.ends_on)
    )


def pick_contract(contracts: Iterable[Terms], *, channel: str, on: date) -> Terms | None:
    """The active contract covering `channel` on `on`, first in KIND_ORDER."""
    covering = [t for t in contracts if in_term(t, on) and channel in t.channels]
    covering.sort(key=lambda t: (KIND_ORDER.index(t.kind), t.starts_on, t.contract_id))
    return covering[0] if covering else None


def is_authorized(terms: Terms, requester: Requester, *, on: date) -> bool:
    if terms.contacts_policy == "named":
        return requester.user_id in terms.named
    if terms.contacts_policy == "trained":
        return any(
            done <= on and (until is None or on <= until) for done, until in requester.trained_until
        )
    return True


def is_exhausted(terms: Terms, standing: Standing) -> bool:
    """Nothing left to draw on: a blocking bank at zero, an overdraft used up, no deposit."""
    if terms.kind == "bank":
        if terms.exhaustion == "block":
            return standing.units <= 0
        return terms.overdraft_units is not None and standing.units <= -terms.overdraft_units
    if terms.kind == "per_minute":
        return standing.prepaid_minor <= 0 and not terms.card_on_file
    return False


def state_for(terms: Terms | None, requester: Requester, standing: Standing, *, on: date) -> str:
    """The entitlement state a ticket shows: entitled, not_authorized, exhausted, no_contract."""
    if terms is None:
        return NO_CONTRACT
    if not is_authorized(terms, requester, on=on):
        return NOT_AUTHORIZED
    if is_exhausted(terms, standing):
        return EXHAUSTED
    return ENTITLED
