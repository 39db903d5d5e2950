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
