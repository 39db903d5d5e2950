"""Forms for signing in and managing one's own password."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.template import loader

from deskpact.accounts.tasks import send_account_email
from deskpact.core.tasks import enqueue


class EmailLoginForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Email or password is wrong. Passwords are case-sensitive.",
    }


class QueuedPasswordResetForm(PasswordResetForm):
    """Render the reset mail here, send it in the background after the request."""

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
