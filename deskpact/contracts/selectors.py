"""Reads of contracts shaped for the pages and the API, permission-checked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from deskpact.accounts.models import User
from deskpact.contracts import forecast, ledger
from deskpact.contracts.models import Contract, LedgerEntry, WorkLog

Kind = LedgerEntry.Kind


def contracts_visible_to(user: User) -> QuerySet[Contract]:
    """Agents and admins see every contract; a customer only their organization's."""
    rows = Contract.objects.select_related("organization")
    if user.is_agent:  # agents and admins
        return rows
    if user.organization_id is None:
        return rows.none()
    return rows.filter(organization_id=user.organization_id)


@dataclass(frozen=True)
class ContractSummary:
    """A contract with where it stands: for the ticket panel, the portal and the API."""

    contract: Contract
    balance: ledger.Balance
    remaining: int | None
    run_out_on: date | None
    warnings: list[str] = field(default_factory=list)


def _warnings(contract: Contract, b: ledger.Balance, remaining: int | None) -> list[str]:
    notes = []
    if contract.kind == Contract.Kind.BANK and remaining is not None:
        if remaining <= 0:
            notes.append(
                "The bank is used up"
                + (
                    ": new tickets are flagged exhausted."
                    if contract.exhaustion == "block"
                    else "; work is billed as overage."
                )
            )
        elif remaining <= contract.threshold_units:
            notes.append("The bank is at or below its low-balance threshold.")
    if contract.kind == Contract.Kind.CAPPED and remaining is not None and remaining <= 0:
        notes.append("The cap is reached: further work is overage.")
    if contract.kind == Contract.Kind.PER_MINUTE:
        if b.prepaid_minor <= 0 and not contract.card_on_file:
            notes.append("No deposit left and no card on file: calls cannot be logged.")
        elif b.prepaid_minor <= contract.threshold_minor:
            notes.append("The deposit is at or below its low-balance threshold.")
    return notes


def _recent_use(contract_ids: Sequence[int], *, today: date) -> dict[int, int]:
    """For each bank among the contracts, the units used over the forecast's window: the
    sum of its days of net use (the days `forecast.run_out_on` counts), one statement."""
    if not contract_ids:
        return {}
    zone = timezone.get_current_timezone()
    first = today - timedelta(days=forecast.WINDOW_DAYS - 1)  # the window: (since, today]
    days = (
        LedgerEntry.objects.filter(
            contract_id__in=contract_ids,
            contract__kind=Contract.Kind.BANK,
            kind__in=(Kind.WORK_RATED, Kind.INCIDENT_CONSUMED),
            at__gte=datetime.combine(first, time.min, zone),
            at__lt=datetime.combine(today + timedelta(days=1), time.min, zone),
        )
        .annotate(day=TruncDate("at"))
        .values("contract_id", "day")
        .annotate(net=Sum("units"))
        .order_by()
    )
    inner, params = days.query.sql_with_params()
    sql = (
        f"SELECT contract_id, -SUM(net) FROM ({inner}) AS daily "
        "WHERE net < 0 GROUP BY contract_id"  # use is a debit: negative units
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {contract_id: int(used) for contract_id, used in cursor.fetchall()}


def summarize(contracts: Sequence[Contract], *, today: date) -> list[ContractSummary]:
    """Each contract with its balance, what is left, warnings and run-out date (2 queries)."""
    ids = [c.pk for c in contracts]
    balances = ledger.balances(ids)
    recent = _recent_use(ids, today=today)
    out = []
    for c in contracts:
        b = balances[c.pk]
        remaining = b.remaining(c)
        run_out = (
            # The window's use as one day's: run_out_on needs only their sum.
            forecast.run_out_on(remaining, [(today, recent.get(c.pk, 0))], today=today)
            if c.kind == Contract.Kind.BANK and remaining is not None
            else None
        )
        out.append(ContractSummary(c, b, remaining, run_out, _warnings(c, b, remaining)))
    return out


def recent_consumption(contract: Contract, *, limit: int = 10) -> list[LedgerEntry]:
    return list(
        LedgerEntry.objects.filter(contract=contract)
        .select_related("ticket", "work_log__agent")
        .defer("work_log__agent__password")
        .order_by("-at", "-id")[:limit]
    )


def work_logs_of(ticket_id: int) -> list[WorkLog]:
    return list(
        WorkLog.objects.filter(ticket_id=ticket_id)
        .select_related("agent", "call")
        .defer("agent__password")  # hashes never ride along
        .order_by("-started_at", "-id")
    )
