"""Background jobs of the accounts area."""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django_tasks import task


@task()
def send_account_email(*, subject: str, body: str, to: str, html: str = "") -> None:
    """Send one account email (password reset, welcome) already rendered by the caller."""
    message = EmailMultiAlternatives(subject=subject, body=body, to=[to])
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
