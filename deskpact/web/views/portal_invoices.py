"""The portal's invoices: an organization's issued, paid and void invoices, as page, PDF
and CSV. Drafts and other organizations' invoices are a 404, whatever the reason."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from deskpact.accounts.models import User
from deskpact.accounts.requests import signed_in
from deskpact.billing import documents
from deskpact.billing.models import Invoice
from deskpact.billing.selectors import invoices_visible_to
from deskpact.web.views.invoices import csv_response, invoice_or_404, pdf_response
from deskpact.web.views.portal import customer_required

PAGE_SIZE = 25


def _visible(user: User) -> QuerySet[Invoice]:
    # The selector already hides drafts from customers; the page says so once more.
    return invoices_visible_to(user).exclude(status=Invoice.Status.DRAFT)


@customer_required
@require_GET
def invoices(request: HttpRequest) -> HttpResponse:
    """The organization's invoices, newest period first."""
    user = signed_in(request)
    rows = _visible(user).order_by("-period_start", "-id")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    items = [
        {"invoice": inv, "total": documents.money_text(inv.total_minor, inv.currency)}
        for inv in page.object_list
    ]
    return render(
        request,
        "invoices/portal_list.html",
        {"invoices": items, "page": page, "organization": user.organization},
    )


@customer_required
@require_GET
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = invoice_or_404(_visible(signed_in(request)), pk)
    return render(
        request, "invoices/portal_detail.html", {"doc": documents.invoice_document(invoice)}
    )


@customer_required
@require_GET
def invoice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return pdf_response(invoice_or_404(_visible(signed_in(request)), pk))


@customer_required
@require_GET
def invoice_csv(request: HttpRequest, pk: int) -> HttpResponse:
    return csv_response(invoice_or_404(_visible(signed_in(request)), pk))
