"""Installing license keys, the license in force, and named seats (SPEC §3).

The terms in force are read often (every check of who may own a ticket asks for the
model), so each process keeps the newest installed key's terms for
LICENSE_CACHE_SECONDS; installing a key refreshes the installing process at once.
Counting seats never uses that copy alone: it locks and counts in the database.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from deskpact.accounts.models import User
from deskpact.core import audit
from deskpact.licensing import keys
from deskpact.licensing.errors import InvalidLicenseKey, NoSeatFree
from deskpact.licensing.locks import lock_seats
from deskpact.licensing.models import InstalledLicense, SeatLease
from deskpact.licensing.policy import STAFF_ROLES, LicenseModel, role_is_licensed
from deskpact.licensing.standing import Standing, standing_on

log = logging.getLogger(__name__)

_cache: dict[str, tuple[float, keys.LicenseTerms | None, str]] = {}


def trusted_public_keys() -> list[str]:
    return list(settings.LICENSE_PUBLIC_KEYS)


def license_standing(*, today: date | None = None) -> Standing:
    """The license in force today (or on `today`): installed, in grace, or evaluation."""
    installed, problem = _installed_terms()
    standing = standing_on(installed, today or timezone.localdate())
    if problem:
        return Standing(standing.terms, standing.state, standing.installed, problem)
    return standing


def forget_cached_license() -> None:
    """Read the installed license from the database on the next call."""
    _cache.clear()


def remember_installed_license(terms: keys.LicenseTerms | None) -> None:
    """Take `terms` as the installed license's for LICENSE_CACHE_SECONDS (None: no key),
    as if just read: for callers that know the database, such as a test's empty one."""
    _cache["installed"] = (time.monotonic(), terms, "")


def _installed_terms() -> tuple[keys.LicenseTerms | None, str]:
    cached = _cache.get("installed")
    now = time.monotonic()
    if cached is not None and now - cached[0] < settings.LICENSE_CACHE_SECONDS:
        return cached[1], cached[2]
    row = InstalledLicense.objects.order_by("-installed_at", "-id").only("key").first()
    terms, problem = None, ""
    if row is not None:
        try:
            terms = keys.read(row.key, trusted_public_keys())
        except keys.InvalidKey as exc:
            # Trusted keys changed in settings, or the row was edited: evaluation limits.
            problem = f"The installed license is not accepted ({exc}); evaluation limits apply."
            log.warning("installed license %s refused: %s", row.pk, exc)
    _cache["installed"] = (now, terms, problem)
    return terms, problem


@transaction.atomic
def install_license(key: str, *, by: User | None, at: datetime | None = None) -> Standing:
    """Verify `key` and put it in force; a key that cannot be used changes nothing."""
    at = at or timezone.now()
    try:
        terms = keys.read(key, trusted_public_keys())
    except keys.InvalidKey as exc:
        raise InvalidLicenseKey(str(exc), field="key") from None
    today = timezone.localdate(at)
    if today > terms.ends_on:
        raise InvalidLicenseKey(
            f"This license for {terms.licensee} ended on {terms.ends_on.isoformat()}"
            " (valid until plus grace days): install a current key.",
            field="key",
        )
    lock_seats()  # an install and a seat being granted do not interleave
    row = InstalledLicense.objects.create(
        key="".join(key.split()),
        license_id=terms.license_id,
        licensee=terms.licensee,
        model=terms.model,
        seat_type=terms.seat_type,
        seats=terms.seats,
        valid_until=terms.valid_until,
        grace_days=terms.grace_days,
        installed_at=at,
        installed_by=by,
    )
    audit.record(
        "license.installed",
        row,
        actor=by,
        at=at,
        after={
            "license_id": terms.license_id,
            "licensee": terms.licensee,
            "model": str(terms.model),
            "seat_type": str(terms.seat_type),
            "seats": terms.seats,
            "valid_until": terms.valid_until.isoformat(),
        },
    )
    # Now for the rest of this transaction, and again once the install is visible to all.
    forget_cached_license()
    transaction.on_commit(forget_cached_license)
    return standing_on(terms, today)


# --- named seats -----------------------------------------------------------------------


@dataclass(frozen=True)
class SeatUsage:
    seat_type: keys.SeatType
    seats: int
    in_use: int  # named: licensed users; concurrent: leases held now
    overdraft_seats: int

    @property
    def free(self) -> int:
        return max(0, self.seats - self.in_use)


def licensed_users(model: LicenseModel) -> QuerySet[User]:
    """The users who need a seat under `model`: active staff, or every active user."""
    users = User.objects.filter(is_active=True)
    return users if model == LicenseModel.TEAM else users.filter(role__in=STAFF_ROLES)


def seat_usage(standing: Standing | None = None) -> SeatUsage:
    """Named: licensed users. Concurrent: leases held now."""
    terms = (standing or license_standing()).terms
    if terms.seat_type == keys.SeatType.CONCURRENT:
        in_use = SeatLease.objects.filter(expires_at__gt=timezone.now()).count()
    else:
        in_use = licensed_users(terms.model).count()
    return SeatUsage(
        seat_type=terms.seat_type,
        seats=terms.seats,
        in_use=in_use,
        overdraft_seats=terms.overdraft_seats,
    )


def claim_named_seat(role: str, *, field: str = "role", by: User | None = None) -> None:
    """Refuse one more licensed user (of `role`) when every named seat is taken.

    Call inside the transaction that saves the user, before saving: the seat lock is
    held until it commits, so two admins adding the last agent at once get one seat.
    """
    terms = license_standing().terms
    if terms.seat_type != keys.SeatType.NAMED or not role_is_licensed(role, terms.model):
        return
    lock_seats()
    in_use = licensed_users(terms.model).count()
    if in_use < terms.seats:
        return
    if in_use < terms.seats + terms.overdraft_seats:
        log.warning("named seats over the license: %s of %s", in_use + 1, terms.seats)
        _record_overdraft(terms, in_use=in_use, by=by)
        return
    raise NoSeatFree(
        f"All {terms.seats} named seats of the {terms.model.label.split(' (')[0]} license are "
        f"in use ({in_use} licensed users). Deactivate a licensed user to free a seat, or "
        "install a license with more seats.",
        field=field,
        seats=terms.seats,
        in_use=in_use,
    )


def _record_overdraft(terms: keys.LicenseTerms, *, in_use: int, by: User | None) -> None:
    installed = InstalledLicense.objects.order_by("-installed_at", "-id").first()
    if installed is None:  # evaluation has no overdraft; nothing to attach the entry to
        return
    audit.record(
        "license.overdraft",
        installed,
        actor=by,
        after={"seats": terms.seats, "in_use": in_use + 1, "allowed": terms.overdraft_seats},
    )
