from __future__ import annotations

import zoneinfo
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from deskpact.accounts import passwords
from deskpact.core.currencies import CURRENCY_CHOICES
from deskpact.licensing.policy import current_license_model, role_is_licensed


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            "%(value)s is not a known time zone (use an IANA name such as Europe/Berlin).",
            code="invalid_time_zone",
            params={"value": value},
        )


class Organization(models.Model):
    """A customer account: its people, domains, currency, time zone and tax."""

    name = models.CharField(max_length=200)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default="EUR")
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    tax_rate = models.DecimalField(
        "tax rate (%)",
        max_digits=6,
        decimal_places=3,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    shares_tickets = models.BooleanField(
        default=False, help_text="Contacts see each other's tickets in the portal."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="organization_name_unique_ci",
                violation_error_message="An organization with this name already exists.",
            ),
            models.CheckConstraint(
                condition=models.Q(tax_rate__gte=0) & models.Q(tax_rate__lte=100),
                name="organization_tax_rate_0_100",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        others = Organization.objects.filter(name__iexact=self.name).exclude(pk=self.pk)
        if self.name and others.exists():
            raise ValidationError({"name": "An organization with this name already exists."})

    @property
    def domain_names(self) -> list[str]:
        return [d.domain for d in self.domains.all()]


class OrganizationDomain(models.Model):
    """One email domain; unique across all organizations."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=253, unique=True)

    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain


class UserManager(BaseUserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> User:
        # Email is the login and is case-insensitive: Ann@X.com and ann@x.com are one person.
        return self.get(email__iexact=(username or "").strip())

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.setdefault("role", User.Role.ADMIN)
        fields["is_superuser"] = True
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in: an admin, an agent or a customer contact (`user`)."""

    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        AGENT = "agent", "Agent"
        USER = "user", "User"

    email = models.EmailField("email address", max_length=254, unique=True)
    name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.USER)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    trained_until = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    password_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    must_change_password = models.BooleanField(
        default=False, help_text="Ask for a new password at the next login."
    )

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["name"]

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_unique_ci",
                violation_error_message="A user with this email already exists.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email

    def clean(self) -> None:
        super().clean()
        self.email = (self.email or "").strip().lower()
        others = User.objects.filter(email__iexact=self.email).exclude(pk=self.pk)
        if self.email and others.exists():
            raise ValidationError({"email": "A user with this email already exists."})

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()
        self.must_change_password = False

    # Django re-hashes a password with a newer hasher while checking it, through
    # set_password. That is no password change: the age and the flag stay, or an expired
    # password would pass as new for the rest of the request (the API issues a token).
    def check_password(self, raw_password: str | None) -> bool:
        changed_at, flagged = self.password_changed_at, self.must_change_password
        try:
            return super().check_password(raw_password)
        finally:
            self.password_changed_at, self.must_change_password = changed_at, flagged

    async def acheck_password(self, raw_password: str | None) -> bool:
        changed_at, flagged = self.password_changed_at, self.must_change_password
        try:
            return await super().acheck_password(raw_password)
        finally:
            self.password_changed_at, self.must_change_password = changed_at, flagged

    # Roles ---------------------------------------------------------------
    @property
    def is_staff(self) -> bool:  # the Django admin asks this
        return self.is_active and self.role == self.Role.ADMIN

    @property
    def is_agent(self) -> bool:
        """Agents and admins work tickets."""
        return self.role in (self.Role.AGENT, self.Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return (self.is_active and self.is_admin) or super().has_perm(perm, obj)

    def has_module_perms(self, app_label: str) -> bool:
        return (self.is_active and self.is_admin) or super().has_module_perms(app_label)

    # Password policy ------------------------------------------------------
    @property
    def is_licensed(self) -> bool:
        return self.is_active and role_is_licensed(self.role, current_license_model())

    def must_change_password_now(self) -> bool:
        return passwords.must_change_password(
            changed_at=self.password_changed_at,
            flagged=self.must_change_password,
            licensed=self.is_licensed,
            max_age_days=settings.PASSWORD_MAX_AGE_DAYS,
            now=timezone.now(),
        )


class PasswordHistory(models.Model):
    """Hashes of a user's recent passwords, so an old one is not chosen again."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "password history"

    def __str__(self) -> str:
        return f"password of user {self.user_id} set {self.created_at:%Y-%m-%d}"


class UserSession(models.Model):
    """A signed-in web session, so the desk can end a user's sessions on purpose."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="web_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"session of user {self.user_id} since {self.created_at:%Y-%m-%d %H:%M}"


class ApiToken(models.Model):
    """An API token; only its SHA-256 is stored, the key is shown once when issued."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    name = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user.email})"
