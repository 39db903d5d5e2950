"""When a password must be replaced: worked examples and properties, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deskpact.accounts.passwords import must_change_password, password_expires_at

SET_AT = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("max_age_days", "expected"),
    [
        (90, datetime(2025, 4, 1, 9, 0, tzinfo=UTC)),
        (1, datetime(2025, 1, 2, 9, 0, tzinfo=UTC)),
        (365, datetime(2026, 1, 1, 9, 0, tzinfo=UTC)),
    ],
)
def test_password_expires_max_age_days_after_it_was_set(
    max_age_days: int, expected: datetime
) -> None:
    assert password_expires_at(SET_AT, max_age_days=max_age_days) == expected


@pytest.mark.parametrize("max_age_days", [0, -1])
def test_a_max_age_of_zero_means_a_password_never_expires(max_age_days: int) -> None:
    assert password_expires_at(SET_AT, max_age_days=max_age_days) is None


def test_a_password_with_no_known_change_date_has_no_expiry() -> None:
    assert password_expires_at(None, max_age_days=90) is None


def policy(
    *, days_later: float, licensed: bool = True, flagged: bool = False, max_age_days: int = 90
) -> bool:
    return must_change_password(
        changed_at=SET_AT,
        flagged=flagged,
        licensed=licensed,
        max_age_days=max_age_days,
        now=SET_AT + timedelta(days=days_later),
    )


@pytest.mark.parametrize(
    ("days_later", "expected"),
    [(0, False), (89, False), (89.999, False), (90, True), (91, True), (1000, True)],
)
def test_a_licensed_users_password_must_change_from_max_age_on(
    days_later: float, expected: bool
) -> None:
    assert policy(days_later=days_later) is expected


def test_an_unlicensed_users_password_never_expires() -> None:
    assert policy(days_later=10_000, licensed=False) is False


def test_max_age_zero_never_forces_a_change() -> None:
    assert policy(days_later=10_000, max_age_days=0) is False


@pytest.mark.parametrize("licensed", [True, False])
def test_a_flagged_password_must_always_change(licensed: bool) -> None:
    assert policy(days_later=0, licensed=licensed, flagged=True, max_age_days=0) is True


@given(st.integers(min_value=1, max_value=3650), st.integers(min_value=0, max_value=10**7))
def test_only_flagged_or_licensed_and_old_passwords_must_change(
    max_age_days: int, minutes_later: int
) -> None:
    days_later = minutes_later / (24 * 60)
    old = minutes_later >= max_age_days * 24 * 60
    assert policy(days_later=days_later, max_age_days=max_age_days) is old
    assert policy(days_later=days_later, max_age_days=max_age_days, licensed=False) is False
    assert policy(days_later=days_later, max_age_days=max_age_days, flagged=True) is True
