"""Forms for signing in and managing one's own password."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.template import loader

from deskpact.accounts.models import User
from deskpact.accounts.tasks import send_account_email
from deskpact.core.tasks import enqueue
from deskpact.licensing.errors import NoSeatFree
from deskpact.licensing.leases import checkout_seat


class EmailLoginForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Email or password is wrong. Passwords are case-sensitive.",
    }

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        try:
            checkout_seat(user)  # concurrent licenses: a seat is taken at sign-in
        except NoSeatFree as refused:
            if user.is_agent:  # customers are never stopped by seat limits (SPEC §3)
                raise forms.ValidationError(refused.message, code="no_seat_free") from None


class QueuedPasswordResetForm(PasswordResetForm):
    """Render the reset mail here, send it in the background after the request."""

    def get_users(self, email: str) -> Iterator[User]:
        """Active people with this email, including those who never chose a password.

        Django skips accounts without a usable password; here that is every contact and
        every person added without one, who are told to set theirs through this page.
        """
        people = User.objects.filter(email__iexact=email, is_active=True)
        # Compare again in Python as Django does: a database's case folding can match an
        # attacker's look-alike address (CVE-2019-19844).
        return (person for person in people if _same_address(email, person.email))

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        enqueue(send_account_email, subject=subject, body=body, to=to_email)


def _same_address(typed: str, stored: str) -> bool:
    return (
        unicodedata.normalize("NFKC", typed).casefold()
        == unicodedata.normalize("NFKC", stored).casefold()
    )
