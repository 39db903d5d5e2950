"""/api/v1/invoices/, /api/v1/billing/runs/ and the ledger export for accounting."""

from __future__ import annotations

from datetime import date
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponse, StreamingHttpResponse
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from deskpact.accounts.requests import signed_in
from deskpact.api.filters import FilterBackend, IdField, IdFilter
from deskpact.api.idempotency import idempotent
from deskpact.api.permissions import AdminWritesOthersRead, PasswordCurrent
from deskpact.api.serializers.billing import (
    BillingRunIn,
    BillingRunOut,
    CreditNoteIn,
    CreditNoteOut,
    InvoiceOut,
    InvoiceSummaryOut,
    InvoiceVoidIn,
)
from deskpact.billing import documents, periods, selectors, services
from deskpact.billing.errors import BadPeriod
from deskpact.billing.models import BillingRun, CreditNote, Invoice, InvoiceLine

SEES = (
    "Agents and admins see every invoice, drafts included; a customer only their "
    "organization's issued, paid and void invoices, never a draft. Any other invoice "
    "answers 404."
)
ADMINS_ONLY = " Admins only (403 for anyone else)."


class AgentsOnly(BasePermission):
    message = "Only agents and admins see billing runs and the ledger."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(getattr(request.user, "is_agent", False))


class AdminsOnly(BasePermission):
    message = "Only admins export the ledger."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(getattr(request.user, "is_admin", False))


class DownloadRenderer(BaseRenderer):
    """Lets a client ask for the file's type in `Accept`; the view answers the file itself,
    and an error on the way is still problem+json."""

    charset = None

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Any = None,
    ) -> bytes:
        if isinstance(data, bytes):
            return data
        return JSONRenderer().render(data, accepted_media_type, renderer_context)


class PdfRenderer(DownloadRenderer):
    media_type = "application/pdf"
    format = "pdf"


class CsvRenderer(DownloadRenderer):
    media_type = "text/csv"
    format = "csv"


def month_of(text: str) -> periods.Period:
    """A YYYY-MM filter value; refused as a field error with the code `bad_period`."""
    try:
        return periods.parse_period(text)
    except BadPeriod as exc:
        # As a parameter: the message quotes the client's text, which may hold a "%".
        raise ValidationError(
            "%(message)s", code=BadPeriod.code, params={"message": exc.message}
        ) from None


class PeriodField(forms.CharField):
    def clean(self, value: Any) -> date | None:
        text = super().clean(value)
        return month_of(text).first_day if text else None


class PeriodFilter(django_filters.Filter):
    field_class = PeriodField


class InvoiceFilter(django_filters.FilterSet):
    organization = IdFilter(field_name="organization_id", help_text="An organization id.")
    status = django_filters.ChoiceFilter(choices=Invoice.Status.choices)
    period = PeriodFilter(field_name="period_start", help_text="The billed month, YYYY-MM.")

    class Meta:
        model = Invoice
        fields = ("organization", "status", "period")


def with_credited(rows: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """Each invoice with the sum of its credit notes: one subquery, however long the page."""
    credited = (
        CreditNote.objects.filter(invoice=OuterRef("pk"))
        .order_by()
        .values("invoice")
        .annotate(total=Sum("amount_minor"))
        .values("total")
    )
    return rows.select_related("organization").annotate(
        credited_minor=Coalesce(
            Subquery(credited, output_field=IntegerField()), Value(0), output_field=IntegerField()
        )
    )


def with_lines(rows: QuerySet[Invoice]) -> QuerySet[Invoice]:
    lines = (
        InvoiceLine.objects.exclude(kind=documents.TAX_KIND)
        .select_related("ledger_entry")
        .only(*(f.name for f in InvoiceLine._meta.concrete_fields), "ledger_entry__ticket_id")
        .order_by("position", "id")
    )
    notes = CreditNote.objects.order_by("issued_at", "id")
    return rows.prefetch_related(
        Prefetch("lines", queryset=lines, to_attr="shown_lines"),
        Prefetch("credit_notes", queryset=notes, to_attr="credit_notes_in_order"),
    )


@extend_schema_view(
    list=extend_schema(
        summary="Invoices you may see, newest period first",
        description=SEES + " Filter by `organization`, `status` and `period` (YYYY-MM).",
    ),
    retrieve=extend_schema(
        summary="One invoice with its lines, tax, totals and credit notes", description=SEES
    ),
)
class InvoiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Invoices. Admins issue, pay, void and credit them; agents read all; a customer reads
    their organization's issued ones."""

    permission_classes = [PasswordCurrent, AdminWritesOthersRead]
    serializer_class = InvoiceSummaryOut
    queryset = Invoice.objects.none()  # for the schema; get_queryset scopes
    lookup_value_regex = r"[0-9]{1,18}"
    filterset_class = InvoiceFilter
    filter_backends = [FilterBackend]

    def visible(self) -> QuerySet[Invoice]:
        return with_credited(selectors.invoices_visible_to(signed_in(self.request)))

    def get_queryset(self) -> QuerySet[Invoice]:
        return self.visible().order_by("-period_start", "organization_id", "-id")

    def get_serializer_class(self) -> type[InvoiceSummaryOut]:
        return InvoiceOut if self.action == "retrieve" else InvoiceSummaryOut

    def get_object(self) -> Invoice:
        rows = self.visible()
        if self.action == "retrieve":
            rows = with_lines(rows)
        invoice = rows.filter(pk=self.kwargs["pk"]).first()
        if invoice is None:
            raise exceptions.NotFound(f"No invoice {self.kwargs['pk']}.")
        return invoice

    def reread(self, invoice: Invoice) -> dict[str, Any]:
        return dict(InvoiceOut(with_lines(self.visible()).get(pk=invoice.pk)).data)

    @extend_schema(
        request=None,
        responses={200: InvoiceOut},
        summary="Issue a draft (admins)",
        description="Gives the invoice the next number of the year (INV-YYYY-NNNNNN, no "
        "gaps) and a due date 30 days on; from then on it never changes. An invoice with no "
        "lines is refused (`empty_invoice`), one already issued too (`invoice_immutable`)."
        + ADMINS_ONLY,
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def issue(self, request: Request, pk: str) -> Response:
        invoice = services.issue_invoice(self.get_object(), by=signed_in(request))
        return Response(self.reread(invoice))

    @extend_schema(
        request=None,
        responses={200: InvoiceOut},
        summary="Record an issued invoice as paid (admins)",
        description="Only an issued invoice can be paid: a draft, a paid or a void one is "
        "refused (`billing_refused`)." + ADMINS_ONLY,
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def pay(self, request: Request, pk: str) -> Response:
        invoice = services.pay_invoice(self.get_object(), by=signed_in(request))
        return Response(self.reread(invoice))

    @extend_schema(
        request=InvoiceVoidIn,
        responses={200: InvoiceOut},
        summary="Void an issued invoice with a credit note (admins)",
        description="A credit note for what is left uncredited; the invoice's ledger rows "
        "go onto the next run's invoice. A paid invoice cannot be voided, only credited "
        "(`billing_refused`); nor can a draft or a void one." + ADMINS_ONLY,
    )
    @idempotent
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def void(self, request: Request, pk: str) -> Response:
        invoice = self.get_object()
        payload = InvoiceVoidIn(data=request.data)
        payload.is_valid(raise_exception=True)
        services.void_invoice(
            invoice, by=signed_in(request), reason=payload.validated_data["reason"]
        )
        return Response(self.reread(invoice))

    @extend_schema(
        methods=["GET"],
        responses={200: CreditNoteOut(many=True)},
        summary="Credit notes against an invoice, oldest first",
        description=SEES,
    )
    @extend_schema(
        methods=["POST"],
        request=CreditNoteIn,
        responses={201: CreditNoteOut},
        summary="Credit part of an issued or paid invoice (admins)",
        description="Never more than is left uncredited (`billing_refused` naming "
        "`amount_minor`, with `remaining_minor`); a draft or void invoice is refused."
        + ADMINS_ONLY,
    )
    @idempotent
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="credit-notes",
        filter_backends=[],
        pagination_class=None,
    )
    def credit_notes(self, request: Request, pk: str) -> Response:
        invoice = self.get_object()
        if request.method == "GET":
            notes = CreditNote.objects.filter(invoice=invoice).order_by("issued_at", "id")
            return Response(CreditNoteOut(notes.select_related("invoice"), many=True).data)
        payload = CreditNoteIn(data=request.data)
        payload.is_valid(raise_exception=True)
        note = services.credit_invoice(invoice, by=signed_in(request), **payload.validated_data)
        return Response(CreditNoteOut(note).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
        summary="The invoice as a PDF",
        description=SEES,
    )
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        pagination_class=None,
        renderer_classes=[JSONRenderer, PdfRenderer],
    )
    def pdf(self, request: Request, pk: str) -> HttpResponse:
        invoice = self.get_object()
        return download(
            documents.invoice_pdf(invoice),
            "application/pdf",
            f"{documents.filename_stem(invoice)}.pdf",
        )

    @extend_schema(
        responses={(200, "text/csv"): OpenApiTypes.STR},
        summary="The invoice's lines and tax as CSV",
        description=SEES + " The amount column sums to the total.",
    )
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        pagination_class=None,
        renderer_classes=[JSONRenderer, CsvRenderer],
    )
    def csv(self, request: Request, pk: str) -> HttpResponse:
        invoice = self.get_object()
        return download(
            documents.invoice_csv(invoice).encode(),
            "text/csv; charset=utf-8",
            f"{documents.filename_stem(invoice)}.csv",
        )


def download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def runs_with_invoices(rows: QuerySet[BillingRun]) -> QuerySet[BillingRun]:
    invoices = with_credited(Invoice.objects.all()).order_by("organization_id", "id")
    return rows.prefetch_related(Prefetch("invoices", queryset=invoices))


@extend_schema_view(
    get=extend_schema(
        summary="Billing runs, newest first (agents and admins)",
        description="Each run with the drafts it created and the organizations it skipped.",
    ),
    post=extend_schema(
        request=BillingRunIn,
        responses={201: BillingRunOut},
        summary="Bill a month (admins)",
        description="Turns each organization's unbilled ledger rows up to the end of the "
        "month, in its own time zone, into lines of its draft invoice for the month. Running "
        "a month again bills only what was not billed yet (nothing, usually). A malformed "
        "month, or one not over yet, is refused (`bad_period` naming `period`)." + ADMINS_ONLY,
    ),
)
class BillingRunsView(generics.ListCreateAPIView):
    permission_classes = [PasswordCurrent, AgentsOnly, AdminWritesOthersRead]
    serializer_class = BillingRunOut
    queryset = BillingRun.objects.none()  # for the schema; get_queryset orders

    def get_queryset(self) -> QuerySet[BillingRun]:
        return runs_with_invoices(BillingRun.objects.order_by("-started_at", "-id"))

    @idempotent
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = BillingRunIn(data=request.data)
        payload.is_valid(raise_exception=True)
        run = services.run_billing(period=payload.validated_data["period"], by=signed_in(request))
        body = BillingRunOut(self.get_queryset().get(pk=run.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)


class LedgerExportQuery(forms.Form):
    period = forms.CharField(required=False)
    organization = IdField(required=False)

    def clean_period(self) -> periods.Period | None:
        text = self.cleaned_data.get("period")
        return month_of(text) if text else None


class LedgerExportView(APIView):
    permission_classes = [PasswordCurrent, AdminsOnly]
    renderer_classes = [JSONRenderer, CsvRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "period",
                str,
                description="Only rows of this month (YYYY-MM), each in its organization's "
                "time zone.",
                pattern=r"^[0-9]{4}-[0-9]{2}$",
            ),
            OpenApiParameter("organization", int, description="Only this organization's rows."),
        ],
        responses={(200, "text/csv"): OpenApiTypes.STR},
        summary="The whole ledger as CSV for accounting (admins)",
        description="Streamed, one line per ledger row in id order, amounts as decimals in "
        "each row's currency, and the invoice that billed the row, if any.",
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        query = LedgerExportQuery(request.query_params)
        if not query.is_valid():
            raise translate_validation(query.errors)
        month: periods.Period | None = query.cleaned_data["period"]
        rows = documents.ledger_rows(
            period=(month.first_day, month.last_day) if month else None,
            organization_id=query.cleaned_data["organization"],
        )
        response = StreamingHttpResponse(
            (line.encode() for line in documents.ledger_csv(rows)),
            content_type="text/csv; charset=utf-8",
        )
        name = f"ledger-{month}" if month else "ledger"
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        response["X-Content-Type-Options"] = "nosniff"
        return response
