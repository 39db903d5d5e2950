"""People and organizations as stored: case-insensitive emails, roles, password dates."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth.hashers import PBKDF2SHA1PasswordHasher
from django.db import IntegrityError, transaction

from deskpact.accounts.models import Organization, PasswordHistory, User
from deskpact.testing.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_manager_stores_emails_lower_case() -> None:
    user = User.objects.create_user("Dora@Example.COM", "copper-meadow-violin-17")

    assert user.email == "dora@example.com"
    assert user.check_password("copper-meadow-violin-17")


def test_a_superuser_is_an_admin_who_may_use_the_admin() -> None:
    root = User.objects.create_superuser("root@desk.example", "copper-meadow-violin-17")

    assert (root.role, root.is_superuser, root.is_staff) == ("admin", True, True)


def test_a_person_is_found_by_email_in_any_case(customer: User) -> None:
    assert User.objects.get_by_natural_key(" ALICE@acme.EXAMPLE ") == customer


def test_the_database_refuses_two_emails_differing_only_in_case(customer: User) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=customer.pk).update(email="Alice@Acme.example")
        User.objects.create(email="alice@acme.example")


def test_the_database_refuses_two_organization_names_differing_only_in_case(
    acme: Organization,
) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.create(name="ACME")


@pytest.mark.parametrize(
    ("role", "active", "staff", "agent"),
    [
        ("admin", True, True, True),
        ("admin", False, False, True),
        ("agent", True, False, True),
        ("user", True, False, False),
    ],
)
def test_only_an_active_admin_is_staff(role: str, active: bool, staff: bool, agent: bool) -> None:
    user = UserFactory.create(role=role, is_active=active)

    assert (user.is_staff, user.is_agent) == (staff, agent)
    assert user.has_perm("accounts.change_user") is staff


@pytest.mark.parametrize(("role", "licensed"), [("admin", True), ("agent", True), ("user", False)])
def test_under_the_support_model_only_agents_and_admins_are_licensed(
    role: str, licensed: bool
) -> None:
    assert User(role=role, is_active=True).is_licensed is licensed
    assert User(role=role, is_active=False).is_licensed is False


def test_setting_a_password_records_when_and_clears_the_flag() -> None:
    user = User(email="x@example.com", must_change_password=True)
    at = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)

    with time_machine.travel(at, tick=False):
        user.set_password("copper-meadow-violin-17")

    assert user.password_changed_at == at
    assert user.must_change_password is False


def test_every_stored_password_joins_the_history_but_only_the_latest_few_are_kept(
    settings: object,
) -> None:
    user = UserFactory.create()
    for n in range(8):
        user.set_password(f"copper-meadow-violin-{n}")
        user.save()

    kept = list(PasswordHistory.objects.filter(user=user))
    assert len(kept) == settings.PASSWORD_HISTORY  # type: ignore[attr-defined]
    assert kept[0].password == user.password  # newest first


def test_a_hash_upgrade_at_sign_in_is_not_a_password_change(settings: object) -> None:
    # An older hasher still listed second: checking the password re-hashes it with the first.
    settings.PASSWORD_HASHERS = [  # type: ignore[attr-defined]
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    ]
    old_hasher = PBKDF2SHA1PasswordHasher()
    set_at = datetime(2024, 1, 1, tzinfo=UTC)
    user = UserFactory.create(role=User.Role.AGENT)
    User.objects.filter(pk=user.pk).update(
        password=old_hasher.encode("old-but-gold-1234", old_hasher.salt(), iterations=1),
        password_changed_at=set_at,
        must_change_password=True,
    )
    user.refresh_from_db()

    assert user.check_password("old-but-gold-1234")

    assert user.password.startswith("md5$")  # upgraded and stored
    assert (user.password_changed_at, user.must_change_password) == (set_at, True)
    assert user.must_change_password_now()
    stored = User.objects.get(pk=user.pk)
    assert stored.password.startswith("md5$") and stored.password_changed_at == set_at


def test_str_shows_name_and_email() -> None:
    assert str(User(email="a@example.com", name="Ann")) == "Ann <a@example.com>"
    assert str(User(email="a@example.com")) == "a@example.com"
