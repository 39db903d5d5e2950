"""Invoice pages of the console: agents read invoices, admins run billing and move them on.

Thin views: a form parses what was typed, one billing service does the write, and a refusal
(a DomainError naming its field, or none) is shown on the form it came from. The invoice
page, the PDF and the CSV all read their figures from `billing.documents`.
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from deskpact.accounts.models import Organization, User
from deskpact.accounts.requests import signed_in
from deskpact.billing import documents, services
from deskpact.billing.models import Invoice
from deskpact.billing.selectors import invoices_visible_to
from deskpact.core.errors import DomainError
from deskpact.web.decorators import admin_required, agent_required
from deskpact.web.forms_contracts import AmountField, to_minor
from deskpact.web.forms_portal import add_service_errors
from deskpact.web.views.console import nav_links

PAGE_SIZE = 50
PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


# -- forms --------------------------------------------------------------------------------


def parse_period(value: str) -> date:
    """ "2026-03" -> 2026-03-01; anything else is refused naming the format."""
    match = PERIOD.match(value.strip())
    if match is None:
        raise ValidationError("Enter a month as YYYY-MM, such as 2026-03.", code="bad_period")
    return date(int(match[1]), int(match[2]), 1)


class OrganizationChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class InvoiceFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "Any status"), *Invoice.Status.choices], required=False
    )
    organization = OrganizationChoice(
        queryset=Organization.objects.order_by("name"),
        required=False,
        empty_label="All organizations",
    )
    period = forms.CharField(
        required=False, max_length=7, help_text="YYYY-MM", widget=forms.TextInput({"size": 8})
    )

    def clean_period(self) -> date | None:
        value = self.cleaned_data.get("period") or ""
        return parse_period(value) if value.strip() else None

    def values(self) -> dict[str, Any]:
        """The filters that parsed; one that did not is left out (and shown as an error)."""
        self.is_valid()
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v}


class RunBillingForm(forms.Form):
    period = forms.CharField(
        label="Period",
        max_length=20,
        help_text="The calendar month to bill, YYYY-MM.",
        widget=forms.TextInput({"placeholder": "2026-03", "size": 8}),
    )


class VoidForm(forms.Form):
    reason = forms.CharField(label="Reason", max_length=300)


class CreditForm(forms.Form):
    amount = AmountField(label="Amount")
    reason = forms.CharField(label="Reason", max_length=300)

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.fields["amount"].help_text = f"In {currency}."

    def clean_amount(self) -> int:
        amount = self.cleaned_data.get("amount")
        if amount is None:
            raise ValidationError("Enter the amount to credit.", code="required")
        minor = to_minor(amount, self.currency)
        if minor <= 0:
            raise ValidationError("A credit note is for more than nothing.", code="zero")
        return minor


CREDIT_ALIASES = {"amount_minor": "amount"}


# -- shared with the portal ---------------------------------------------------------------


def invoice_or_404(visible: QuerySet[Invoice], pk: int) -> Invoice:
    invoice = visible.select_related("organization").filter(pk=pk).first()
    if invoice is None:
        raise Http404("No such invoice.")
    return invoice


def pdf_response(invoice: Invoice) -> HttpResponse:
    response = HttpResponse(documents.invoice_pdf(invoice), content_type="application/pdf")
    stem = documents.filename_stem(invoice)
    response["Content-Disposition"] = f'attachment; filename="{stem}.pdf"'
    return response


def csv_response(invoice: Invoice) -> HttpResponse:
    response = HttpResponse(documents.invoice_csv(invoice), content_type="text/csv; charset=utf-8")
    stem = documents.filename_stem(invoice)
    response["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
    return response


# -- pages --------------------------------------------------------------------------------


def _visible(user: User) -> QuerySet[Invoice]:
    return invoices_visible_to(user)


def _list_page(
    request: HttpRequest, *, run_form: RunBillingForm | None = None, status: int = 200
) -> HttpResponse:
    user = signed_in(request)
    filters = InvoiceFilterForm(request.GET)
    chosen = filters.values()
    rows = _visible(user).select_related("organization").order_by("-period_start", "-id")
    if "status" in chosen:
        rows = rows.filter(status=chosen["status"])
    if "organization" in chosen:
        rows = rows.filter(organization=chosen["organization"])
    if "period" in chosen:
        rows = rows.filter(period_start=chosen["period"])
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    invoices = [
        {
            "invoice": inv,
            "title": inv.number or "Draft",
            "total": documents.money_text(inv.total_minor, inv.currency),
        }
        for inv in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        **nav_links("invoices"),
        "invoices": invoices,
        "page": page,
        "filters": filters,
        "query": query.urlencode(),
        "can_change": user.is_admin,
        "run_form": run_form or RunBillingForm(),
    }
    return render(request, "invoices/list.html", context, status=status)


@agent_required
@require_GET
def invoice_list(request: HttpRequest) -> HttpResponse:
    """Every invoice, newest period first, filtered by status, organization and period."""
    return _list_page(request)


@admin_required
@require_POST
def run_billing(request: HttpRequest) -> HttpResponse:
    """Bill a month: each organization's unbilled ledger rows become a draft invoice."""
    user = signed_in(request)
    form = RunBillingForm(request.POST)
    if form.is_valid():
        try:
            run = services.run_billing(period=form.cleaned_data["period"].strip(), by=user)
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Billed {run.period_start:%Y-%m}: {run.invoices_created} draft invoice"
                f"{'' if run.invoices_created == 1 else 's'}, {run.lines_billed} line"
                f"{'' if run.lines_billed == 1 else 's'}.",
            )
            return redirect(f"{reverse('invoices:list')}?period={run.period_start:%Y-%m}")
    return _list_page(request, run_form=form, status=400)


def _detail_page(
    request: HttpRequest, invoice: Invoice, *, status: int = 200, **forms_given: Any
) -> HttpResponse:
    user = signed_in(request)
    context = {
        **nav_links("invoices"),
        "doc": documents.invoice_document(invoice),
        "can_change": user.is_admin,
        "void_form": forms_given.get("void_form") or VoidForm(),
        "credit_form": forms_given.get("credit_form") or CreditForm(currency=invoice.currency),
        "action_error": forms_given.get("action_error", ""),
    }
    return render(request, "invoices/detail.html", context, status=status)


@agent_required
@require_GET
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The invoice as its customer reads it, with the admin's actions."""
    return _detail_page(request, invoice_or_404(_visible(signed_in(request)), pk))


def _done(request: HttpRequest, invoice: Invoice, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect(reverse("invoices:detail", args=[invoice.pk]))


def _on_form(form: forms.Form, exc: DomainError, *, aliases: dict[str, str] | None = None) -> bool:
    """Show a refusal beside the field it names; one about the invoice itself (paying a
    void one, crediting a draft) goes above the page, where it is seen whatever the status."""
    name = (aliases or {}).get(exc.field or "", exc.field)
    if name not in form.fields:
        return False
    add_service_errors(form, exc, aliases=aliases)
    return True


@admin_required
@require_POST
def issue(request: HttpRequest, pk: int) -> HttpResponse:
    """Give a draft its number; from now on it never changes."""
    user = signed_in(request)
    invoice = invoice_or_404(_visible(user), pk)
    try:
        issued = services.issue_invoice(invoice, by=user)
    except DomainError as exc:
        return _detail_page(request, invoice, status=400, action_error=exc.message)
    return _done(request, issued, f"Invoice {issued.number} issued.")


@admin_required
@require_POST
def pay(request: HttpRequest, pk: int) -> HttpResponse:
    """Record that an issued invoice was paid."""
    user = signed_in(request)
    invoice = invoice_or_404(_visible(user), pk)
    try:
        paid = services.pay_invoice(invoice, by=user)
    except DomainError as exc:
        return _detail_page(request, invoice, status=400, action_error=exc.message)
    return _done(request, paid, f"Invoice {paid.number} marked paid.")


@admin_required
@require_POST
def void(request: HttpRequest, pk: int) -> HttpResponse:
    """Void an issued invoice with a credit note for all of it."""
    user = signed_in(request)
    invoice = invoice_or_404(_visible(user), pk)
    form = VoidForm(request.POST)
    if form.is_valid():
        try:
            note = services.void_invoice(invoice, by=user, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            if not _on_form(form, exc):
                return _detail_page(request, invoice, status=400, action_error=exc.message)
        else:
            return _done(request, invoice, f"Invoice {invoice.number} void: {note.number}.")
    return _detail_page(request, invoice, status=400, void_form=form)


@admin_required
@require_POST
def credit(request: HttpRequest, pk: int) -> HttpResponse:
    """A credit note for part of an issued or paid invoice."""
    user = signed_in(request)
    invoice = invoice_or_404(_visible(user), pk)
    form = CreditForm(request.POST, currency=invoice.currency)
    if form.is_valid():
        data = form.cleaned_data
        try:
            note = services.credit_invoice(
                invoice, amount_minor=data["amount"], reason=data["reason"], by=user
            )
        except DomainError as exc:
            left = exc.details.get("remaining_minor")
            if isinstance(left, int):  # said in money rather than minor units
                exc.message = (
                    f"At most {documents.money_text(left, invoice.currency)} is left to credit."
                )
            if not _on_form(form, exc, aliases=CREDIT_ALIASES):
                return _detail_page(request, invoice, status=400, action_error=exc.message)
        else:
            amount = documents.money_text(note.amount_minor, invoice.currency)
            return _done(request, invoice, f"Credit note {note.number} for {amount} issued.")
    return _detail_page(request, invoice, status=400, credit_form=form)


@agent_required
@require_GET
def invoice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return pdf_response(invoice_or_404(_visible(signed_in(request)), pk))


@agent_required
@require_GET
def invoice_csv(request: HttpRequest, pk: int) -> HttpResponse:
    return csv_response(invoice_or_404(_visible(signed_in(request)), pk))


@admin_required
@require_GET
def ledger_csv(request: HttpRequest) -> HttpResponse:
    """Every ledger row as CSV for accounting, streamed; ?period=YYYY-MM&organization=id."""
    filters = InvoiceFilterForm(request.GET)
    if not filters.is_valid():
        errors = "; ".join(
            f"{name}: {' '.join(str(m) for m in e)}" for name, e in filters.errors.items()
        )
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    data = filters.cleaned_data
    period = None
    name = "ledger"
    if data.get("period"):
        first: date = data["period"]
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        period = (first, last)
        name += f"-{first:%Y-%m}"
    organization = data.get("organization")
    if organization is not None:
        name += f"-org{organization.pk}"
    rows = documents.ledger_rows(
        period=period, organization_id=organization.pk if organization else None
    )
    response = StreamingHttpResponse(
        documents.ledger_csv(rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    # The role decorators are typed for HttpResponse; a streamed one passes through them
    # untouched.
    return cast(HttpResponse, response)
