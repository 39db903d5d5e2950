"""Password validator that refuses any of a user's last few passwords."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError


class PasswordHistoryValidator:
    """Refuse the current password and the previous ones (settings.PASSWORD_HISTORY)."""

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or user.pk is None:
            return
        from deskpact.accounts.models import PasswordHistory, User

        depth = settings.PASSWORD_HISTORY
        stored = User.objects.filter(pk=user.pk).values_list("password", flat=True).first()
        recent = list(
            PasswordHistory.objects.filter(user_id=user.pk).values_list("password", flat=True)[
                :depth
            ]
        )
        if any(h and check_password(password, h) for h in [stored, *recent]):
            raise ValidationError(
                f"Choose a password you have not used for your last {depth} passwords.",
                code="password_reused",
            )

    def password_changed(self, password: str, user: Any = None) -> None:
        """Remember the new hash and forget those older than the history depth."""
        if user is None or user.pk is None:
            return
        from deskpact.accounts.models import PasswordHistory

        PasswordHistory.objects.create(user_id=user.pk, password=user.password)
        keep = PasswordHistory.objects.filter(user_id=user.pk).values_list("pk", flat=True)[
            : settings.PASSWORD_HISTORY
        ]
        PasswordHistory.objects.filter(user_id=user.pk).exclude(pk__in=list(keep)).delete()

    def get_help_text(self) -> str:
        return f"Your password cannot be one of your last {settings.PASSWORD_HISTORY}."
