"""Report routes (filled in as the reports land)."""

from django.urls import URLPattern, URLResolver

app_name = "reports"
urlpatterns: list[URLPattern | URLResolver] = []

from django.urls import path  # noqa: E402

from deskpact.web.views import reports_contracts, reports_license  # noqa: E402

urlpatterns += [
    path("contracts/", reports_contracts.contracts_page, name="contracts"),
    path("contracts.csv", reports_contracts.contracts_csv, name="contracts_csv"),
    path("license/", reports_license.license_page, name="license"),
    path("license.csv", reports_license.license_csv, name="license_csv"),
]

from deskpact.web.views import reports_agents  # noqa: E402

urlpatterns += [
    path("agents/", reports_agents.agents_page, name="agents"),
    path("agents.csv", reports_agents.agents_csv, name="agents_csv"),
]
