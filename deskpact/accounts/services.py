"""Every write to accounts and organizations: validated, atomic, audited."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from deskpact.accounts import tokens
from deskpact.accounts.domains import InvalidDomain, parse_domains
from deskpact.accounts.models import ApiToken, Organization, OrganizationDomain, User, UserSession
from deskpact.core import audit
from deskpact.licensing.policy import current_license_model, role_is_licensed
from deskpact.licensing.services import claim_named_seat

ORGANIZATION_FIELDS = ("name", "currency", "time_zone", "tax_rate", "shares_tickets")
USER_FIELDS = (
    "email",
    "name",
    "role",
    "organization",
    "trained_until",
    "is_active",
    "must_change_password",
)


# Organizations ------------------------------------------------------------------


def check_domains(organization: Organization, raw: list[str] | str) -> list[str]:
    """Normalised domains, refused when malformed or claimed by another organization."""
    try:
        domains = parse_domains(raw)
    except InvalidDomain as exc:
        raise ValidationError({"domains": str(exc)}) from None
    taken = (
        OrganizationDomain.objects.filter(domain__in=domains)
        .exclude(organization_id=organization.pk)
        .select_related("organization")
    )
    for row in taken:
        raise ValidationError(
            {"domains": f"{row.domain} already belongs to {row.organization.name}."}
        )
    return domains


@transaction.atomic
def save_organization(
    organization: Organization,
    *,
    by: User | None,
    domains: list[str] | str | None = None,
    **fields: Any,
) -> Organization:
    """Create or change an organization and its email domains, all or nothing."""
    creating = organization.pk is None
    stored = None if creating else Organization.objects.get(pk=organization.pk)
    before = None if stored is None else audit.snapshot(stored, ORGANIZATION_FIELDS)
    old_domains = [] if stored is None else stored.domain_names
    for name, value in fields.items():
        if name not in ORGANIZATION_FIELDS:
            raise ValueError(f"unknown organization field {name}")
        setattr(organization, name, value)
    organization.full_clean()
    new_domains = old_domains if domains is None else check_domains(organization, domains)
    try:
        with transaction.atomic():  # a savepoint: a lost race must not poison the outer work
            organization.save()
            if set(new_domains) != set(old_domains):
                organization.domains.exclude(domain__in=new_domains).delete()
                for domain in new_domains:
                    OrganizationDomain.objects.get_or_create(
                        organization=organization, domain=domain
                    )
    except IntegrityError:
        # Another request claimed the same name or domain between our check and our write.
        raise ValidationError(
            {"domains": "A domain or the name was just claimed by another organization."}
        ) from None
    # Audit what was stored, read back: 19 and 19.000 are one tax rate, domains sorted.
    saved = Organization.objects.prefetch_related("domains").get(pk=organization.pk)
    after = {**audit.snapshot(saved, ORGANIZATION_FIELDS), "domains": saved.domain_names}
    if creating:
        audit.record("organization.created", organization, actor=by, after=after)
    else:
        old, new = audit.changes({**(before or {}), "domains": old_domains}, after)
        if new:
            audit.record("organization.changed", organization, actor=by, before=old, after=new)
    return organization


@transaction.atomic
def delete_organization(organization: Organization, *, by: User | None) -> None:
    """Remove an organization that has no people; its history stays in the audit log."""
    if organization.users.exists():
        raise ValidationError("Move or deactivate this organization's people before deleting it.")
    before = {
        **audit.snapshot(organization, ORGANIZATION_FIELDS),
        "domains": organization.domain_names,
    }
    audit.record("organization.deleted", organization, actor=by, before=before)
    organization.delete()


# Users ------------------------------------------------------------------------------


def create_user(
    *,
    email: str,
    by: User | None,
    password: str | None = None,
    must_change_password: bool = False,
    **fields: Any,
) -> User:
    """Add a person; with no password they set one through the reset link."""
    user = User(email=email.strip().lower(), **fields)
    return add_user(user, by=by, password=password, must_change_password=must_change_password)


@transaction.atomic
def add_user(
    user: User, *, by: User | None, password: str | None, must_change_password: bool = False
) -> User:
    """Store a new, unsaved `user` after validating it and its password; a licensed user
    needs a free named seat."""
    user.full_clean(exclude=["password"])
    if user.is_active:
        claim_named_seat(user.role, by=by)
    if password:
        from django.contrib.auth.password_validation import validate_password

        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from None
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.must_change_password = must_change_password
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise ValidationError({"email": "A user with this email already exists."}) from None
    audit.record("user.created", user, actor=by, after=audit.snapshot(user, USER_FIELDS))
    return user


@transaction.atomic
def update_user(user: User, *, by: User | None, **fields: Any) -> User:
    """Change a person's details; deactivating them ends their sessions and tokens."""
    stored = User.objects.get(pk=user.pk)
    before, was_active = audit.snapshot(stored, USER_FIELDS), stored.is_active
    for name, value in fields.items():
        if name not in USER_FIELDS:
            raise ValueError(f"unknown user field {name}")
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    model = current_license_model()
    if user.is_active and not (stored.is_active and role_is_licensed(stored.role, model)):
        # Promoted or reactivated: a seat is taken only by becoming licensed.
        claim_named_seat(user.role, field="is_active" if not stored.is_active else "role", by=by)
    stays_admin = user.is_active and user.role == User.Role.ADMIN
    if stored.is_active and stored.role == User.Role.ADMIN and not stays_admin:
        # Locked so two admins demoting each other at once cannot both succeed.
        admins = User.objects.select_for_update().filter(role=User.Role.ADMIN, is_active=True)
        if not admins.exclude(pk=user.pk).exists():
            field = "is_active" if not user.is_active else "role"
            raise ValidationError({field: "The desk needs at least one active admin."})
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise ValidationError({"email": "A user with this email already exists."}) from None
    old, new = audit.changes(before, audit.snapshot(user, USER_FIELDS))
    if new:
        audit.record("user.changed", user, actor=by, before=old, after=new)
    if was_active and not user.is_active:
        end_sessions(user, reason="deactivated", by=by)
    return user


def deactivate_user(user: User, *, by: User | None) -> User:
    return update_user(user, by=by, is_active=False)


@transaction.atomic
def end_sessions(
    user: User, *, reason: str, by: User | None, keep_session_key: str | None = None
) -> int:
    """End every web session and API token of `user` except the session being kept.

    Returns how many live sessions and tokens ended; rows of sessions that had already
    expired or been renewed are cleared without being counted.
    """
    rows = UserSession.objects.filter(user=user)
    if keep_session_key:
        rows = rows.exclude(session_key=keep_session_key)
    keys = list(rows.values_list("session_key", flat=True))
    ended, _ = Session.objects.filter(session_key__in=keys).delete()
    rows.delete()
    revoked, _ = ApiToken.objects.filter(user=user).delete()
    if ended or revoked:
        audit.record(
            "user.sessions_ended",
            user,
            actor=by,
            after={"reason": reason, "sessions": ended, "tokens": revoked},
        )
    return ended + revoked


@transaction.atomic
def password_changed(user: User, *, keep_session_key: str | None, by: User | None = None) -> None:
    """After a password change: every other session and every API token ends.

    `by` is who changed it (an admin for someone else); the person themself by default.
    """
    actor = user if by is None else by
    end_sessions(user, reason="password_changed", by=actor, keep_session_key=keep_session_key)
    if keep_session_key:
        # Django renews the key of the session that changed the password; keep tracking it
        # even when the session engine did not carry the row over (deskpact.accounts.sessions).
        UserSession.objects.get_or_create(session_key=keep_session_key, defaults={"user": user})
    audit.record("user.password_changed", user, actor=actor)


# API tokens -------------------------------------------------------------------------


def issue_api_token(user: User, *, name: str = "") -> tuple[ApiToken, str]:
    """Make a token for `user`; returns the row and the key, which is never stored."""
    key = tokens.new_key()
    token = ApiToken.objects.create(
        user=user,
        key_hash=tokens.digest(key),
        prefix=key[:8],
        name=name[:100],
        created_at=timezone.now(),
    )
    return token, key


def revoke_api_token(token: ApiToken) -> None:
    token.delete()
