"""API routes of the reports (under /api/)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []

from django.urls import path  # noqa: E402

from deskpact.api.views.reports_contracts import ContractsReportView  # noqa: E402
from deskpact.api.views.reports_license import LicenseReportView  # noqa: E402

urlpatterns += [
    path("v1/reports/contracts/", ContractsReportView.as_view(), name="api-reports-contracts"),
    path("v1/reports/license/", LicenseReportView.as_view(), name="api-reports-license"),
]

from deskpact.api.views.reports_agents import AgentsReportView  # noqa: E402

urlpatterns += [path("v1/reports/agents/", AgentsReportView.as_view(), name="api-reports-agents")]
