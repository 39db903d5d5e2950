"""Invoice pages of the console, mounted at /invoices/ (invoices namespace)."""

from django.urls import URLPattern, URLResolver, path

from deskpact.web.views import invoices

app_name = "invoices"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", invoices.invoice_list, name="list"),
    path("run/", invoices.run_billing, name="run"),
    path("ledger.csv", invoices.ledger_csv, name="ledger_csv"),
    path("<int:pk>/", invoices.invoice_detail, name="detail"),
    path("<int:pk>/issue/", invoices.issue, name="issue"),
    path("<int:pk>/pay/", invoices.pay, name="pay"),
    path("<int:pk>/void/", invoices.void, name="void"),
    path("<int:pk>/credit/", invoices.credit, name="credit"),
    path("<int:pk>/pdf/", invoices.invoice_pdf, name="pdf"),
    path("<int:pk>/csv/", invoices.invoice_csv, name="csv"),
]
