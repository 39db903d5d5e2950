"""API routes of invoices, billing runs and the ledger export (under /api/)."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from deskpact.api.views.billing import BillingRunsView, InvoiceViewSet, LedgerExportView

router = SimpleRouter(trailing_slash=True)
router.register("v1/invoices", InvoiceViewSet, basename="invoice")

urlpatterns: list[URLPattern | URLResolver] = [
    path("v1/billing/runs/", BillingRunsView.as_view(), name="api-billing-runs"),
    path("v1/ledger/export/", LedgerExportView.as_view(), name="api-ledger-export"),
    path("v1/ledger.csv", LedgerExportView.as_view(), name="api-ledger-csv"),
    *router.urls,
]
