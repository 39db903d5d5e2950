"""The entitlement check for updates: which agreement covers a module on a day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from deskpact.accounts.models import Organization, User
from deskpact.contracts import services, updates
from deskpact.contracts.updates import Agreement

TERM = Agreement(7, "Agreement 2026", date(2026, 1, 1), date(2026, 12, 31), "active", ("Billing",))


@pytest.mark.parametrize(
    ("on", "covered"),
    [
        (date(2025, 12, 31), False),
        (date(2026, 1, 1), True),  # the first day counts
        (date(2026, 7, 14), True),
        (date(2026, 12, 31), True),  # and the last
        (date(2027, 1, 1), False),
    ],
)
def test_the_term_counts_both_of_its_ends(on: date, covered: bool) -> None:
    assert updates.covers([TERM], module="Billing", on=on).covered is covered


@pytest.mark.parametrize("module", ["billing", "BILLING", "  Billing "])
def test_modules_match_whatever_their_case(module: str) -> None:
    result = updates.covers([TERM], module=module, on=date(2026, 3, 1))
    assert (result.covered, result.code, result.agreement) == (True, "covered", TERM)
    assert result.reason == "Agreement 2026 (2026-01-01 to 2026-12-31) covers updates for Billing."


def test_a_module_the_agreement_does_not_list_is_not_covered() -> None:
    result = updates.covers([TERM], module="Payroll", on=date(2026, 3, 1))
    assert (result.covered, result.code, result.agreement) == (False, "module_not_covered", TERM)
    assert result.reason.endswith("does not cover Payroll; it covers Billing.")


def test_an_ended_agreement_covers_up_to_the_day_it_ended() -> None:
    ended = Agreement(8, "Old", date(2025, 1, 1), date(2025, 6, 30), "ended", ("billing",))
    assert updates.covers([ended], module="Billing", on=date(2025, 6, 30)).covered
    later = updates.covers([ended], module="Billing", on=date(2025, 7, 1))
    assert (later.covered, later.code, later.agreement) == (False, "outside_term", ended)
    assert later.reason == (
        "No service agreement is in force on 2025-07-01 (Old: 2025-01-01 to 2025-06-30)."
    )


def test_without_any_agreement_the_reason_says_so() -> None:
    result = updates.covers([], module="Billing", on=date(2026, 3, 1))
    assert (result.covered, result.code, result.agreement) == (False, "no_agreement", None)


def test_the_agreement_listing_the_module_wins_over_another_in_force() -> None:
    other = Agreement(9, "Reporting add-on", date(2026, 1, 1), None, "active", ("Reports",))
    result = updates.covers([other, TERM], module="billing", on=date(2026, 5, 5))
    assert result.agreement == TERM


def test_outside_every_term_the_nearest_agreement_is_named() -> None:
    first = Agreement(1, "2024", date(2024, 1, 1), date(2024, 12, 31), "ended", ("Billing",))
    next_one = Agreement(2, "2026", date(2026, 1, 1), None, "active", ("Billing",))
    result = updates.covers([first, next_one], module="Billing", on=date(2025, 11, 30))
    assert result.agreement == next_one  # 32 days ahead, against 334 days ago


@given(
    st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    st.one_of(st.none(), st.integers(0, 800)),
    st.sampled_from(["active", "ended"]),
)
def test_covered_exactly_on_the_days_of_the_term(
    on: date, starts: date, days: int | None, status: str
) -> None:
    # An ended agreement always has an end: ending one sets it.
    ends = starts + timedelta(days=days or 0) if days is not None or status == "ended" else None
    agreement = Agreement(1, "A", starts, ends, status, ("Billing",))
    expected = starts <= on and (ends is None or on <= ends)
    assert updates.covers([agreement], module="billing", on=on).covered is expected


def test_an_empty_module_is_refused() -> None:
    with pytest.raises(ValueError, match="module"):
        updates.covers([TERM], module="  ", on=date(2026, 3, 1))


@pytest.mark.django_db
def test_check_updates_reads_the_organizations_agreements(
    acme: Organization, globex: Organization, admin_user: User
) -> None:
    agreement = services.create_contract(
        acme,
        by=admin_user,
        name="Acme agreement",
        kind="agreement",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        covered_modules=["Billing", "Inventory"],
        fee_minor=1_200_000,
    )
    services.create_contract(
        acme,
        by=admin_user,
        name="Acme hours",
        kind="bank",
        unit="hours",
        starts_on=date(2026, 1, 1),
        covered_modules=["Payroll"],  # a bank covers no updates, whatever it lists
    )
    services.create_contract(
        globex,
        by=admin_user,
        name="Globex agreement",
        kind="agreement",
        starts_on=date(2026, 1, 1),
        covered_modules=["Payroll"],
    )
    inventory = updates.check_updates(acme, module="inventory", on=date(2026, 4, 1))
    assert inventory.covered and inventory.agreement is not None
    assert inventory.agreement.contract_id == agreement.pk
    payroll = updates.check_updates(acme, module="Payroll", on=date(2026, 4, 1))
    assert (payroll.covered, payroll.code) == (False, "module_not_covered")

    services.end_contract(agreement, on=date(2026, 5, 31), by=admin_user)
    assert updates.check_updates(acme, module="Billing", on=date(2026, 5, 31)).covered
    after = updates.check_updates(acme, module="Billing", on=date(2026, 6, 1))
    assert (after.covered, after.code) == (False, "outside_term")


@pytest.mark.django_db
def test_check_updates_refuses_an_empty_module(acme: Organization) -> None:
    with pytest.raises(ValidationError) as caught:
        updates.check_updates(acme, module=" ", on=date(2026, 4, 1))
    assert "module" in caught.value.message_dict
