"""The contract advisor page: what an organization's year would have cost under each kind."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from deskpact.accounts.models import Organization
from deskpact.contracts import advisor
from deskpact.contracts.replay import advise_for
from deskpact.core.currencies import minor_units
from deskpact.web.charts import Bar, horizontal_bars
from deskpact.web.decorators import agent_required

DEFAULTS = {"block_hours": 10, "block_incidents": 10, "cap_hours": 100}


class ContractAdviceForm(forms.Form):
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.order_by("name"), empty_label="Choose an organization"
    )
    block_hours = forms.IntegerField(
        min_value=1, max_value=1000, required=False, label="Bank: hours in a block"
    )
    block_incidents = forms.IntegerField(
        min_value=1, max_value=1000, required=False, label="Bank: incidents in a block"
    )
    cap_hours = forms.IntegerField(
        min_value=1, max_value=100_000, required=False, label="Capped: hours covered a term"
    )
    capped_fee = forms.DecimalField(
        min_value=0,
        max_digits=14,
        required=False,
        label="Capped: term fee",
        help_text="In the organization's currency. Empty: 0 is assumed (the price book holds "
        "no fees).",
    )
    agreement_fee = forms.DecimalField(
        min_value=0,
        max_digits=14,
        required=False,
        label="Service agreement: term fee",
        help_text="Empty: the agreement is not priced.",
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for name, default in DEFAULTS.items():
            if data.get(name) is None and name not in self.errors:
                data[name] = default
        organization = data.get("organization")
        for name in ("capped_fee", "agreement_fee"):
            amount = data.get(name)
            data[f"{name}_minor"] = None
            if amount is None or organization is None:
                continue
            digits = minor_units(organization.currency)
            minor = amount.scaleb(digits)
            if minor != minor.to_integral_value():
                self.add_error(
                    name, f"{organization.currency} amounts have at most {digits} decimals."
                )
                continue
            data[f"{name}_minor"] = int(minor)
        return data

    def options(self) -> advisor.Options:
        data = self.cleaned_data
        return advisor.Options(
            block_hours=data["block_hours"],
            block_incidents=data["block_incidents"],
            cap_hours=data["cap_hours"],
            capped_fee_minor=data["capped_fee_minor"],
            agreement_fee_minor=data["agreement_fee_minor"],
        )


@agent_required
@require_GET
def advice_page(request: HttpRequest) -> HttpResponse:
    """Replay an organization's last twelve months under each contract kind."""
    data = None
    if "organization" in request.GET:
        data = request.GET.copy()
        for name, default in DEFAULTS.items():
            data.setdefault(name, str(default))
    form = ContractAdviceForm(data, initial=DEFAULTS)
    context: dict[str, Any] = {"form": form}
    if form.is_valid():
        result = advise_for(
            form.cleaned_data["organization"], today=timezone.localdate(), options=form.options()
        )
        context.update(
            result=result,
            advice=result.advice,
            work_hours=_hours(result.history.billable_minutes),
            chart=horizontal_bars(
                "What each contract kind would have cost",
                [
                    Bar(
                        o.label,
                        None if o.cost is None else float(o.cost.minor),
                        "not priced" if o.cost is None else str(o.cost),
                        highlighted=o == result.advice.cheapest,
                    )
                    for o in result.advice.options
                ],
            ),
        )
    return render(request, "contracts/advice.html", context)


def _hours(minutes: int) -> str:
    return f"{(Decimal(minutes) / 60).quantize(Decimal('0.01')).normalize():f}"
