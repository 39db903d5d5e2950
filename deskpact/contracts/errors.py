"""Refusals of the contracts area, each with a stable code for the API and pages."""

from __future__ import annotations

from deskpact.contracts.banks import OverdraftExceeded
from deskpact.contracts.rating import PriceGap
from deskpact.core.errors import DomainError


class ContractRefused(DomainError):
    code = "contract_refused"
    status = 409


class DepositRequired(DomainError):
    code = "deposit_required"
    status = 409


__all__ = ["ContractRefused", "DepositRequired", "OverdraftExceeded", "PriceGap"]
