"""How contract figures read on the pages: hours and minutes, incidents, money, ledger lines.

Quantities are stored in units (minutes for hour contracts, incidents for incident
contracts, agent-minutes for per-minute contracts); these helpers turn them into words
once, so the console, the admin pages and the portal say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from deskpact.contracts.models import Contract, LedgerEntry
from deskpact.contracts.selectors import ContractSummary
from deskpact.contracts.services import uses_incidents
from deskpact.core.money import Money
from deskpact.tickets.models import KEY_PREFIX

Kind = LedgerEntry.Kind


def minutes_label(minutes: int) -> str:
    """1230 -> "20 h 30 min", 45 -> "45 min", -90 -> "-1 h 30 min"."""
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    if hours and rest:
        return f"{sign}{hours} h {rest} min"
    if hours:
        return f"{sign}{hours} h"
    return f"{sign}{rest} min" if rest else "0 h"


def units_label(contract: Contract, units: int | None) -> str:
    """A quantity in the contract's unit, as people read it."""
    if units is None:
        return "—"
    if uses_incidents(contract):
        return f"{units} incident{'' if abs(units) == 1 else 's'}"
    if contract.kind == Contract.Kind.PER_MINUTE:
        return f"{units} agent-minute{'' if abs(units) == 1 else 's'}"
    return minutes_label(units)


def money_label(minor: int, currency: str) -> str:
    return str(Money(minor, currency))


def term_label(contract: Contract) -> str:
    if contract.ends_on is None:
        return f"from {contract.starts_on.isoformat()}, open-ended"
    return f"{contract.starts_on.isoformat()} to {contract.ends_on.isoformat()}"


@dataclass(frozen=True)
class SummaryRow:
    """One contract's figures in words, for a table row or a card."""

    summary: ContractSummary
    used: str
    remaining: str
    deposit: str | None
    charged: str

    @property
    def contract(self) -> Contract:
        return self.summary.contract

    @property
    def run_out_on(self) -> date | None:
        return self.summary.run_out_on

    @property
    def warnings(self) -> list[str]:
        return self.summary.warnings


def summary_row(s: ContractSummary) -> SummaryRow:
    c = s.contract
    deposit = (
        money_label(s.balance.prepaid_minor, c.currency)
        if c.kind == Contract.Kind.PER_MINUTE
        else None
    )
    return SummaryRow(
        summary=s,
        used=units_label(c, s.balance.used),
        remaining=units_label(c, s.remaining) if s.remaining is not None else "—",
        deposit=deposit,
        charged=money_label(s.balance.charged_minor, c.currency),
    )


@dataclass(frozen=True)
class LedgerLine:
    """A ledger row as a customer or admin reads it; never a work log's note."""

    entry: LedgerEntry
    on: date
    ticket_key: str
    what: str
    quantity: str
    amount: str


_PARTED = (Kind.WORK_RATED, Kind.INCIDENT_CONSUMED)
# Rows are named by their kind (and part). An adjustment's or override's description is
# the admin's reason: the console shows it, the customer's page does not.
_REASONED = (Kind.ADJUSTMENT, Kind.OVERRIDE)
_TITLES: dict[str, str] = {Kind.WORK_RATED: "Work", Kind.INCIDENT_CONSUMED: "Incident"}


def ledger_line(contract: Contract, entry: LedgerEntry, *, for_customer: bool) -> LedgerLine:
    what = _TITLES.get(entry.kind) or entry.get_kind_display()
    if entry.kind in _PARTED and entry.part:
        what += f" ({entry.get_part_display().lower()})"
    if not for_customer and entry.kind in _REASONED and entry.description:
        what += f": {entry.description}"
    if entry.units:
        quantity = ("+" if entry.units > 0 else "") + units_label(contract, entry.units)
    elif entry.kind == Kind.WORK_RATED and entry.quantity:
        quantity = f"{minutes_label(round(entry.quantity * 60))} tracked"
    else:
        quantity = ""
    amount = ""
    if entry.prepaid_minor > 0:
        amount = f"+{money_label(entry.prepaid_minor, entry.currency)} deposit"
    elif entry.prepaid_minor < 0:
        amount = f"{money_label(-entry.prepaid_minor, entry.currency)} from the deposit"
        if entry.charge_minor:  # the part the deposit did not cover
            amount += f", {money_label(entry.charge_minor, entry.currency)} charged"
    elif entry.charge_minor:
        amount = money_label(entry.charge_minor, entry.currency)
    return LedgerLine(
        entry=entry,
        on=timezone.localdate(entry.at),
        ticket_key=f"{KEY_PREFIX}{entry.ticket_id}" if entry.ticket_id else "",
        what=what,
        quantity=quantity,
        amount=amount,
    )
