"""API routes of the contract advisor and the entitlement check (under /api/)."""

from django.urls import URLPattern, URLResolver, path

from deskpact.api.views.contract_advice import ContractAdviceView, EntitlementCheckView

urlpatterns: list[URLPattern | URLResolver] = [
    path("v1/contracts/advice/", ContractAdviceView.as_view(), name="api-contract-advice"),
    path("v1/entitlements/check/", EntitlementCheckView.as_view(), name="api-entitlement-check"),
]
