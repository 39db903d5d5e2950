"""Concurrent seats: taken at sign-in, kept by activity, given back (SPEC §3).

Every grant is decided under the seat lock from the leases in the database, so any number
of processes never hand out more seats than the license has. Keeping a seat is cheap: a
process renews a user's lease at most once a minute (one UPDATE); in between, a request
costs no statement at all. That memory only saves writes: what counts is the database.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from deskpact.accounts.models import User
from deskpact.core import audit
from deskpact.licensing import keys, seats
from deskpact.licensing.errors import NoSeatFree
from deskpact.licensing.locks import lock_seats
from deskpact.licensing.models import Presence as SeatPresence
from deskpact.licensing.models import SeatEvent, SeatLease, SeatReservation
from deskpact.licensing.services import license_standing

# user id -> time.monotonic() of this process's last renewal of their lease
_renewed: dict[int, float] = {}
_RENEWED_MAX = 10_000


def idle_timeout() -> timedelta:
    return timedelta(minutes=settings.LICENSE_LEASE_IDLE_MINUTES)


def needs_lease(user: User) -> bool:
    """Whether `user` must hold a concurrent seat to work: licensed, under such a license."""
    terms = license_standing().terms
    return terms.seat_type == keys.SeatType.CONCURRENT and user.is_licensed


def keep_seat(user: User, *, at: datetime | None = None) -> None:
    """Make sure `user` holds a seat if they need one, and record their activity.

    Nothing to do while this process did so in the last minute; then one UPDATE (the lease,
    or for someone without one their presence row); a checkout when a lease ran out, and
    NoSeatFree when none is free."""
    last = _renewed.get(user.pk)
    if last is not None and time.monotonic() - last < settings.LICENSE_LEASE_RENEW_SECONDS:
        return
    at = at or timezone.now()
    if not needs_lease(user):
        _note_presence(user, at)
    elif not SeatLease.objects.filter(user_id=user.pk, expires_at__gt=at).update(
        renewed_at=at, expires_at=at + idle_timeout()
    ):
        try:
            checkout_seat(user, at=at)
        except NoSeatFree:
            if user.is_agent:
                raise
            # Team model: customers count when a seat is free, but are never stopped
            # (SPEC §3); the refusal is recorded, their activity too.
            _note_presence(user, at)
    _remember(user.pk)


def _note_presence(user: User, at: datetime) -> None:
    still = SeatPresence.objects.filter(user_id=user.pk, last_seen_at__gte=at - idle_timeout())
    if not still.update(last_seen_at=at):
        SeatPresence.objects.create(user_id=user.pk, started_at=at, last_seen_at=at)


def _remember(user_id: int) -> None:
    if len(_renewed) >= _RENEWED_MAX:
        _renewed.clear()
    _renewed[user_id] = time.monotonic()


def forget_renewals() -> None:
    """Renew on the next request (after this process released or lost a lease)."""
    _renewed.clear()


def checkout_seat(user: User, *, at: datetime | None = None) -> SeatLease | None:
    """Give `user` a concurrent seat (or renew the one they hold); NoSeatFree when none is
    free. None when the license in force does not count concurrent seats for them."""
    if not needs_lease(user):
        return None
    at = at or timezone.now()
    terms = license_standing().terms
    with transaction.atomic():
        lock_seats()
        _reclaim_expired(at, seats_total=terms.seats)
        held = [
            seats.Lease(uid, ends)
            for uid, ends in SeatLease.objects.values_list("user_id", "expires_at")
        ]
        decision = seats.decide(
            seats=terms.seats,
            overdraft_seats=terms.overdraft_seats,
            leases=held,
            reserved=SeatReservation.objects.values_list("user_id", flat=True),
            user_id=user.pk,
            at=at,
        )
        if decision.granted:
            return _grant(user, decision, at=at)
        SeatEvent.objects.create(
            kind=SeatEvent.Kind.REFUSAL, user=user, at=at, in_use=decision.in_use, seats=terms.seats
        )
    raise NoSeatFree(
        _refusal(decision, at),
        seats=decision.seats,
        in_use=decision.in_use,
        next_free_at=decision.next_free_at,
    )


def _grant(user: User, decision: seats.Decision, *, at: datetime) -> SeatLease:
    ends = at + idle_timeout()
    if decision.already_held:
        SeatLease.objects.filter(user=user).update(renewed_at=at, expires_at=ends)
        return SeatLease.objects.get(user=user)
    lease = SeatLease.objects.create(
        user=user, taken_at=at, renewed_at=at, expires_at=ends, is_overdraft=decision.overdraft
    )
    kind = SeatEvent.Kind.OVERDRAFT if decision.overdraft else SeatEvent.Kind.CHECKOUT
    SeatEvent.objects.create(
        kind=kind, user=user, at=at, in_use=decision.in_use, seats=decision.seats
    )
    return lease


def _reclaim_expired(at: datetime, *, seats_total: int) -> None:
    """End the leases that ran out (crashed browsers, idle users), each recorded."""
    expired = list(
        SeatLease.objects.filter(expires_at__lte=at).values_list("pk", "user_id", "expires_at")
    )
    if not expired:
        return
    SeatLease.objects.filter(pk__in=[pk for pk, _, _ in expired]).delete()
    left = SeatLease.objects.count()
    SeatEvent.objects.bulk_create(
        SeatEvent(kind=SeatEvent.Kind.EXPIRY, user_id=uid, at=ends, in_use=left, seats=seats_total)
        for _, uid, ends in expired
    )


def _refusal(decision: seats.Decision, at: datetime) -> str:
    seats = (
        "The one concurrent seat is"
        if decision.seats == 1
        else f"All {decision.seats} concurrent seats are"
    )
    text = f"{seats} in use, so you cannot sign in right now."
    if decision.next_free_at is not None:
        local = timezone.localtime(decision.next_free_at)
        minutes = max(1, round((decision.next_free_at - at).total_seconds() / 60))
        text += (
            f" The earliest seat frees at {date_format(local, 'H:i')} (in {minutes} minute"
            f"{'s' if minutes != 1 else ''}) unless its holder keeps working,"
            " or sooner when someone signs out."
        )
    return text


@transaction.atomic
def release_seat(user: User, *, by: User | None = None, at: datetime | None = None) -> bool:
    """Give back `user`'s seat (sign-out, or an admin freeing it); False if none was held."""
    at = at or timezone.now()
    lock_seats()
    deleted, _ = SeatLease.objects.filter(user=user).delete()
    _renewed.pop(user.pk, None)
    if not deleted:
        return False
    SeatEvent.objects.create(
        kind=SeatEvent.Kind.RELEASE,
        user=user,
        at=at,
        in_use=SeatLease.objects.filter(expires_at__gt=at).count(),
        seats=license_standing().terms.seats,
        by=by if by is not None and by.pk != user.pk else None,
    )
    if by is not None and by.pk != user.pk:
        audit.record("license.seat_released", user, actor=by, at=at)
    return True


def note_sign_in(sender: object, request: object, user: User | None, **kwargs: object) -> None:
    """Signing in starts the user's activity (and renews the seat the sign-in form took)."""
    if user is not None and user.is_authenticated:
        _renewed.pop(user.pk, None)
        keep_seat(user)


def release_on_sign_out(
    sender: object, request: object, user: User | None, **kwargs: object
) -> None:
    """Signing out gives the seat back at once (the user_logged_out signal)."""
    if user is not None and user.is_authenticated and needs_lease(user):
        release_seat(user)


def seat_holders(at: datetime | None = None) -> list[SeatLease]:
    """The leases held now, oldest first, with their users (for the admin's seats page)."""
    at = at or timezone.now()
    return list(
        SeatLease.objects.filter(expires_at__gt=at).select_related("user").order_by("taken_at")
    )
