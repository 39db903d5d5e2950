"""`deskpact contracts expire`: the daily block expiry from a shell."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from deskpact.accounts.models import Organization, User
from deskpact.contracts import ledger, services
from deskpact.contracts.models import LedgerEntry
from deskpact.contracts.tests.conftest import MakeContract
from deskpact.contracts.tests.support import at

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("contracts", *args, stdout=out)
    return out.getvalue()


def test_expire_writes_off_expired_blocks_once(
    make_contract: MakeContract, initech: Organization, admin: User
) -> None:
    contract = make_contract(initech, "bank", unit="hours")
    services.top_up_bank(
        contract,
        units=90,
        by=admin,
        price_minor=0,
        expires_on=date(2026, 6, 30),
        at=at("2026-01-02"),
    )
    assert run("expire", "--on", "2026-06-30") == "Expired 0 blocks as of 2026-06-30.\n"
    assert run("expire", "--on", "2026-07-01") == "Expired 1 block as of 2026-07-01.\n"
    assert run("expire", "--on", "2026-07-02") == "Expired 0 blocks as of 2026-07-02.\n"
    assert LedgerEntry.objects.filter(kind="expiry").count() == 1
    assert ledger.balance(contract).units == 0


def test_expire_refuses_a_bad_date() -> None:
    with pytest.raises(CommandError, match="not a date"):
        run("expire", "--on", "1 July")
