"""License keys: what is signed reads back exactly; anything changed or foreign is refused."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deskpact.licensing import keys
from deskpact.licensing.policy import LicenseModel

PEM, PUBLIC = keys.new_key_pair()
PRIVATE = keys.load_private_key(PEM)
OTHER_PEM, OTHER_PUBLIC = keys.new_key_pair()

TERMS = keys.LicenseTerms(
    licensee="Acme Support Ltd",
    model=LicenseModel.TEAM,
    seat_type=keys.SeatType.CONCURRENT,
    seats=12,
    price_per_seat=Decimal("17.50"),
    currency="EUR",
    valid_until=date(2027, 6, 30),
    grace_days=14,
    overdraft_percent=25,
)


def test_a_signed_key_reads_back_as_its_terms_with_ids_filled_in() -> None:
    key = keys.sign(TERMS, PRIVATE)
    terms = keys.read(key, [PUBLIC])
    assert key.startswith("DPL1.") and key.count(".") == 2
    assert terms.licensee == "Acme Support Ltd" and terms.model is LicenseModel.TEAM
    assert (terms.seats, terms.price_per_seat, terms.currency) == (12, Decimal("17.50"), "EUR")
    assert (terms.valid_until, terms.grace_days, terms.overdraft_percent) == (
        date(2027, 6, 30),
        14,
        25,
    )
    assert terms.key_id == keys.key_id(PUBLIC) and len(terms.license_id) == 16
    assert terms.ends_on == date(2027, 7, 14)
    assert terms.overdraft_seats == 3  # 25% of 12
    assert terms.monthly_fee == Decimal("210.00")  # 12 x 17.50


def test_a_key_pasted_with_line_breaks_and_spaces_is_the_same_key() -> None:
    key = keys.sign(TERMS, PRIVATE)
    wrapped = "\n  ".join(key[i : i + 64] for i in range(0, len(key), 64)) + "\n"
    assert keys.read(wrapped, [PUBLIC]) == keys.read(key, [PUBLIC])


def test_a_key_from_another_signing_key_names_both_key_ids() -> None:
    key = keys.sign(TERMS, keys.load_private_key(OTHER_PEM))
    with pytest.raises(keys.InvalidKey, match="does not trust") as refused:
        keys.read(key, [PUBLIC])
    assert keys.key_id(OTHER_PUBLIC) in str(refused.value)
    assert keys.key_id(PUBLIC) in str(refused.value)
    assert keys.read(key, [PUBLIC, OTHER_PUBLIC]).seats == 12  # trusted once listed


def test_changed_terms_break_the_signature() -> None:
    key = keys.sign(TERMS, PRIVATE)
    prefix, _, signature = key.split(".")
    other = keys.sign(keys.LicenseTerms(**{**TERMS.__dict__, "seats": 500}), PRIVATE)
    forged = f"{prefix}.{other.split('.')[1]}.{signature}"  # more seats, old signature
    with pytest.raises(keys.InvalidKey, match="changed or damaged"):
        keys.read(forged, [PUBLIC])


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("", "empty"),
        ("   \n", "empty"),
        ("DPL1.abc", "three parts"),
        ("XYZ9.abc.def", "three parts"),
        ("DPL1.!!!.abc", "characters no key has"),
        ("DPL1.bm90IGpzb24.abc", "cannot be read"),  # "not json"
        ("DPL1.WzFd.abc", "cannot be read"),  # a JSON list, not terms
        ("DPL1.e30.abc", "does not trust"),  # {}: no signing key named
        ("x" * 5000, "5000 characters"),
    ],
)
def test_what_is_not_a_key_is_refused_with_the_reason(key: str, message: str) -> None:
    with pytest.raises(keys.InvalidKey, match=message):
        keys.read(key, [PUBLIC])


def test_a_key_cut_short_is_refused() -> None:
    key = keys.sign(TERMS, PRIVATE)
    for cut in (len(key) - 1, len(key) - 20, key.rindex(".") + 1, key.rindex("."), 40):
        with pytest.raises(keys.InvalidKey):
            keys.read(key[:cut], [PUBLIC])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"seats": 0}, "seats"),
        ({"seats": 100_001}, "seats"),
        ({"price_per_seat": Decimal("-1")}, "price_per_seat"),
        ({"currency": "EURO"}, "currency"),
        ({"licensee": "  "}, "licensee"),
        ({"grace_days": -1}, "grace_days"),
        ({"overdraft_percent": 101}, "overdraft_percent"),
        ({"currency": "JPY", "price_per_seat": Decimal("1500.5")}, "more decimals than JPY"),
    ],
)
def test_terms_no_license_can_have_are_not_signed(change: dict, field: str) -> None:
    with pytest.raises(keys.InvalidKey, match=field):
        keys.sign(keys.LicenseTerms(**{**TERMS.__dict__, **change}), PRIVATE)


def test_a_public_key_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(keys.InvalidKey, match="32 bytes"):
        keys.load_public_key(PUBLIC[:20])


terms_strategy = st.builds(
    keys.LicenseTerms,
    licensee=st.text(min_size=1, max_size=60).filter(lambda s: s.strip()),
    model=st.sampled_from(list(LicenseModel)),
    seat_type=st.sampled_from(list(keys.SeatType)),
    seats=st.integers(1, keys.MAX_SEATS),
    price_per_seat=st.decimals(min_value=0, max_value=10_000, places=2),
    currency=st.sampled_from(["EUR", "USD", "GBP"]),
    valid_until=st.dates(date(2020, 1, 1), date(2100, 1, 1)),
    grace_days=st.integers(0, 365),
    overdraft_percent=st.integers(0, 100),
)


@settings(max_examples=60, deadline=None)
@given(terms_strategy)
def test_any_valid_terms_read_back_unchanged(terms: keys.LicenseTerms) -> None:
    read = keys.read(keys.sign(terms, PRIVATE), [PUBLIC])
    assert read.licensee == terms.licensee and read.model == terms.model
    assert (read.seat_type, read.seats, read.currency) == (
        terms.seat_type,
        terms.seats,
        terms.currency,
    )
    assert read.price_per_seat == terms.price_per_seat
    assert (read.valid_until, read.grace_days, read.overdraft_percent) == (
        terms.valid_until,
        terms.grace_days,
        terms.overdraft_percent,
    )


KEY = keys.sign(TERMS, PRIVATE)


@settings(max_examples=150, deadline=None)
@given(
    position=st.integers(0, len(KEY) - 1),
    replacement=st.sampled_from(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
    ),
)
def test_any_one_character_changed_is_refused(position: int, replacement: str) -> None:
    changed = KEY[:position] + replacement + KEY[position + 1 :]
    if changed == KEY:
        return
    try:
        terms = keys.read(changed, [PUBLIC])
    except keys.InvalidKey:
        return
    # base64 has slack in the last character of a part: only an equal reading may pass.
    assert terms == keys.read(KEY, [PUBLIC])
