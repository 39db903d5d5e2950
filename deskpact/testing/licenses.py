"""A signing key the test desk trusts, and license keys issued with it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from deskpact.licensing import keys
from deskpact.licensing.policy import LicenseModel

PEM, PUBLIC = keys.new_key_pair()
SIGNER = keys.load_private_key(PEM)

IssueKey = Callable[..., str]


def issue_key(**changes: Any) -> str:
    """A signed key: a Support license for 10 named seats until 2027-12-31, or as changed."""
    terms = {
        "licensee": "Acme Support Ltd",
        "model": LicenseModel.SUPPORT,
        "seat_type": keys.SeatType.NAMED,
        "seats": 10,
        "price_per_seat": Decimal("49.00"),
        "currency": "EUR",
        "valid_until": date(2027, 12, 31),
        "grace_days": 14,
        **changes,
    }
    return keys.sign(keys.LicenseTerms(**terms), SIGNER)
