"""The password-history validator on its own: what it refuses, what it keeps."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from deskpact.accounts.models import PasswordHistory, User
from deskpact.accounts.validators import PasswordHistoryValidator
from deskpact.testing.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_new_unsaved_person_has_no_history_to_check() -> None:
    PasswordHistoryValidator().validate("anything-at-all", User(email="x@example.com"))
    PasswordHistoryValidator().validate("anything-at-all", None)


def test_the_current_password_is_refused(customer: User, password: str) -> None:
    with pytest.raises(ValidationError) as exc:
        PasswordHistoryValidator().validate(password, customer)

    assert exc.value.code == "password_reused"


def test_another_persons_password_is_no_concern(customer: User, other_customer: User) -> None:
    other_customer.set_password("copper-meadow-violin-17")
    other_customer.save()

    PasswordHistoryValidator().validate("copper-meadow-violin-17", customer)


def test_history_keeps_only_the_configured_depth_per_person(customer: User) -> None:
    other = UserFactory.create()
    for n in range(settings.PASSWORD_HISTORY + 3):
        customer.set_password(f"copper-meadow-violin-{n}")
        customer.save()

    assert PasswordHistory.objects.filter(user=customer).count() == settings.PASSWORD_HISTORY
    assert PasswordHistory.objects.filter(user=other).count() == 1


def test_the_help_text_names_the_depth() -> None:
    assert str(settings.PASSWORD_HISTORY) in PasswordHistoryValidator().get_help_text()
