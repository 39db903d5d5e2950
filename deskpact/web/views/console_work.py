"""The ticket page's contract panel and work logging: what they show, and their actions.

Each action is one call to contracts.services, as in console_ticket.py: htmx posts get
both panels back (the one acted on, the other out of band, since work moves the balance),
plain posts redirect after success, and refusals answer 200 with the errors on the form.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Q, Subquery
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from deskpact.accounts.models import User
from deskpact.accounts.requests import signed_in
from deskpact.contracts import entitlement, selectors, services
from deskpact.contracts.models import Contract, WorkLog, WorkTimer
from deskpact.core.errors import DomainError
from deskpact.core.money import Money
from deskpact.tickets.models import Ticket
from deskpact.web.decorators import agent_required
from deskpact.web.forms_console import show_service_error
from deskpact.web.forms_work import (
    NO_CONTRACT,
    CallForm,
    MoveContractForm,
    OverrideForm,
    TimerStopForm,
    WorkLogForm,
)
from deskpact.web.views import console_ticket
from deskpact.web.views.console import HtmxRequest

UPDATE = "console/tickets/_work_update.html"

EXPLANATIONS = {
    entitlement.ENTITLED: "Work on this ticket is counted against the contract.",
    entitlement.NOT_AUTHORIZED: (
        "The requester is not an authorized contact of this contract. "
        "Accept them below, or move the ticket."
    ),
    entitlement.EXHAUSTED: (
        "Nothing left to draw on when the ticket arrived: the bank is used up, "
        "or the deposit is spent and no card is on file."
    ),
    entitlement.NO_CONTRACT: "No active contract covers this ticket; work is logged, not rated.",
}


def hours_minutes(minutes: int) -> str:
    """Minutes as h:mm ("-0:30" below zero)."""
    sign, minutes = ("-", -minutes) if minutes < 0 else ("", minutes)
    return f"{sign}{minutes // 60}:{minutes % 60:02d}"


def clock(seconds: int) -> str:
    """Seconds as h:mm:ss, as the running timer shows them."""
    seconds = max(0, seconds)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    name: str  # for tests and styles: used, remaining, deposit, overage, ...


@dataclass(frozen=True)
class ContractPanel:
    entitlement: str
    contract: Contract | None
    figures: list[Figure]
    warnings: list[str]
    choices: list[Contract]  # the organization's active contracts, to move the ticket to

    @property
    def entitlement_label(self) -> str:
        return str(Ticket.Entitlement(self.entitlement).label)

    @property
    def explanation(self) -> str:
        return EXPLANATIONS.get(self.entitlement, "")

    @property
    def may_override(self) -> bool:
        return self.entitlement == entitlement.NOT_AUTHORIZED


@dataclass(frozen=True)
class WorkLine:
    log: WorkLog
    on_call: int  # agents on the log's call; 0 when it is not a call

    @property
    def time(self) -> str:
        return hours_minutes(self.log.minutes)


@dataclass(frozen=True)
class RunningTimer:
    started_at: datetime
    elapsed_seconds: int

    @property
    def elapsed(self) -> str:
        return clock(self.elapsed_seconds)


def _amount(contract: Contract, units: int) -> str:
    if services.uses_incidents(contract):
        return f"{units} incident{'' if abs(units) == 1 else 's'}"
    return f"{hours_minutes(units)} h"


def figures(summary: selectors.ContractSummary) -> list[Figure]:
    """Used and remaining in the contract's own terms: h:mm, incidents or money."""
    c, b = summary.contract, summary.balance
    if c.kind == Contract.Kind.PER_MINUTE:
        shown = [
            Figure("Used", f"{b.used} agent-minute{'' if b.used == 1 else 's'}", "used"),
            Figure("Deposit left", str(Money(b.prepaid_minor, c.currency)), "deposit"),
        ]
        if c.card_on_file:
            shown.append(Figure("Card on file", "yes", "card"))
        return shown
    shown = [Figure("Used", _amount(c, b.used), "used")]
    if c.kind == Contract.Kind.CAPPED and c.cap_units is not None:
        shown.append(Figure("Cap", _amount(c, c.cap_units), "cap"))
    if c.kind == Contract.Kind.BANK:
        shown.append(Figure("Bought", _amount(c, b.purchased), "bought"))
    if summary.remaining is not None:
        shown.append(Figure("Remaining", _amount(c, summary.remaining), "remaining"))
    elif c.kind == Contract.Kind.AGREEMENT:
        shown.append(Figure("Remaining", "not limited", "remaining"))
    else:
        shown.append(Figure("Remaining", "billed as used", "remaining"))
    if b.overage:
        shown.append(Figure("Overage", _amount(c, b.overage), "overage"))
    if summary.run_out_on is not None:
        shown.append(Figure("Runs out", f"around {summary.run_out_on:%Y-%m-%d}", "run-out"))
    return shown


# Reads ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    contract_id: int | None
    entitlement: str
    timer_started_at: datetime | None


def standing(ticket: Ticket, agent: User) -> Standing:
    """The ticket's contract and entitlement, and `agent`'s timer on it: none when the
    page read them with the ticket (`timer_started_at`), else one statement."""
    if "timer_started_at" in ticket.__dict__:
        return Standing(ticket.contract_id, ticket.entitlement, ticket.__dict__["timer_started_at"])
    timer = WorkTimer.objects.filter(ticket_id=OuterRef("pk"), agent=agent).values("started_at")
    row = next(
        iter(
            Ticket.objects.filter(pk=ticket.pk)
            .order_by()
            .annotate(timer_at=Subquery(timer[:1]))
            .values_list("contract_id", "entitlement", "timer_at")
        ),
        None,
    )
    if row is None:
        return Standing(None, entitlement.NO_CONTRACT, None)
    return Standing(*row)


def contracts_for(ticket: Ticket, contract_id: int | None) -> list[Contract]:
    """The ticket's contract and its organization's active ones (one statement, none when
    there can be none), in the order entitlement picks them."""
    wanted = Q(pk__in=[contract_id]) if contract_id else Q()
    if ticket.organization_id:
        wanted |= Q(organization_id=ticket.organization_id, status=Contract.Status.ACTIVE)
    if not wanted:
        return []
    rows = list(Contract.objects.filter(wanted))
    order = entitlement.KIND_ORDER
    return sorted(rows, key=lambda c: (order.index(c.kind), c.starts_on, c.pk))


def active_choices(ticket: Ticket) -> list[Contract]:
    return [c for c in contracts_for(ticket, None) if c.status == Contract.Status.ACTIVE]


def desk_agents(ticket: Ticket) -> list[User]:
    """Active agents and admins who work the ticket's queue, to name on a call: admins,
    the queue's members and agents limited to no queue (name, email and role only)."""
    people = User.objects.filter(
        Q(role=User.Role.ADMIN) | Q(queues=ticket.queue_id) | Q(queues__isnull=True),
        is_active=True,
        role__in=(User.Role.AGENT, User.Role.ADMIN),
    )
    return list(people.distinct().only("name", "email", "role").order_by("name", "email"))


def work_lines(ticket: Ticket) -> list[WorkLine]:
    logs = selectors.work_logs_of(ticket.pk)
    on_call = Counter(log.call_id for log in logs if log.call_id)
    return [WorkLine(log, on_call[log.call_id] if log.call_id else 0) for log in logs]


def work_context(
    agent: User,
    ticket: Ticket,
    bound: dict[str, forms.Form] | None = None,
    *,
    agents: list[User] | None = None,
) -> dict[str, Any]:
    """What the contract panel and the work section show; `bound` replaces a blank form.
    `agents`, when the caller has them, are those a call may name (else read here).
    A fixed number of statements: whatever the number of logs, calls or contracts."""
    now = timezone.now()
    state = standing(ticket, agent)
    contracts = contracts_for(ticket, state.contract_id)
    current = next((c for c in contracts if c.pk == state.contract_id), None)
    summary = selectors.summarize([current], today=timezone.localdate(now))[0] if current else None
    choices = [c for c in contracts if c.status == Contract.Status.ACTIVE]
    panel = ContractPanel(
        entitlement=state.entitlement,
        contract=current,
        figures=figures(summary) if summary else [],
        warnings=summary.warnings if summary else [],
        choices=choices,
    )
    lines = work_lines(ticket)
    agents = desk_agents(ticket) if agents is None else agents
    timer = (
        RunningTimer(state.timer_started_at, int((now - state.timer_started_at).total_seconds()))
        if state.timer_started_at
        else None
    )
    move_initial = str(current.pk) if current in choices else NO_CONTRACT
    page_forms: dict[str, forms.Form] = {
        "work_form": WorkLogForm(initial={"channel": ticket.channel, "is_billable": True}),
        "timer_form": TimerStopForm(),
        "call_form": CallForm(agents=agents, initial={"agents": [str(agent.pk)]}),
        "move_form": MoveContractForm(contracts=choices, initial={"contract": move_initial}),
        "override_form": OverrideForm(),
    }
    page_forms.update({k: v for k, v in (bound or {}).items() if k in page_forms})
    return {
        "contract_panel": panel,
        "work_lines": lines,
        "work_total": hours_minutes(sum(line.log.minutes for line in lines)),
        "timer": timer,
        **page_forms,
    }


# Actions -------------------------------------------------------------------------------


def _done(request: HtmxRequest, agent: User, ticket: Ticket, main: str, note: str) -> HttpResponse:
    """After a successful action: both panels for htmx, a redirect for a plain post."""
    if request.htmx:
        context = {"ticket": ticket, **work_context(agent, ticket), "main": main, "flash": note}
        return render(request, UPDATE, context)
    messages.success(request, note)
    anchor = "#contract-panel" if main == "contract" else "#work"
    return redirect(reverse("console:ticket", args=[ticket.key]) + anchor)


def _again(
    request: HtmxRequest, agent: User, ticket: Ticket, main: str, name: str, form: forms.Form
) -> HttpResponse:
    """An action refused: the same form with its errors, status 200 so htmx swaps it."""
    if request.htmx:
        context = {"ticket": ticket, **work_context(agent, ticket, {name: form}), "main": main}
        return render(request, UPDATE, context)
    return render(
        request, console_ticket.PAGE, console_ticket.ticket_context(agent, ticket, {name: form})
    )


def _ended_just_now(started_at: datetime | None, minutes: int) -> datetime:
    return started_at or timezone.now() - timedelta(minutes=minutes)


@agent_required
@require_POST
def log_work(request: HtmxRequest, key: str) -> HttpResponse:
    agent = signed_in(request)
    ticket = console_ticket.ticket_or_404(agent, key)
    form = WorkLogForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            log = services.log_work(
                ticket,
                agent=agent,
                minutes=data["minutes"],
                started_at=data["started_at"],
                channel=data["channel"],
                is_billable=data["is_billable"],
                note=data["note"],
            )
        except (DomainError, ValidationError) as exc:
            show_service_error(form, exc)
        else:
            return _done(request, agent, ticket, "work", f"Logged {hours_minutes(log.minutes)}.")
    return _again(request, agent, ticket, "work", "work_form", form)


@agent_required
@require_POST
def start_timer(request: HtmxRequest, key: str) -> HttpResponse:
    agent = signed_in(request)
    ticket = console_ticket.ticket_or_404(agent, key)
    timer = services.start_timer(ticket, agent=agent)
    note = f"Timer running since {timezone.localtime(timer.started_at):%H:%M}."
    return _done(request, agent, ticket, "work", note)


@agent_required
@require_POST
def stop_timer(request: HtmxRequest, key: str) -> HttpResponse:
    agent = signed_in(request)
    ticket = console_ticket.ticket_or_404(agent, key)
    form = TimerStopForm(request.POST)
    if form.is_valid():
        try:
            log = services.stop_timer(ticket, agent=agent, note=form.cleaned_data["note"])
        except (DomainError, ValidationError) as exc:
            show_service_error(form, exc)
        else:
            note = f"Timer stopped: logged {hours_minutes(log.minutes)}."
            return _done(request, agent, ticket, "work", note)
    return _again(request, agent, ticket, "work", "timer_form", form)


@agent_required
@require_POST
def log_call(request: HtmxRequest, key: str) -> HttpResponse:
    agent = signed_in(request)
    ticket = console_ticket.ticket_or_404(agent, key)
    form = CallForm(request.POST, agents=desk_agents(ticket))
    if form.is_valid():
        data = form.cleaned_data
        on_call = form.chosen_agents()
        try:
            services.log_call(
                ticket,
                agents=on_call,
                minutes=data["minutes"],
                started_at=_ended_just_now(data["started_at"], data["minutes"]),
                by=agent,
                note=data["note"],
            )
        except (DomainError, ValidationError) as exc:
            show_service_error(form, exc)
        else:
            count = len(on_call)
            note = (
                f"Call of {data['minutes']} min logged for {count} agent{'s' if count > 1 else ''}"
                f" ({count * data['minutes']} agent-minutes)."
            )
            return _done(request, agent, ticket, "work", note)
    return _again(request, agent, ticket, "work", "call_form", form)


@agent_required
@require_POST
def change_contract(request: HtmxRequest, key: str) -> HttpResponse:
    agent = signed_in(request)
    ticket = console_ticket.ticket_or_404(agent, key)
    form = MoveContractForm(request.POST, contracts=active_choices(ticket))
    if form.is_valid():
        chosen = form.chosen_contract()
        try:
            services.change_ticket_contract(ticket, contract=chosen, by=agent)
        except (DomainError, ValidationError) as exc:
            show_service_error(form, exc)
        else:
            label = Ticket.Entitlement(ticket.entitlement).label
            where = chosen.name if chosen else "no contract"
            return _done(request, agent, ticket, "contract", f"Moved to {where}: {label}.")
    return _again(request, agent, ticket, "contract", "move_form", form)


@agent_required
@require_POST
def override_authorization(request: HtmxRequest, key: str) -> HttpResponse:
    agent = signed_in(request)
    ticket = console_ticket.ticket_or_404(agent, key)
    form = OverrideForm(request.POST)
    if form.is_valid():
        try:
            services.override_not_authorized(ticket, by=agent, reason=form.cleaned_data["reason"])
        except (DomainError, ValidationError) as exc:
            show_service_error(form, exc)
        else:
            return _done(request, agent, ticket, "contract", "Contact accepted: entitled.")
    return _again(request, agent, ticket, "contract", "override_form", form)
