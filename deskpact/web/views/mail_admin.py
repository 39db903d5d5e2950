"""The admins' mail pages, mounted at /mail/: inbound messages by status, one message with
its headers and outcome (retry or discard when failed or held), and the mail sources."""

from __future__ import annotations

import email.parser
import email.policy

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deskpact.accounts.requests import signed_in
from deskpact.mail import inbound, sources
from deskpact.mail.models import InboundMessage, MailSource
from deskpact.tickets.models import Queue
from deskpact.web.decorators import admin_required

Status = InboundMessage.Status
PAGE_SIZE = 50
# Headers shown on a message's page; the raw message stays available in full.
SHOWN_HEADERS = 60
NEEDS_AN_ADMIN = (Status.FAILED, Status.HELD)


@admin_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """Inbound messages, the ones waiting for an admin (failed, held) first."""
    status = request.GET.get("status", "")
    rows = InboundMessage.objects.defer("raw").select_related("ticket", "source")
    if status in Status.values:
        rows = rows.filter(status=status)
    else:
        status = ""
    rows = rows.annotate(
        waiting=Case(
            When(status__in=NEEDS_AN_ADMIN, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("waiting", "-received_at", "-id")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "mail_admin/inbox.html",
        {
            "page": page,
            "status": status,
            "statuses": Status.choices,
            "waiting": InboundMessage.objects.filter(status__in=NEEDS_AN_ADMIN).count(),
        },
    )


def _headers(raw: bytes) -> list[tuple[str, str]]:
    parsed = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
    return [(name, " ".join(str(value).split())) for name, value in parsed.items()][:SHOWN_HEADERS]


@admin_required
@require_GET
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_object_or_404(
        InboundMessage.objects.select_related("ticket", "source", "ticket_message"), pk=pk
    )
    return render(
        request,
        "mail_admin/message.html",
        {
            "message": message,
            "headers": _headers(bytes(message.raw)),
            "actionable": message.status in NEEDS_AN_ADMIN,
        },
    )


@admin_required
@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_object_or_404(InboundMessage.objects.defer("raw"), pk=pk)
    try:
        inbound.retry(message, by=signed_in(request))
    except inbound.MessageRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The message goes through processing again.")
    return redirect("mail_admin:message", pk=pk)


@admin_required
@require_POST
def discard(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_object_or_404(InboundMessage.objects.defer("raw"), pk=pk)
    try:
        inbound.discard(message, by=signed_in(request))
    except inbound.MessageRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The message is discarded; it stays stored.")
    return redirect("mail_admin:message", pk=pk)


class MailSourceForm(forms.Form):
    name = forms.CharField(max_length=100)
    kind = forms.ChoiceField(
        choices=[(k, label) for k, label in MailSource.Kind.choices if k != MailSource.Kind.IMAP],
        initial=MailSource.Kind.API,
        help_text="IMAP mailboxes need a host and login: add them in the Django admin.",
    )
    queue = forms.ModelChoiceField(queryset=Queue.objects.order_by("name"))
    address = forms.EmailField(help_text="The desk address mail to this source is sent to.")


@never_cache  # the page that shows a new secret must not be kept anywhere
@admin_required
@require_http_methods(["GET", "POST"])
def source_list(request: HttpRequest) -> HttpResponse:
    """The mail sources; creating one shows its secret, this once."""
    form = MailSourceForm(request.POST or None)
    created: MailSource | None = None
    secret = ""
    if request.method == "POST" and form.is_valid():
        try:
            created, secret = sources.create_source(by=signed_in(request), **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form = MailSourceForm()
    return render(
        request,
        "mail_admin/sources.html",
        {
            "form": form,
            "sources": MailSource.objects.select_related("queue"),
            "created": created,
            "secret": secret,
        },
    )
