"""Portal routes of an organization's contracts (portal namespace)."""

from django.urls import URLPattern, URLResolver, path

from deskpact.web.views import portal_contracts

urlpatterns: list[URLPattern | URLResolver] = [
    path("contracts/", portal_contracts.contracts, name="contracts"),
    path("contracts/<int:pk>/", portal_contracts.contract_detail, name="contract"),
]
