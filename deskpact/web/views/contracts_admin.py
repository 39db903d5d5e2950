"""Contract pages of the console: agents read them, admins create, top up, renew and end.

Thin views: a form parses what was typed into the services' units, one contracts service
does the write, and a refusal (a ValidationError naming a field, or a DomainError with its
field) is shown beside that field. Plain posts redirect after success; the list filter and
the kind switch of the new-contract form answer htmx with the part they change.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from deskpact.accounts.models import User
from deskpact.accounts.requests import signed_in
from deskpact.contracts import ledger, services
from deskpact.contracts.models import BankBlock, Contract, Training
from deskpact.contracts.selectors import contracts_visible_to, recent_consumption, summarize
from deskpact.core.errors import DomainError
from deskpact.web.decorators import admin_required, agent_required
from deskpact.web.forms_contracts import (
    CONTRACT_ALIASES,
    END_ALIASES,
    TOP_UP_ALIASES,
    ContractForm,
    EndForm,
    RenewForm,
    TopUpForm,
    TrainingForm,
    form_values,
)
from deskpact.web.forms_portal import add_service_errors
from deskpact.web.views.console import HtmxRequest, nav_links
from deskpact.web.views.contracts_display import (
    ledger_line,
    money_label,
    summary_row,
    term_label,
    units_label,
)

PAGE_SIZE = 50
LEDGER_ROWS = 20
STATUS_FILTERS = {"active": "Active", "ended": "Ended", "all": "All"}


def _contract_or_404(user: User, pk: int) -> Contract:
    contract = (
        contracts_visible_to(user).select_related("account_manager", "renews").filter(pk=pk).first()
    )
    if contract is None:
        raise Http404("No such contract.")
    return contract


def _page(request: HtmxRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, template, {**nav_links("contracts"), **context})


def _detail_url(contract: Contract) -> str:
    return reverse("contracts:detail", args=[contract.pk])


@agent_required
@require_GET
def contract_list(request: HtmxRequest) -> HttpResponse:
    """Every contract with what is used and what is left; the same few queries for 5 or 500."""
    user = signed_in(request)
    status = request.GET.get("status", "active")
    if status not in STATUS_FILTERS:
        status = "active"
    kind = request.GET.get("kind", "")
    rows = contracts_visible_to(user).order_by("organization__name", "-starts_on", "id")
    if status != "all":
        rows = rows.filter(status=status)
    if kind in Contract.Kind.values:
        rows = rows.filter(kind=kind)
    else:
        kind = ""
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    summaries = summarize(list(page.object_list), today=timezone.localdate())
    context = {
        "rows": [summary_row(s) for s in summaries],
        "page": page,
        "status": status,
        "kind": kind,
        "statuses": STATUS_FILTERS,
        "kinds": Contract.Kind.choices,
        "can_change": user.is_admin,
    }
    if request.htmx:
        return render(request, "contracts/_rows.html", context)
    return _page(request, "contracts/list.html", context)


def _blocks(contract: Contract) -> list[dict[str, Any]]:
    if contract.kind != Contract.Kind.BANK:
        return []
    left = {b.block_id: b.left for b in ledger.blocks_left(contract)}
    return [
        {
            "block": block,
            "bought": units_label(contract, block.units),
            "left": units_label(contract, left.get(block.pk, 0)),
            "is_used_up": left.get(block.pk, 0) <= 0,
            "price": money_label(block.price_minor, contract.currency),
            "expired": block.expires_on is not None and block.expires_on < timezone.localdate(),
        }
        for block in BankBlock.objects.filter(contract=contract).order_by("purchased_at", "id")
    ]


def _trainings_of(contract: Contract) -> list[Training]:
    """The trainings of the organization's contacts, newest first per contact."""
    return list(
        Training.objects.filter(
            user__organization_id=contract.organization_id, user__is_active=True
        )
        .select_related("user")
        .order_by("user__email", "-completed_on")
    )


@agent_required
@require_GET
def contract_detail(request: HtmxRequest, pk: int) -> HttpResponse:
    """Terms, balance, blocks, deposit, recent ledger rows, contacts and warnings."""
    user = signed_in(request)
    contract = _contract_or_404(user, pk)
    today = timezone.localdate()
    summary = summarize([contract], today=today)[0]
    entries = recent_consumption(contract, limit=LEDGER_ROWS)
    return _page(
        request,
        "contracts/detail.html",
        {
            "contract": contract,
            "row": summary_row(summary),
            "term": term_label(contract),
            "bought": units_label(contract, summary.balance.purchased),
            "fee": money_label(contract.fee_minor, contract.currency),
            "cap": units_label(contract, contract.cap_units) if contract.cap_units else None,
            "threshold": units_label(contract, contract.threshold_units),
            "threshold_amount": money_label(contract.threshold_minor, contract.currency),
            "overdraft": units_label(contract, contract.overdraft_units)
            if contract.overdraft_units is not None
            else "no limit",
            "blocks": _blocks(contract),
            "lines": [ledger_line(contract, e, for_customer=False) for e in entries],
            "contacts": list(contract.authorized_contacts.order_by("email")),
            "trainings": _trainings_of(contract)
            if contract.contacts_policy == Contract.Contacts.TRAINED
            else [],
            "renewals": list(contract.renewals.order_by("starts_on")),
            "today": today,
            "can_change": user.is_admin,
            "takes_top_ups": contract.kind in (Contract.Kind.BANK, Contract.Kind.PER_MINUTE),
        },
    )


@admin_required
@require_http_methods(["GET", "POST"])
def create_contract(request: HtmxRequest) -> HttpResponse:
    """A new contract; the form shows the fields of the chosen kind (htmx swaps it)."""
    user = signed_in(request)
    if request.method == "POST":
        form = ContractForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            named = (
                list(data.get("authorized_contacts") or [])
                if data["contacts_policy"] == Contract.Contacts.NAMED
                else []
            )
            try:
                contract = services.create_contract(
                    data["organization"],
                    by=user,
                    authorized_contacts=named,
                    **form.contract_fields(),
                )
            except (ValidationError, DomainError) as exc:
                add_service_errors(form, exc, aliases=CONTRACT_ALIASES)
            else:
                messages.success(
                    request, f"Contract {contract.name} for {contract.organization.name} created."
                )
                return redirect(_detail_url(contract))
    else:
        initial = {"starts_on": timezone.localdate(), **form_values(request.GET, ContractForm)}
        form = ContractForm(initial=initial)
    if request.htmx:
        return render(request, "contracts/_contract_form.html", {"form": form})
    return _page(request, "contracts/create.html", {"form": form})


@admin_required
@require_http_methods(["GET", "POST"])
def top_up(request: HtmxRequest, pk: int) -> HttpResponse:
    """A block of hours or incidents for a bank; a deposit for a per-minute contract."""
    user = signed_in(request)
    contract = _contract_or_404(user, pk)
    if contract.kind not in (Contract.Kind.BANK, Contract.Kind.PER_MINUTE):
        messages.error(request, "Only bank and per-minute contracts are topped up.")
        return redirect(_detail_url(contract))
    form = TopUpForm(request.POST or None, contract=contract)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if contract.kind == Contract.Kind.PER_MINUTE:
                services.pay_deposit(
                    contract, amount_minor=data["amount"], currency=data["currency"], by=user
                )
                done = f"Deposit of {money_label(data['amount'], contract.currency)} recorded."
            else:
                services.top_up_bank(
                    contract,
                    units=data["quantity"],
                    price_minor=data.get("price"),
                    currency=data["currency"],
                    expires_on=data.get("expires_on"),
                    by=user,
                )
                done = f"Block of {units_label(contract, data['quantity'])} added."
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc, aliases=TOP_UP_ALIASES)
        else:
            messages.success(request, done)
            return redirect(_detail_url(contract))
    return _page(request, "contracts/top_up.html", {"contract": contract, "form": form})


@admin_required
@require_http_methods(["GET", "POST"])
def renew(request: HtmxRequest, pk: int) -> HttpResponse:
    """The next term of a contract, starting the day after this one ends."""
    user = signed_in(request)
    contract = _contract_or_404(user, pk)
    form = RenewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            renewal = services.renew_contract(
                contract, by=user, ends_on=form.cleaned_data.get("ends_on")
            )
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Renewed: the next term is {term_label(renewal)}.")
            return redirect(_detail_url(renewal))
    next_starts = contract.ends_on + timedelta(days=1) if contract.ends_on else None
    return _page(
        request,
        "contracts/renew.html",
        {"contract": contract, "form": form, "next_starts": next_starts},
    )


@admin_required
@require_http_methods(["GET", "POST"])
def end(request: HtmxRequest, pk: int) -> HttpResponse:
    """End a contract on a day: no new ticket falls under it; logged work stays rated."""
    user = signed_in(request)
    contract = _contract_or_404(user, pk)
    form = EndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.end_contract(contract, on=form.cleaned_data["on"], by=user)
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc, aliases=END_ALIASES)
        else:
            messages.success(request, f"{contract.name} ends on {form.cleaned_data['on']}.")
            return redirect(_detail_url(contract))
    return _page(request, "contracts/end.html", {"contract": contract, "form": form})


@admin_required
@require_http_methods(["GET", "POST"])
def record_training(request: HtmxRequest, pk: int) -> HttpResponse:
    """Record a contact's training, which a `trained` contract asks of its requesters."""
    user = signed_in(request)
    contract = _contract_or_404(user, pk)
    form = TrainingForm(request.POST or None, organization_id=contract.organization_id)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_training(
                data["user"],
                course=data["course"],
                completed_on=data["completed_on"],
                expires_on=data.get("expires_on"),
                by=user,
            )
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
        else:
            who = data["user"].name or data["user"].email
            messages.success(request, f"Training {data['course']} recorded for {who}.")
            return redirect(_detail_url(contract))
    return _page(
        request,
        "contracts/training.html",
        {"contract": contract, "form": form, "trainings": _trainings_of(contract)},
    )
