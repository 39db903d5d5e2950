"""Helpers for the contracts tests: fixed days, row counts and ledger rows."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from deskpact.contracts.models import (
    BalanceWarning,
    BankBlock,
    Call,
    Contract,
    LedgerEntry,
    Price,
    WorkLog,
)
from deskpact.core.models import AuditEntry

YEAR_START, YEAR_END = date(2026, 1, 1), date(2026, 12, 31)


def at(day: str, hour: int = 9, minute: int = 0) -> datetime:
    """An aware UTC time on an ISO day (the desk's time zone in tests is UTC)."""
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), UTC).replace(
        hour=hour, minute=minute
    )


def counts() -> dict[str, int]:
    """Rows a refused write must leave as they were."""
    return {
        model.__name__: model.objects.count()
        for model in (Contract, BankBlock, WorkLog, Call, LedgerEntry, BalanceWarning, Price)
    }


def rows(contract: Contract, **filters: Any) -> list[tuple[str, str, int, int, int]]:
    """(kind, part, units, charge_minor, prepaid_minor) of a contract's ledger, in order."""
    return list(
        LedgerEntry.objects.filter(contract=contract, **filters)
        .order_by("id")
        .values_list("kind", "part", "units", "charge_minor", "prepaid_minor")
    )


def audit_actions() -> list[str]:
    return list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
