"""`deskpact bill run` and `deskpact bill issue` print what they did."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from deskpact.accounts.models import Organization, User
from deskpact.billing.tests.conftest import MakeContract, OpenTicket, at
from deskpact.contracts import services as contracts


@time_machine.travel(at("2026-11-03"), tick=False)
def test_run_then_issue_all_drafts(
    initech: Organization, alice: User, sam: User, make_contract: MakeContract, open_for: OpenTicket
) -> None:
    make_contract(initech, "payg", unit="hours", hourly_rate=Decimal("100"))
    ticket = open_for(alice, when=at("2026-10-05", 8))
    contracts.log_work(ticket, agent=sam, minutes=90, started_at=at("2026-10-05"))
    out = StringIO()
    call_command("bill", "run", "--period", "2026-10", stdout=out)
    assert "Billed 2026-10: 1 lines, 1 new drafts" in out.getvalue()
    assert "Initech: 178.50 EUR" in out.getvalue()
    out = StringIO()
    call_command("bill", "issue", "--all-drafts", "--period", "2026-10", stdout=out)
    assert "Issued INV-2026-000001" in out.getvalue() and "178.50 EUR" in out.getvalue()
    with pytest.raises(CommandError, match="bad_period"):
        call_command("bill", "run", "--period", "2026-13")
