"""The public web form: anyone may open a ticket in a queue whose form is switched on.

No account needed: the address becomes a contact (SPEC §2) and the acknowledgement mail
invites new contacts to choose a password. Limits per address and per IP hold off floods.
"""

from __future__ import annotations

import ipaddress
import logging

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from deskpact.core.errors import DomainError
from deskpact.licensing.errors import NoSeatFree
from deskpact.tickets import services
from deskpact.tickets.models import Queue
from deskpact.tickets.web_form import WebFormLimited, submit_web_form
from deskpact.web.forms_portal import WebForm, add_service_errors, refuse_oversized_posts

RECEIPT_SALT = "deskpact.web_form.receipt"
RECEIPT_MAX_AGE = 60 * 60

log = logging.getLogger(__name__)


def client_ip(request: HttpRequest) -> str | None:
    """The visitor's address. X-Forwarded-For counts only behind the configured number of
    proxies (DESKPACT_PROXY_COUNT): otherwise anyone could name a new address per request."""
    candidate = request.META.get("REMOTE_ADDR")
    proxies = settings.AXES_IPWARE_PROXY_COUNT or 0
    if proxies:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= proxies:
            candidate = hops[-proxies]  # the last address our own proxies did not add
    try:
        return str(ipaddress.ip_address(candidate or ""))
    except ValueError:
        return None


def _web_form_queue(slug: str | None) -> Queue:
    queue = get_object_or_404(Queue, slug=slug) if slug else services.default_queue()
    if not queue.web_form_enabled:
        raise Http404("This queue takes no web form requests.")
    return queue


def _thanks_url(queue: Queue, ticket_key: str | None) -> str:
    url = reverse("web_form_thanks", kwargs={"slug": queue.slug})
    if ticket_key is None:
        return url
    receipt = signing.TimestampSigner(salt=RECEIPT_SALT).sign(ticket_key)
    return f"{url}?receipt={receipt}"


@refuse_oversized_posts
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    """Show the form; on a valid POST open the ticket and show the receipt."""
    queue = _web_form_queue(slug)
    form = WebForm()
    status = 200
    limited = ""
    if request.method == "POST":
        form = WebForm(request.POST)
        if request.POST.get(WebForm.HONEYPOT):
            return redirect(_thanks_url(queue, None))  # a bot: it learns nothing
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = submit_web_form(
                    queue,
                    email=data["email"],
                    name=data["name"],
                    subject=data["subject"],
                    body=data["body"],
                    ip_address=client_ip(request),
                )
            except WebFormLimited as exc:
                limited, status = exc.message, 429
            except NoSeatFree:
                # Team model with every named seat taken: the seat count is for admins
                # (they are warned on the License page); a visitor is told what to do.
                log.warning("web form: no named seat for a new requester")
                form.add_error(
                    "email",
                    "We cannot take requests from new addresses here right now. "
                    "Please write to us by email or call us instead.",
                )
            except (ValidationError, DomainError) as exc:
                add_service_errors(form, exc, aliases={"requester": "email"})
            else:
                return redirect(_thanks_url(queue, ticket.key))
    response = render(
        request,
        "public/form.html",
        {"form": form, "queue": queue, "limited": limited},
        status=status,
    )
    if status == 429:
        response["Retry-After"] = "3600"
    return response


@require_GET
def thanks(request: HttpRequest, slug: str) -> HttpResponse:
    """The receipt: the ticket key, carried signed in the URL so no session is needed."""
    queue = _web_form_queue(slug)
    try:
        key: str | None = signing.TimestampSigner(salt=RECEIPT_SALT).unsign(
            request.GET.get("receipt", ""), max_age=RECEIPT_MAX_AGE
        )
    except signing.BadSignature:
        key = None
    return render(request, "public/thanks.html", {"queue": queue, "ticket_key": key})
