"""Forms of the customer portal and the public web form, and how a service's refusal lands
on them. The rules themselves stay in the services: these forms only parse."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
    ValidationError,
)
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from deskpact.core.errors import DomainError
from deskpact.tickets.models import Ticket
from deskpact.tickets.services import BODY_MAX, SUBJECT_MAX

View = Callable[..., HttpResponse]

MAX_FILES = 10


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Any number of files (up to MAX_FILES) in one input, each within the desk's limit."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def describe_limits(self) -> None:
        """Say the limits in force now (settings are read per form, not at import)."""
        limit = filesizeformat(settings.ATTACHMENT_MAX_BYTES)
        self.help_text = f"Up to {MAX_FILES} files, at most {limit} each."

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        items = list(data) if isinstance(data, (list, tuple)) else ([data] if data else [])
        single = super().clean  # zero-argument super() fails inside a comprehension (3.11)
        files: list[UploadedFile] = [single(item, initial) for item in items]
        if len(files) > MAX_FILES:
            raise ValidationError(f"Attach at most {MAX_FILES} files at a time.", code="count")
        limit = settings.ATTACHMENT_MAX_BYTES
        too_big = [
            ValidationError(
                f"{f.name} is {filesizeformat(f.size or 0)}; attachments may be at most "
                f"{filesizeformat(limit)} each.",
                code="too_large",
            )
            for f in files
            if (f.size or 0) > limit
        ]
        if too_big:
            raise ValidationError(too_big)
        return files


def subject_field() -> forms.CharField:
    return forms.CharField(
        max_length=SUBJECT_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text="A short summary, such as “Cannot print invoices since Monday”.",
    )


def body_field(label: str = "Describe the problem") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
    )


class _WithAttachments(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, AttachmentsField):
                field.describe_limits()


class NewTicketForm(_WithAttachments):
    subject = subject_field()
    body = body_field()
    priority = forms.ChoiceField(
        choices=Ticket.Priority.choices,
        initial=Ticket.Priority.NORMAL,
        required=False,
        help_text="How much this holds up your work.",
    )
    attachments = AttachmentsField(label="Attachments")

    def clean_priority(self) -> str:
        return str(self.cleaned_data.get("priority") or Ticket.Priority.NORMAL)


class ReplyForm(_WithAttachments):
    body = body_field(label="Your reply")
    attachments = AttachmentsField(label="Attachments")


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label="How did we do?",
        choices=[
            (5, "5: Excellent"),
            (4, "4: Good"),
            (3, "3: Fair"),
            (2, "2: Poor"),
            (1, "1: Very poor"),
        ],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label="Comment",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TicketFilterForm(forms.Form):
    """The list's filters from the query string; anything odd falls back to the default."""

    q = forms.CharField(label="Search", required=False, max_length=200)
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[
            ("", "Any status"),
            ("open", "Open"),
            ("waiting", "Waiting on you"),
            ("resolved", "Resolved"),
            ("closed", "Closed"),
        ],
    )
    scope = forms.ChoiceField(
        required=False,
        choices=[("mine", "My tickets"), ("organization", "My organization")],
    )

    def values(self) -> dict[str, str]:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "q": str(data.get("q") or ""),
            "status": str(data.get("status") or ""),
            "scope": str(data.get("scope") or "mine"),
        }


class WebForm(forms.Form):
    """The public form: no account needed; the address becomes the contact."""

    name = forms.CharField(
        label="Your name",
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label="Your email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text="We send the confirmation and our answers here.",
    )
    subject = subject_field()
    body = body_field()
    # A field people never see and bots fill in; the template hides it from both eyes and
    # screen readers, and the view pretends success when it is filled.
    website = forms.CharField(
        label="Leave this field empty",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    HONEYPOT = "website"


def add_service_errors(
    form: forms.Form,
    exc: ValidationError | DomainError,
    *,
    aliases: Mapping[str, str] | None = None,
) -> None:
    """Show a service's refusal on the form: beside the field it names, else above the form."""

    def target(field: str | None) -> str | None:
        name = (aliases or {}).get(field or "", field)
        return name if name in form.fields else None

    if isinstance(exc, DomainError):
        form.add_error(target(exc.field), exc.message)
    elif hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(target(field), errors)
    else:
        form.add_error(None, exc)


_UNREADABLE_BODY = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent, MultiPartParserError)


def refuse_oversized_posts(view: View) -> View:
    """Read a POST body before the CSRF check does, so a body past Django's limits gets a
    page that says what went wrong instead of a bare 400. CSRF is then checked as usual."""
    protected = csrf_protect(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST":
            try:
                request.POST  # noqa: B018  parsing happens on first access
                request.FILES  # noqa: B018
            except _UNREADABLE_BODY as exc:
                too_big = isinstance(exc, RequestDataTooBig)
                context = {
                    "too_big": too_big,
                    "subject_max": SUBJECT_MAX,
                    "body_max": BODY_MAX,
                    "attachment_max": settings.ATTACHMENT_MAX_BYTES,
                    "max_files": MAX_FILES,
                }
                return render(request, "public/bad_request.html", context, status=400)
        return protected(request, *args, **kwargs)

    # The middleware's check would read the body first; `protected` checks it after.
    return csrf_exempt(wrapper)
