"""The contract advisor page: what an organization's year would have cost under each kind."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from deskpact.accounts.models import Organization
from deskpact.contracts import advisor
from deskpact.contracts.replay import advise_for
from deskpact.core.currencies import minor_units
from deskpact.core.money import Money
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
            chart=bar_chart(
                "What each contract kind would have cost",
                [(o.label, o.cost, o == result.advice.cheapest) for o in result.advice.options],
            ),
        )
    return render(request, "contracts/advice.html", context)


def _hours(minutes: int) -> str:
    return f"{(Decimal(minutes) / 60).quantize(Decimal('0.01')).normalize():f}"


BAR_WIDTH, BAR_HEIGHT, LABEL_WIDTH, GAP = 640, 22, 220, 8


def bar_chart(title: str, bars: list[tuple[str, Money | None, bool]]) -> SafeString:
    """Horizontal bars of costs, the highlighted one in green; unpriced ones labelled so."""
    top = max([m.minor for _, m, _ in bars if m is not None] + [1])
    span = BAR_WIDTH - LABEL_WIDTH - 120
    height = len(bars) * (BAR_HEIGHT + GAP) + GAP
    parts = [
        f'<svg class="chart" viewBox="0 0 {BAR_WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, cost, highlighted) in enumerate(bars):
        y = GAP + i * (BAR_HEIGHT + GAP)
        text_y = y + BAR_HEIGHT - 6
        parts.append(f'<text x="4" y="{text_y}" font-size="12">{escape(label)}</text>')
        if cost is None:
            parts.append(
                f'<text x="{LABEL_WIDTH}" y="{text_y}" font-size="12" fill="#667085">'
                "not priced</text>"
            )
            continue
        width = span * cost.minor / top
        colour = "#15803d" if highlighted else "#2458d6"
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" height="{BAR_HEIGHT}" '
            f'fill="{colour}"><title>{escape(label)}: {escape(str(cost))}</title></rect>'
        )
        parts.append(
            f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{text_y}" font-size="12">'
            f"{escape(str(cost))}</text>"
        )
    return mark_safe("".join(parts) + "</svg>")
