"""Which contract a ticket falls under and the state it shows: no database."""

from __future__ import annotations

from datetime import date

import pytest

from deskpact.contracts.entitlement import (
    ENTITLED,
    EXHAUSTED,
    KIND_ORDER,
    NO_CONTRACT,
    NOT_AUTHORIZED,
    Requester,
    Standing,
    Terms,
    pick_contract,
    state_for,
)

ON = date(2026, 3, 10)
ALL = ("web", "email", "phone", "api")


def terms(contract_id: int, kind: str, **extra: object) -> Terms:
    fields: dict[str, object] = {
        "starts_on": date(2026, 1, 1),
        "ends_on": date(2026, 12, 31),
        "channels": ALL,
    }
    fields.update(extra)
    return Terms(contract_id=contract_id, kind=kind, **fields)  # type: ignore[arg-type]


def test_pick_contract_follows_the_kind_order() -> None:
    everything = [terms(i, kind) for i, kind in enumerate(reversed(KIND_ORDER), start=1)]
    assert KIND_ORDER == ("agreement", "capped", "bank", "per_minute", "per_incident", "payg")
    picked = pick_contract(everything, channel="web", on=ON)
    assert picked is not None and picked.kind == "agreement"
    for kind in KIND_ORDER[1:]:
        rest = [t for t in everything if KIND_ORDER.index(t.kind) >= KIND_ORDER.index(kind)]
        chosen = pick_contract(rest, channel="web", on=ON)
        assert chosen is not None and chosen.kind == kind


def test_pick_contract_needs_the_channel_covered() -> None:
    phone_only = terms(1, "per_minute", channels=("phone",))
    payg = terms(2, "payg", channels=("web", "email"))
    assert pick_contract([phone_only, payg], channel="phone", on=ON) == phone_only
    assert pick_contract([phone_only, payg], channel="email", on=ON) == payg
    assert pick_contract([phone_only, payg], channel="api", on=ON) is None


def test_pick_contract_needs_the_day_in_the_term_and_the_contract_active() -> None:
    agreement = terms(1, "agreement", ends_on=date(2026, 3, 9))
    capped = terms(2, "capped", starts_on=date(2026, 3, 11))
    ended_bank = terms(3, "bank", is_active=False)
    payg = terms(4, "payg", ends_on=None)
    assert pick_contract([agreement, capped, ended_bank, payg], channel="web", on=ON) == payg
    assert pick_contract([agreement], channel="web", on=date(2026, 3, 9)) == agreement
    assert pick_contract([], channel="web", on=ON) is None


ALICE = Requester(user_id=7)


def test_state_without_a_contract_is_no_contract() -> None:
    assert state_for(None, ALICE, Standing(), on=ON) == NO_CONTRACT


def test_named_policy_accepts_only_named_contacts() -> None:
    named = terms(1, "agreement", contacts_policy="named", named=frozenset({7, 8}))
    assert state_for(named, ALICE, Standing(), on=ON) == ENTITLED
    assert state_for(named, Requester(9), Standing(), on=ON) == NOT_AUTHORIZED


def test_trained_policy_needs_training_in_force_on_the_day() -> None:
    trained = terms(1, "capped", contacts_policy="trained")
    current = Requester(7, ((date(2025, 6, 1), date(2026, 6, 1)),))
    lapsed = Requester(8, ((date(2024, 1, 1), date(2026, 3, 9)),))
    later = Requester(9, ((date(2026, 3, 11), None),))
    forever = Requester(10, ((date(2020, 1, 1), None),))
    assert state_for(trained, current, Standing(), on=ON) == ENTITLED
    assert state_for(trained, lapsed, Standing(), on=ON) == NOT_AUTHORIZED
    assert state_for(trained, later, Standing(), on=ON) == NOT_AUTHORIZED
    assert state_for(trained, forever, Standing(), on=ON) == ENTITLED
    assert state_for(trained, ALICE, Standing(), on=ON) == NOT_AUTHORIZED


def test_any_policy_accepts_every_contact() -> None:
    assert state_for(terms(1, "payg"), Requester(99), Standing(), on=ON) == ENTITLED


@pytest.mark.parametrize(
    ("exhaustion", "limit", "units", "state"),
    [
        ("block", None, 1, ENTITLED),
        ("block", None, 0, EXHAUSTED),
        ("block", None, -30, EXHAUSTED),
        ("overage", None, -10_000, ENTITLED),  # no limit: never exhausted
        ("overage", 60, -59, ENTITLED),
        ("overage", 60, -60, EXHAUSTED),
        ("overage", 0, 0, EXHAUSTED),
    ],
)
def test_a_bank_is_exhausted_per_its_policy(
    exhaustion: str, limit: int | None, units: int, state: str
) -> None:
    bank = terms(1, "bank", exhaustion=exhaustion, overdraft_units=limit)
    assert state_for(bank, ALICE, Standing(units=units), on=ON) == state


def test_per_minute_needs_a_deposit_or_a_card() -> None:
    bare = terms(1, "per_minute")
    card = terms(2, "per_minute", card_on_file=True)
    assert state_for(bare, ALICE, Standing(prepaid_minor=0), on=ON) == EXHAUSTED
    assert state_for(bare, ALICE, Standing(prepaid_minor=1), on=ON) == ENTITLED
    assert state_for(card, ALICE, Standing(prepaid_minor=0), on=ON) == ENTITLED


def test_not_authorized_wins_over_exhausted() -> None:
    bank = terms(1, "bank", exhaustion="block", contacts_policy="named", named=frozenset({1}))
    assert state_for(bank, ALICE, Standing(units=0), on=ON) == NOT_AUTHORIZED


def test_caps_and_per_incident_are_never_exhausted() -> None:
    for kind in ("agreement", "capped", "per_incident", "payg"):
        assert state_for(terms(1, kind), ALICE, Standing(units=-(10**6)), on=ON) == ENTITLED
