"""A ticket an agent logs for a caller (phone, walk-in, a forwarded mail)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from deskpact.accounts.contacts import find_or_create_contact
from deskpact.accounts.models import User
from deskpact.accounts.requests import signed_in
from deskpact.core.errors import DomainError
from deskpact.tickets import console_queries, services
from deskpact.tickets.models import Ticket
from deskpact.web.decorators import agent_required
from deskpact.web.forms_console import NewTicketForm, show_service_error
from deskpact.web.views.console import nav_links

# Where the services name a field differently from this form.
FIELD_ALIASES = {
    "email": "requester_email",
    "name": "requester_name",
    "requester": "requester_email",
}


def _open_for_caller(agent: User, form: NewTicketForm) -> Ticket:
    data = form.cleaned_data
    # One transaction: a ticket the service refuses leaves no half-made contact behind.
    with transaction.atomic():
        contact = find_or_create_contact(
            data["requester_email"], name=data["requester_name"], source=data["channel"]
        )
        return services.open_ticket(
            requester=contact.user,
            submitter=agent,
            subject=data["subject"],
            body=data["body"],
            channel=data["channel"],
            queue=form.chosen_queue(),
            priority=data["priority"],
            owner=form.chosen_owner(),
            attachments=data["attachments"],
        )


@agent_required
@require_http_methods(["GET", "POST"])
def new_ticket(request: HttpRequest) -> HttpResponse:
    agent = signed_in(request)
    owners = console_queries.possible_owners()
    queues = console_queries.queues_visible_to(agent)
    if request.method == "POST":
        form = NewTicketForm(request.POST, request.FILES, owners=owners, queues=queues, me=agent)
        if form.is_valid():
            try:
                ticket = _open_for_caller(agent, form)
            except (DomainError, ValidationError) as exc:
                show_service_error(form, exc, FIELD_ALIASES)
            else:
                messages.success(request, f"{ticket.key} opened for {ticket.requester.email}.")
                return redirect("console:ticket", key=ticket.key)
    else:
        form = NewTicketForm(owners=owners, queues=queues, me=agent)
        form.initial["requester_email"] = request.GET.get("email", "")[:254]
    return render(request, "console/tickets/new.html", {"form": form, **nav_links("new")})


@agent_required
@require_GET
def requester_options(request: HttpRequest) -> HttpResponse:
    """Suggestions for the requester field: people whose email or name matches."""
    text = request.GET.get("requester_email", "")[:254]
    return render(
        request,
        "console/tickets/_requester_options.html",
        {"people": console_queries.find_requesters(text)},
    )
