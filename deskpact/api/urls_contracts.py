"""API routes of support contracts, work logs, calls and prices (under /api/)."""

from django.urls import URLPattern, URLResolver, path, re_path
from rest_framework.routers import SimpleRouter

from deskpact.api.views.contracts import ContractViewSet
from deskpact.api.views.contracts_work import CallsView, PricesView, WorkLogsView
from deskpact.api.views.tickets import TicketViewSet

router = SimpleRouter(trailing_slash=True)
router.register("v1/contracts", ContractViewSet, basename="contract")

urlpatterns: list[URLPattern | URLResolver] = [
    # Addressed as the ticket API addresses a ticket: its key (DP-1042) or number.
    re_path(
        rf"^v1/tickets/(?P<key>{TicketViewSet.lookup_value_regex})/worklogs/$",
        WorkLogsView.as_view(),
        name="api-ticket-worklogs",
    ),
    path("v1/calls/", CallsView.as_view(), name="api-calls"),
    path("v1/prices/", PricesView.as_view(), name="api-prices"),
    *router.urls,
]
