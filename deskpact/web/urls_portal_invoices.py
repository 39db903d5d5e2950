"""Portal routes of an organization's invoices (portal namespace)."""

from django.urls import URLPattern, URLResolver, path

from deskpact.web.views import portal_invoices

urlpatterns: list[URLPattern | URLResolver] = [
    path("invoices/", portal_invoices.invoices, name="invoices"),
    path("invoices/<int:pk>/", portal_invoices.invoice_detail, name="invoice"),
    path("invoices/<int:pk>/pdf/", portal_invoices.invoice_pdf, name="invoice_pdf"),
    path("invoices/<int:pk>/csv/", portal_invoices.invoice_csv, name="invoice_csv"),
]
