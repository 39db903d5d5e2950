"""The customer portal: my (and my organization's) tickets, submit, read, reply, rate.

Thin views: visibility comes from tickets.selectors (anything hidden is a 404), every
change goes through one tickets service, and a refusal is shown on the form it came from.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deskpact.accounts.models import User
from deskpact.accounts.requests import signed_in
from deskpact.core.errors import DomainError
from deskpact.tickets import services
from deskpact.tickets.errors import TicketNotFound
from deskpact.tickets.models import Message, Ticket
from deskpact.tickets.portal_queries import (
    follow_ups_visible_to,
    portal_tickets,
    rating_of_current_resolution,
    shares_with_organization,
)
from deskpact.tickets.selectors import get_ticket_for, messages_visible_to
from deskpact.web.decorators import View
from deskpact.web.forms_portal import (
    NewTicketForm,
    RatingForm,
    ReplyForm,
    TicketFilterForm,
    add_service_errors,
    refuse_oversized_posts,
)

PAGE_SIZE = 20


def customer_required(view: View) -> View:
    """Signed-in customers; agents work tickets in the console, so they are sent there."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if signed_in(request).is_agent:
            key = kwargs.get("key")
            return redirect(f"/console/tickets/{key}/" if key else reverse("console:home"))
        return view(request, *args, **kwargs)

    return wrapper


def _ticket_or_404(user: User, key: str) -> Ticket:
    try:
        return get_ticket_for(user, key)
    except TicketNotFound:
        raise Http404("No such ticket.") from None


def _ticket_url(ticket: Ticket, anchor: str = "") -> str:
    url = reverse("portal:ticket", kwargs={"key": ticket.key})
    return f"{url}#{anchor}" if anchor else url


@customer_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The customer's tickets, open first; their organization's on a second tab."""
    user = signed_in(request)
    filters = TicketFilterForm(request.GET)
    values = filters.values()
    shares = shares_with_organization(user)
    if not shares:
        values["scope"] = "mine"
    rows = portal_tickets(user, scope=values["scope"], status=values["status"], q=values["q"])
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "tickets": page.object_list,
        "filters": filters,
        "values": values,
        "filtered": bool(values["q"] or values["status"]),
        "shares": shares,
        "organization": user.organization,
    }
    template = "portal/_ticket_list.html" if getattr(request, "htmx", False) else "portal/home.html"
    response = render(request, template, context)
    # One URL, two bodies: Back must not bring up a cached fragment as the whole page.
    patch_vary_headers(response, ["HX-Request"])
    return response


@refuse_oversized_posts
@customer_required
@require_http_methods(["GET", "POST"])
def new_ticket(request: HttpRequest) -> HttpResponse:
    """Submit a ticket from the portal; the acknowledgement mail goes out after commit."""
    user = signed_in(request)
    form = NewTicketForm()
    if request.method == "POST":
        form = NewTicketForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = services.open_ticket(
                    requester=user,
                    submitter=user,
                    subject=data["subject"],
                    body=data["body"],
                    priority=data["priority"],
                    attachments=data["attachments"],
                    channel=Ticket.Channel.WEB,
                )
            except (ValidationError, DomainError) as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request, f"Ticket {ticket.key} was created. We have emailed you a copy."
                )
                return redirect(_ticket_url(ticket))
    return render(request, "portal/new.html", {"form": form})


def _split_opening(ticket: Ticket, thread: list[Message]) -> tuple[Message | None, list[Message]]:
    # open_ticket stores a message repeating the ticket's body only to carry its attachments;
    # show those attachments under the opening text instead of the text twice.
    first = thread[0] if thread else None
    if (
        first is not None
        and first.created_at == ticket.created_at
        and first.author_id == ticket.submitter_id
        and first.body == ticket.body
    ):
        return first, thread[1:]
    return None, thread


def _render_detail(
    request: HttpRequest,
    ticket: Ticket,
    *,
    reply_form: ReplyForm | None = None,
    rating_form: RatingForm | None = None,
) -> HttpResponse:
    user = signed_in(request)
    opening, thread = _split_opening(ticket, list(messages_visible_to(user, ticket)))
    rating = rating_of_current_resolution(ticket)
    can_rate = (
        ticket.status == Ticket.Status.RESOLVED
        and rating is None
        and ticket.requester_id == user.pk
    )
    context = {
        "ticket": ticket,
        "opening": opening,
        "thread": thread,
        "follow_ups": list(follow_ups_visible_to(user, ticket)),
        "rating": rating,
        "can_rate": can_rate,
        "reply_form": reply_form or ReplyForm(),
        "rating_form": rating_form or RatingForm(),
        # A refused rating (say, rated already in another tab) still shows why.
        "show_rating_form": can_rate or bool(rating_form and rating_form.errors),
    }
    return render(request, "portal/detail.html", context)


@customer_required
@require_GET
def ticket_detail(request: HttpRequest, key: str) -> HttpResponse:
    """One ticket with its public conversation; notes never appear here."""
    return _render_detail(request, _ticket_or_404(signed_in(request), key))


@refuse_oversized_posts
@customer_required
@require_POST
def reply(request: HttpRequest, key: str) -> HttpResponse:
    """A public reply; on a closed ticket it opens a follow-up, and the customer goes there."""
    user = signed_in(request)
    ticket = _ticket_or_404(user, key)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            result = services.post_reply(
                ticket,
                author=user,
                body=form.cleaned_data["body"],
                attachments=form.cleaned_data["attachments"],
                channel=Ticket.Channel.WEB,
            )
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
        else:
            if result.is_follow_up:
                messages.info(
                    request,
                    f"{ticket.key} was already closed, so your reply opened a new ticket, "
                    f"{result.ticket.key}, that follows it.",
                )
                return redirect(_ticket_url(result.ticket))
            messages.success(request, "Your reply was sent.")
            anchor = f"m-{result.message.pk}" if result.message else ""
            return HttpResponseRedirect(_ticket_url(ticket, anchor))
    return _render_detail(request, ticket, reply_form=form)


@refuse_oversized_posts
@customer_required
@require_POST
def rate(request: HttpRequest, key: str) -> HttpResponse:
    """The requester's 1-5 rating of the current resolution."""
    user = signed_in(request)
    ticket = _ticket_or_404(user, key)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            services.rate_ticket(
                ticket,
                by=user,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
            )
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Thank you for rating our help.")
            return HttpResponseRedirect(_ticket_url(ticket, "rate"))
    return _render_detail(request, ticket, rating_form=form)
