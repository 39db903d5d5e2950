"""Installed license keys (history: the newest is in force) and the row seat counts lock."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from deskpact.licensing.keys import SeatType
from deskpact.licensing.policy import LicenseModel


class InstalledLicense(models.Model):
    """A key as it was installed. The key is what counts (verified again when read); the
    other columns copy its terms for listings and reports."""

    key = models.TextField()
    license_id = models.CharField(max_length=40)
    licensee = models.CharField(max_length=200)
    model = models.CharField(max_length=10, choices=LicenseModel.choices)
    seat_type = models.CharField(
        max_length=10, choices=[(t.value, t.value.capitalize()) for t in SeatType]
    )
    seats = models.PositiveIntegerField()
    valid_until = models.DateField()
    grace_days = models.PositiveIntegerField(default=0)
    installed_at = models.DateTimeField()
    installed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-installed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.licensee}: {self.model} {self.seats} {self.seat_type} seats"


class SeatLock(models.Model):
    """One row (id 1), locked by every change that counts seats, so that two processes
    granting the last seat at once are served one after the other (PostgreSQL row lock;
    SQLite's IMMEDIATE transactions already serialise writers)."""

    class Meta:
        verbose_name = "seat lock"

    def __str__(self) -> str:
        return "seat lock"


class SeatLease(models.Model):
    """A concurrent seat held by one user: at most one per user (the unique user), renewed
    by activity, ended by sign-out, by an admin, or by running out (then reclaimed by the
    next checkout: no sweeper is needed for the count to be right)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="seat_lease"
    )
    taken_at = models.DateTimeField()
    renewed_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    is_overdraft = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"seat of user {self.user_id} until {self.expires_at:%Y-%m-%d %H:%M}"


class SeatReservation(models.Model):
    """A concurrent seat kept for one user: others cannot take it while it is free."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="seat_reservation"
    )
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"seat reserved for user {self.user_id}"


class SeatEvent(models.Model):
    """Metering: every checkout, release, expiry, refusal and overdraft, as it happened."""

    class Kind(models.TextChoices):
        CHECKOUT = "checkout"
        RELEASE = "release"
        EXPIRY = "expiry"
        REFUSAL = "refusal"
        OVERDRAFT = "overdraft"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()
    in_use = models.PositiveIntegerField(help_text="Seats held right after the event.")
    seats = models.PositiveIntegerField(help_text="Seats of the license at the time.")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["at"], name="seat_event_at")]

    def __str__(self) -> str:
        return f"{self.kind} by user {self.user_id} at {self.at:%Y-%m-%d %H:%M}"


class Presence(models.Model):
    """A stretch of someone's activity while they hold no lease (named licenses, customers):
    from their first request to their last, renewed at most once a minute. With the idle
    timeout added, it is the seat a concurrent license would have given them; the advisor
    reads these and the seat events to size each kind of license."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["user", "last_seen_at"], name="presence_user_seen"),
            models.Index(fields=["last_seen_at"], name="presence_seen"),
        ]

    def __str__(self) -> str:
        return f"user {self.user_id} active {self.started_at:%Y-%m-%d %H:%M}"
