"""Renewals follow the calendar; block descriptions read as people write hours."""

from __future__ import annotations

from datetime import date

import pytest

from deskpact.accounts.models import Organization, User
from deskpact.contracts import services
from deskpact.contracts.models import Contract, LedgerEntry
from deskpact.contracts.tests.conftest import MakeContract


@pytest.mark.parametrize(
    ("starts", "ends", "next_end"),
    [
        (date(2024, 1, 1), date(2024, 12, 31), date(2025, 12, 31)),  # out of a leap year
        (date(2027, 1, 1), date(2027, 12, 31), date(2028, 12, 31)),  # into one
        (date(2026, 3, 1), date(2026, 5, 31), date(2026, 8, 31)),  # a quarter
        (date(2026, 1, 15), date(2026, 1, 20), date(2026, 1, 26)),  # six days: six more
    ],
)
def test_the_next_term_follows_the_calendar(starts: date, ends: date, next_end: date) -> None:
    assert services.next_term_end(starts, ends) == next_end


@pytest.mark.django_db
def test_a_renewal_after_a_leap_year_is_one_calendar_year(
    make_contract: MakeContract, initech: Organization, admin: User
) -> None:
    old = make_contract(
        initech, "agreement", starts_on=date(2024, 1, 1), ends_on=date(2024, 12, 31)
    )
    new = services.renew_contract(old, by=admin)
    assert (new.starts_on, new.ends_on, new.renews_id) == (
        date(2025, 1, 1),
        date(2025, 12, 31),
        old.pk,
    )
    assert Contract.objects.filter(organization=initech).count() == 2


@pytest.mark.django_db
def test_a_block_of_twenty_hours_is_described_in_plain_hours(
    make_contract: MakeContract, initech: Organization, admin: User
) -> None:
    bank = make_contract(initech, "bank", unit="hours")
    services.top_up_bank(bank, units=20 * 60, price_minor=100_000, by=admin)
    entry = LedgerEntry.objects.get(contract=bank, kind=LedgerEntry.Kind.BLOCK_PURCHASED)
    assert entry.description == "Block of 20 h"
