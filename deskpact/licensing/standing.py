"""Which terms hold on a given day: the installed license, its grace, or evaluation.

Plain functions: the installed terms and the day come in (SPEC §3: without a key, or
after a key's valid-until plus grace days, the desk runs on the evaluation license).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from deskpact.licensing.keys import LicenseTerms, SeatType
from deskpact.licensing.policy import LicenseModel

EVALUATION = LicenseTerms(
    licensee="Evaluation",
    model=LicenseModel.SUPPORT,
    seat_type=SeatType.NAMED,
    seats=5,
    price_per_seat=Decimal("0"),
    currency="EUR",
    valid_until=date.max,
)
# Admins are warned this many days before the desk would fall back to evaluation limits.
WARN_DAYS = 30


class State(StrEnum):
    EVALUATION = "evaluation"  # no key installed
    ACTIVE = "active"
    GRACE = "grace"  # past valid-until, terms still hold until the grace days run out
    LAPSED = "lapsed"  # past the grace days: evaluation limits


@dataclass(frozen=True)
class Standing:
    terms: LicenseTerms  # what is enforced today
    state: State
    installed: LicenseTerms | None
    warning: str = ""

    @property
    def is_evaluation(self) -> bool:
        return self.terms is EVALUATION


def standing_on(installed: LicenseTerms | None, today: date) -> Standing:
    """The terms in force on `today`, with a warning for admins when a fallback is near."""
    if installed is None:
        return Standing(EVALUATION, State.EVALUATION, None)
    fallback = "evaluation limits (Support model, 5 named seats)"
    if today > installed.ends_on:
        return Standing(
            EVALUATION,
            State.LAPSED,
            installed,
            f"The license for {installed.licensee} ended on {installed.ends_on.isoformat()}: "
            f"the desk runs on {fallback}. Install a renewed key.",
        )
    if today > installed.valid_until:
        return Standing(
            installed,
            State.GRACE,
            installed,
            f"The license expired on {installed.valid_until.isoformat()}; its grace period "
            f"ends on {installed.ends_on.isoformat()}, then the desk falls back to {fallback}.",
        )
    left = installed.ends_on.toordinal() - today.toordinal()
    warning = ""
    if left <= WARN_DAYS:
        warning = (
            f"The license is valid until {installed.valid_until.isoformat()}"
            + (f" (grace until {installed.ends_on.isoformat()})" if installed.grace_days else "")
            + f": in {left} day{'s' if left != 1 else ''} the desk falls back to {fallback}."
        )
    return Standing(installed, State.ACTIVE, installed, warning)
