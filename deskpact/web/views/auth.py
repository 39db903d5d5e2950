"""Sign-in, sign-out and password pages: Django's own views with the desk's rules."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from deskpact.accounts import services
from deskpact.accounts.forms import EmailLoginForm, QueuedPasswordResetForm
from deskpact.accounts.requests import signed_in


class LoginView(auth_views.LoginView):
    # Django's LoginView already rotates the session id and accepts only same-site ?next=.
    form_class = EmailLoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)  # keeps this session signed in
        services.password_changed(form.user, keep_session_key=self.request.session.session_key)
        messages.success(self.request, "Your password was changed. Other sessions were signed out.")
        return response


class PasswordResetView(auth_views.PasswordResetView):
    # The answer is the same page whether or not the email is known.
    form_class = QueuedPasswordResetForm
    template_name = "registration/password_reset.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        services.password_changed(form.user, keep_session_key=None)
        return response


@require_POST
@login_required
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    ended = services.end_sessions(
        user,
        reason="signed_out_elsewhere",
        by=user,
        keep_session_key=request.session.session_key,
    )
    messages.success(request, f"Signed out of {ended} other sessions and API tokens.")
    return redirect("account")


def locked_out(request: HttpRequest, response: Any = None, credentials: Any = None) -> HttpResponse:
    """What django-axes shows once an email has failed too often."""
    from django.conf import settings

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    if request.path.startswith("/api/"):
        from deskpact.api.problems import problem_response

        detail = f"Too many failed sign-ins: this account is locked for {minutes} minutes."
        return problem_response(request, 403, "account_locked", detail)
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)
