"""Whether an organization's service agreement covers updates for a module on a day (SPEC §4).

`covers` is the rule, on plain values; `check_updates` reads the organization's
agreements and asks it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError

from deskpact.accounts.models import Organization
from deskpact.contracts.models import Contract

COVERED = "covered"
NO_AGREEMENT = "no_agreement"
OUTSIDE_TERM = "outside_term"
MODULE_NOT_COVERED = "module_not_covered"


@dataclass(frozen=True)
class Agreement:
    """What the check needs to know of one agreement contract."""

    contract_id: int
    name: str
    starts_on: date
    ends_on: date | None
    status: str
    covered_modules: tuple[str, ...]


@dataclass(frozen=True)
class Coverage:
    covered: bool
    code: str
    reason: str
    agreement: Agreement | None = None


def module_key(module: str) -> str:
    """Modules match whatever their case or surrounding spaces."""
    return module.strip().casefold()


def in_force(agreement: Agreement, on: date) -> bool:
    """In its term (both ends included) and active, or ended no earlier than `on`."""
    if on < agreement.starts_on or (agreement.ends_on is not None and on > agreement.ends_on):
        return False
    if agreement.status == "active":
        return True
    return agreement.status == "ended" and agreement.ends_on is not None and on <= agreement.ends_on


def _term(a: Agreement) -> str:
    return f"{a.starts_on.isoformat()} to {a.ends_on.isoformat() if a.ends_on else 'open-ended'}"


def covers(agreements: Iterable[Agreement], *, module: str, on: date) -> Coverage:
    """Whether one of `agreements` covers updates of `module` on `on`, and why (not)."""
    wanted = module_key(module)
    if not wanted:
        raise ValueError("module must not be empty")
    known = list(agreements)
    if not known:
        return Coverage(False, NO_AGREEMENT, "The organization has no service agreement.")
    current = [a for a in known if in_force(a, on)]
    if not current:
        terms = "; ".join(f"{a.name}: {_term(a)}" for a in known)
        return Coverage(
            False,
            OUTSIDE_TERM,
            f"No service agreement is in force on {on.isoformat()} ({terms}).",
            _nearest(known, on),
        )
    for a in current:
        listed = {module_key(m): m for m in a.covered_modules}
        if wanted in listed:
            return Coverage(
                True, COVERED, f"{a.name} ({_term(a)}) covers updates for {listed[wanted]}.", a
            )
    a = current[0]
    names = ", ".join(a.covered_modules) or "no modules"
    return Coverage(
        False,
        MODULE_NOT_COVERED,
        f"{a.name} ({_term(a)}) does not cover {module.strip()}; it covers {names}.",
        a,
    )


def _nearest(agreements: Sequence[Agreement], on: date) -> Agreement:
    """The agreement whose term comes closest to `on`: the one to renew or wait for."""

    def distance(a: Agreement) -> int:
        if on < a.starts_on:
            return (a.starts_on - on).days
        return (on - (a.ends_on or on)).days

    return min(agreements, key=lambda a: (distance(a), a.contract_id))


def agreements_of(organization: Organization) -> list[Agreement]:
    rows = Contract.objects.filter(organization=organization, kind=Contract.Kind.AGREEMENT)
    return [
        Agreement(
            c.pk,
            c.name,
            c.starts_on,
            c.ends_on,
            c.status,
            tuple(str(m) for m in (c.covered_modules or [])),
        )
        for c in rows.order_by("starts_on", "id")
    ]


def check_updates(organization: Organization, *, module: str, on: date) -> Coverage:
    """Whether the organization's agreements cover updates of `module` on `on`."""
    if not module_key(module):
        raise ValidationError({"module": "Name the module."})
    return covers(agreements_of(organization), module=module, on=on)
