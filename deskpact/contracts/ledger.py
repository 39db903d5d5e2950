"""Balances derived from the ledger: one aggregate per contract, nothing stored twice."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce

from deskpact.contracts import banks
from deskpact.contracts.models import BankBlock, Contract, LedgerEntry

Kind = LedgerEntry.Kind


@dataclass(frozen=True)
class Balance:
    """Where a contract stands, all from its ledger rows.

    `units`: the bank's balance (bought - used - expired ± adjustments); for other kinds the
    net of what was counted (negative: used). `used`: units counted against the contract
    (covered and overage). `purchased`: units bought in blocks. `prepaid_minor`: deposit left.
    """

    contract_id: int
    units: int
    used: int
    purchased: int
    overage: int
    prepaid_minor: int
    charged_minor: int

    def remaining(self, contract: Contract) -> int | None:
        """What is left to use: the bank's balance, or what is left under the cap."""
        if contract.kind == Contract.Kind.BANK:
            return self.units
        if contract.kind == Contract.Kind.CAPPED and contract.cap_units is not None:
            return contract.cap_units - self.used
        return None


_USE = (Kind.WORK_RATED, Kind.INCIDENT_CONSUMED)


def balances(contract_ids: Iterable[int]) -> dict[int, Balance]:
    """The balance of each contract, in one query."""
    ids = list(contract_ids)
    rows = (
        LedgerEntry.objects.filter(contract_id__in=ids)
        .order_by()
        .values("contract_id")
        .annotate(
            # Annotation names must not shadow the model's fields (`units`).
            net=Coalesce(Sum("units"), 0),
            used=Coalesce(Sum("units", filter=Q(kind__in=_USE)), 0),
            purchased=Coalesce(Sum("units", filter=Q(kind=Kind.BLOCK_PURCHASED)), 0),
            overage=Coalesce(Sum("units", filter=Q(kind__in=_USE, part="overage")), 0),
            prepaid=Coalesce(Sum("prepaid_minor"), 0),
            charged=Coalesce(Sum("charge_minor"), 0),
        )
    )
    found = {
        r["contract_id"]: Balance(
            contract_id=r["contract_id"],
            units=r["net"],
            used=-r["used"],
            purchased=r["purchased"],
            overage=-r["overage"],
            prepaid_minor=r["prepaid"],
            charged_minor=r["charged"],
        )
        for r in rows
    }
    return {i: found.get(i, Balance(i, 0, 0, 0, 0, 0, 0)) for i in ids}


def balance(contract: Contract) -> Balance:
    return balances([contract.pk])[contract.pk]


def blocks_left(contract: Contract) -> list[banks.BlockLeft]:
    """Each block of a bank with what is left of it (its purchase less what was drawn)."""
    blocks = BankBlock.objects.filter(contract=contract).annotate(
        drawn=Coalesce(Sum("ledger__units", filter=~Q(ledger__kind=Kind.BLOCK_PURCHASED)), 0)
    )
    return [
        banks.BlockLeft(b.pk, b.units + b.drawn, b.expires_on, purchased_order=i)
        for i, b in enumerate(blocks.order_by("purchased_at", "id"))
    ]


def used_in_term(contract: Contract, *, until: date | None = None) -> int:
    """Units counted against a cap so far (covered and overage)."""
    rows = LedgerEntry.objects.filter(contract=contract, kind__in=_USE)
    if until is not None:
        rows = rows.filter(at__date__lte=until)
    return -int(rows.aggregate(u=Coalesce(Sum("units"), 0))["u"])


def last_top_up(contract: Contract, *, deposit: bool = False) -> LedgerEntry | None:
    kind = Kind.DEPOSIT_PAID if deposit else Kind.BLOCK_PURCHASED
    return LedgerEntry.objects.filter(contract=contract, kind=kind).order_by("-id").first()
