"""Which terms hold on a day: installed, in grace, lapsed to evaluation, with warnings."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from deskpact.licensing import keys
from deskpact.licensing.policy import LicenseModel
from deskpact.licensing.standing import EVALUATION, WARN_DAYS, State, standing_on

TEAM = keys.LicenseTerms(
    licensee="Acme",
    model=LicenseModel.TEAM,
    seat_type=keys.SeatType.NAMED,
    seats=40,
    price_per_seat=Decimal("9.00"),
    currency="EUR",
    valid_until=date(2027, 3, 31),
    grace_days=10,
)


def test_without_a_key_the_desk_runs_on_five_named_support_seats() -> None:
    standing = standing_on(None, date(2026, 12, 2))
    assert standing.state is State.EVALUATION and standing.is_evaluation
    terms = standing.terms
    assert (terms.model, terms.seat_type, terms.seats) == (LicenseModel.SUPPORT, "named", 5)
    assert standing.warning == ""


@pytest.mark.parametrize(
    ("day", "state", "in_force"),
    [
        (date(2026, 12, 2), State.ACTIVE, TEAM),
        (date(2027, 3, 31), State.ACTIVE, TEAM),  # the last valid day
        (date(2027, 4, 1), State.GRACE, TEAM),
        (date(2027, 4, 10), State.GRACE, TEAM),  # the last day of grace
        (date(2027, 4, 11), State.LAPSED, EVALUATION),
    ],
)
def test_the_terms_hold_until_valid_until_plus_grace(
    day: date, state: State, in_force: keys.LicenseTerms
) -> None:
    standing = standing_on(TEAM, day)
    assert standing.state is state
    assert standing.terms is in_force
    assert standing.installed is TEAM


def test_admins_are_warned_from_thirty_days_before_the_fallback() -> None:
    fallback = TEAM.ends_on  # 2027-04-10
    quiet = standing_on(TEAM, fallback - timedelta(days=WARN_DAYS + 1))
    warned = standing_on(TEAM, fallback - timedelta(days=WARN_DAYS))
    assert quiet.warning == ""
    assert "in 30 days the desk falls back to evaluation limits" in warned.warning
    assert "grace until 2027-04-10" in warned.warning
    no_grace = keys.LicenseTerms(**{**TEAM.__dict__, "grace_days": 0})
    last_day = standing_on(no_grace, date(2027, 3, 30)).warning
    assert "valid until 2027-03-31: in 1 day the desk falls back" in last_day


def test_grace_and_lapse_say_what_happens_next() -> None:
    assert "grace period ends on 2027-04-10" in standing_on(TEAM, date(2027, 4, 2)).warning
    lapsed = standing_on(TEAM, date(2027, 5, 1)).warning
    assert "ended on 2027-04-10" in lapsed and "Support model, 5 named seats" in lapsed
