"""The portal's contracts page: what a customer's organization has, used and left.

A customer sees only their organization's contracts (another organization's contract is
a 404, whatever the reason), the consumption rows of each (date, ticket, what, quantity;
never an agent's note) and the day the bank runs out at the pace of the last 90 days.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from deskpact.accounts.requests import signed_in
from deskpact.contracts import ledger
from deskpact.contracts.models import Contract, LedgerEntry
from deskpact.contracts.selectors import contracts_visible_to, recent_consumption, summarize
from deskpact.web.views.contracts_display import (
    LedgerLine,
    ledger_line,
    summary_row,
    term_label,
    units_label,
)
from deskpact.web.views.portal import customer_required

RECENT_ROWS = 5
DETAIL_ROWS = 50


def _recent_lines(contracts: list[Contract], *, per_contract: int) -> dict[int, list[LedgerLine]]:
    """The latest ledger rows of each contract, in one query whatever the number of them."""
    by_id = {c.pk: c for c in contracts}
    rows = (
        LedgerEntry.objects.filter(contract_id__in=list(by_id))
        .annotate(
            row=Window(
                RowNumber(),
                partition_by=[F("contract_id")],
                order_by=[F("at").desc(), F("id").desc()],
            )
        )
        .filter(row__lte=per_contract)
        .order_by("contract_id", "-at", "-id")
    )
    out: dict[int, list[LedgerLine]] = defaultdict(list)
    for entry in rows:
        out[entry.contract_id].append(
            ledger_line(by_id[entry.contract_id], entry, for_customer=True)
        )
    return out


@customer_required
@require_GET
def contracts(request: HttpRequest) -> HttpResponse:
    """Each of the organization's contracts: used, remaining, recent consumption, run-out."""
    user = signed_in(request)
    rows = list(
        contracts_visible_to(user).order_by("status", "-starts_on", "id")  # active first
    )
    summaries = summarize(rows, today=timezone.localdate())
    lines = _recent_lines(rows, per_contract=RECENT_ROWS)
    cards = [
        {"row": summary_row(s), "term": term_label(s.contract), "lines": lines[s.contract.pk]}
        for s in summaries
    ]
    return render(
        request,
        "portal/contracts.html",
        {"cards": cards, "organization": user.organization, "recent_rows": RECENT_ROWS},
    )


@customer_required
@require_GET
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One contract with its blocks and more of its consumption."""
    user = signed_in(request)
    contract = contracts_visible_to(user).filter(pk=pk).first()
    if contract is None:
        raise Http404("No such contract.")
    summary = summarize([contract], today=timezone.localdate())[0]
    blocks = (
        [
            {"left": units_label(contract, b.left), "expires_on": b.expires_on}
            for b in ledger.blocks_left(contract)
            if b.left > 0
        ]
        if contract.kind == Contract.Kind.BANK
        else []
    )
    return render(
        request,
        "portal/contracts_detail.html",
        {
            "row": summary_row(summary),
            "contract": contract,
            "term": term_label(contract),
            "blocks": blocks,
            "lines": [
                ledger_line(contract, e, for_customer=True)
                for e in recent_consumption(contract, limit=DETAIL_ROWS)
            ],
        },
    )
