"""The console's ticket page and its actions: one service call each.

htmx posts get the changed panel back (the form, plus the thread, properties and
history swapped out of band); plain posts redirect after success (PRG). Invalid input
answers 200 with the errors on the form, because htmx swaps only 2xx responses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from deskpact.accounts.models import User
from deskpact.accounts.requests import signed_in
from deskpact.core.errors import DomainError
from deskpact.tickets import console_queries, selectors, services, workflow
from deskpact.tickets.models import Ticket
from deskpact.web.decorators import agent_required
from deskpact.web.forms_console import (
    ME,
    AssignForm,
    CauseForm,
    NoteForm,
    PriorityForm,
    ReplyForm,
    StatusForm,
    show_service_error,
)
from deskpact.web.views import console_work
from deskpact.web.views.console import HtmxRequest

PAGE = "console/tickets/detail.html"
UPDATE = "console/tickets/_update.html"


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    actor: str
    text: str


def ticket_or_404(agent: User, key: str) -> Ticket:
    """The ticket behind `key` if it is in the agent's queues; 404 for anything else."""
    number = selectors.parse_key(key)
    ticket = (
        selectors.tickets_visible_to(agent)
        .select_related("submitter", "requester__organization")
        .filter(pk=number)
        .first()
        if number
        else None
    )
    if ticket is None:
        raise Http404(f"No ticket {key}.")
    return ticket


@dataclass(frozen=True)
class Related:
    follows: Ticket | None
    follow_ups: list[Ticket]


def page_ticket_or_404(
    visible: QuerySet[Ticket], key: str, *, agent: User | None = None
) -> tuple[Ticket, Related]:
    """What the page shows of the visible ticket behind `key` (with `agent`'s work timer),
    and its related tickets; 404 for anything else. Only the columns the page shows."""
    number = selectors.parse_key(key)
    ticket, follow_ups = (
        console_queries.ticket_with_follow_ups(visible, number, timer_of=agent)
        if number
        else (None, [])
    )
    if ticket is None:
        raise Http404(f"No ticket {key}.")
    return ticket, Related(console_queries.followed_ticket(visible, ticket), follow_ups)


def _label(choices: type[Ticket.Status | Ticket.Priority | Ticket.Cause], value: Any) -> str:
    if not value:
        return "not set"
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def describe_event(kind: str, data: Any, names: dict[int, str]) -> str:
    """One line of history in words; kinds this page does not know are shown by name."""
    data = data if isinstance(data, dict) else {}
    before, after = data.get("before"), data.get("after")
    if kind == "created":
        return f"Opened via {data.get('channel', 'unknown channel')}"
    if kind == "assigned":
        if after is None:
            return "Unassigned"
        return f"Assigned to {names.get(after, f'user #{after}')}"
    if kind == "status":
        return f"Status {_label(Ticket.Status, before)} → {_label(Ticket.Status, after)}"
    if kind == "priority":
        return f"Priority {_label(Ticket.Priority, before)} → {_label(Ticket.Priority, after)}"
    if kind == "cause":
        return f"Cause {_label(Ticket.Cause, before)} → {_label(Ticket.Cause, after)}"
    if kind == "replied":
        return "Replied"
    if kind == "noted":
        return "Added an internal note"
    if kind == "followed_up":
        return f"Follow-up DP-{data.get('follow_up')} opened"
    if kind == "rated":
        return f"Rated {data.get('score')}/5"
    return kind.replace("_", " ").capitalize()


def _history(events: list[console_queries.EventRow], owners: list[User]) -> list[HistoryLine]:
    names = {u.pk: u.name or u.email for u in owners}
    missing = {
        e.data["after"]
        for e in events
        if e.kind == "assigned"
        and isinstance(e.data, dict)
        and isinstance(e.data.get("after"), int)
        and e.data["after"] not in names
    }
    names.update({pk: u.name or u.email for pk, u in console_queries.people_by_id(missing).items()})
    return [
        HistoryLine(
            at=e.at,
            actor=(e.actor_name or e.actor_email) if e.actor_id else "Deskpact",
            text=describe_event(e.kind, e.data, names),
        )
        for e in reversed(events)
    ]


def _opening_is_a_message(ticket: Ticket, thread: list[console_queries.ThreadMessage]) -> bool:
    """open_ticket stores the first body as a message only when it carries attachments."""
    first = thread[0] if thread else None
    return bool(
        first and first.created_at == ticket.created_at and first.author.pk == ticket.submitter_id
    )


def ticket_context(
    agent: User,
    ticket: Ticket,
    bound: dict[str, forms.Form] | None = None,
    *,
    related: Related | None = None,
) -> dict[str, Any]:
    """Everything the ticket page shows; `bound` replaces the blank form of one action.
    `related` is given when the caller read it with the ticket (`page_ticket_or_404`)."""
    if related is None:
        visible = console_queries.tickets_for(agent)
        related = Related(*console_queries.related_tickets(visible, ticket))
    owners = console_queries.possible_owners_shown(ticket.queue)
    thread = console_queries.thread(selectors.messages_visible_to(agent, ticket))
    owner_value = (
        ME if ticket.owner_id == agent.pk else str(ticket.owner_id) if ticket.owner_id else "none"
    )
    page_forms: dict[str, forms.Form] = {
        "reply_form": ReplyForm(),
        "note_form": NoteForm(),
        "assign_form": AssignForm(owners=owners, me=agent, initial={"owner": owner_value}),
        "status_form": StatusForm(initial={"status": ticket.status}),
        "priority_form": PriorityForm(initial={"priority": ticket.priority}),
        "cause_form": CauseForm(initial={"cause": ticket.cause}),
    }
    page_forms.update(bound or {})
    allowed = workflow.ALLOWED[workflow.Status(ticket.status)]
    return {
        "ticket": ticket,
        "thread": thread,
        "opening_in_thread": _opening_is_a_message(ticket, thread),
        "follows": related.follows,
        "follow_ups": related.follow_ups,
        "history": _history(console_queries.ticket_events(ticket), owners),
        "status_options": [
            (value, label, value == ticket.status or value in allowed)
            for value, label in Ticket.Status.choices
        ],
        "owner_known": ticket.owner is None or any(u.pk == ticket.owner_id for u in owners),
        # The contract panel and work; the call form names the agents among the owners.
        **console_work.work_context(agent, ticket, bound, agents=[u for u in owners if u.is_agent]),
        **page_forms,
    }


@agent_required
@require_GET
def ticket_detail(request: HtmxRequest, key: str) -> HttpResponse:
    agent = signed_in(request)
    ticket, related = page_ticket_or_404(console_queries.tickets_for(agent), key, agent=agent)
    return render(request, PAGE, ticket_context(agent, ticket, related=related))


def _done(request: HtmxRequest, agent: User, ticket: Ticket, main: str, note: str) -> HttpResponse:
    """After a successful action: the fresh panels for htmx, a redirect for a plain post."""
    if request.htmx:
        fresh, related = page_ticket_or_404(
            console_queries.tickets_for(agent), str(ticket.pk), agent=agent
        )
        context = {**ticket_context(agent, fresh, related=related), "main": main, "flash": note}
        return render(request, UPDATE, context)
    messages.success(request, note)
    anchor = "#thread" if main in ("reply", "note") else "#properties"
    return redirect(reverse("console:ticket", args=[ticket.key]) + anchor)


def _again(
    request: HtmxRequest, agent: User, ticket: Ticket, main: str, name: str, form: forms.Form
) -> HttpResponse:
    """An action refused: the same form with its errors, status 200 so htmx swaps it."""
    context = ticket_context(agent, ticket, {name: form})
    if request.htmx:
        return render(request, UPDATE, {**context, "main": main})
    return render(request, PAGE, context)


@agent_required
@require_POST
def reply(request: HtmxRequest, key: str) -> HttpResponse:
    agent = signed_in(request)
    ticket = ticket_or_404(agent, key)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.post_reply(
                ticket,
                author=agent,
                body=form.cleaned_data["body"],
                attachments=form.cleaned_data["attachments"],
            )
        except (DomainError, ValidationError) as exc:
            show_service_error(form, exc)
        else:
            return _done(request, agent, ticket, "reply", "Reply sent to the requester.")
    return _again(request, agent, ticket, "reply", "reply_form", form)


@agent_required
@require_POST
def add_note(request: HtmxRequest, key: str) -> HttpResponse:
    agent = signed_in(request)
    ticket = ticket_or_404(agent, key)
    form = NoteForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.post_note(
                ticket,
                author=agent,
                body=form.cleaned_data["body"],
                attachments=form.cleaned_data["attachments"],
            )
        except (DomainError, ValidationError) as exc:
            show_service_error(form, exc)
        else:
            return _done(request, agent, ticket, "note", "Internal note added.")
    return _again(request, agent, ticket, "note", "note_form", form)


@agent_required
@require_POST
def assign(request: HtmxRequest, key: str) -> HttpResponse:
    agent = signed_in(request)
    ticket = ticket_or_404(agent, key)
    form = AssignForm(request.POST, owners=console_queries.possible_owners(ticket.queue), me=agent)
    if form.is_valid():
        owner = form.chosen_owner()
        try:
            services.assign_ticket(ticket, owner=owner, by=agent)
        except (DomainError, ValidationError) as exc:
            show_service_error(form, exc)
        else:
            who = (owner.name or owner.email) if owner else "nobody"
            return _done(request, agent, ticket, "properties", f"Assigned to {who}.")
    return _again(request, agent, ticket, "properties", "assign_form", form)


@agent_required
@require_POST
def change_status(request: HtmxRequest, key: str) -> HttpResponse:
    agent = signed_in(request)
    ticket = ticket_or_404(agent, key)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.change_status(ticket, to=form.cleaned_data["status"], by=agent)
        except (DomainError, ValidationError) as exc:
            show_service_error(form, exc)
        else:
            label = Ticket.Status(ticket.status).label
            return _done(request, agent, ticket, "properties", f"Status is now {label}.")
    return _again(request, agent, ticket, "properties", "status_form", form)


@agent_required
@require_POST
def set_priority(request: HtmxRequest, key: str) -> HttpResponse:
    agent = signed_in(request)
    ticket = ticket_or_404(agent, key)
    form = PriorityForm(request.POST)
    if form.is_valid():
        try:
            services.set_priority(ticket, priority=form.cleaned_data["priority"], by=agent)
        except (DomainError, ValidationError) as exc:
            show_service_error(form, exc)
        else:
            label = Ticket.Priority(ticket.priority).label
            return _done(request, agent, ticket, "properties", f"Priority is now {label}.")
    return _again(request, agent, ticket, "properties", "priority_form", form)


@agent_required
@require_POST
def set_cause(request: HtmxRequest, key: str) -> HttpResponse:
    agent = signed_in(request)
    ticket = ticket_or_404(agent, key)
    form = CauseForm(request.POST)
    if form.is_valid():
        try:
            services.set_cause(ticket, cause=form.cleaned_data["cause"], by=agent)
        except (DomainError, ValidationError) as exc:
            show_service_error(form, exc)
        else:
            return _done(request, agent, ticket, "properties", "Cause recorded.")
    return _again(request, agent, ticket, "properties", "cause_form", form)
