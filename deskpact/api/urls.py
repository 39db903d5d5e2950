from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from deskpact.api.views.auth import TokenView
from deskpact.api.views.license import (
    AdviceView,
    LicenseView,
    SeatsView,
    SeatView,
    UsageView,
)
from deskpact.api.views.organizations import OrganizationViewSet
from deskpact.api.views.tickets import AttachmentDownloadView, TicketViewSet
from deskpact.api.views.users import UserViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("users", UserViewSet, basename="user")
router.register("tickets", TicketViewSet, basename="ticket")

urlpatterns = [
    path("v1/auth/token/", TokenView.as_view(), name="api-token"),
    path(
        "v1/attachments/<int:attachment_id>/",
        AttachmentDownloadView.as_view(),
        name="api-attachment",
    ),
    path("v1/license/", LicenseView.as_view(), name="api-license"),
    path("v1/license/seats/", SeatsView.as_view(), name="api-license-seats"),
    path("v1/license/advice/", AdviceView.as_view(), name="api-license-advice"),
    path("v1/license/usage/", UsageView.as_view(), name="api-license-usage"),
    path("v1/license/seats/<int:user_id>/", SeatView.as_view(), name="api-license-seat"),
    path("", include("deskpact.api.urls_contracts")),
    path("", include("deskpact.api.urls_contract_advice")),
    path("", include("deskpact.api.urls_mail")),
    path("", include("deskpact.api.urls_billing")),
    path("", include("deskpact.api.urls_reports")),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
