from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from deskpact.accounts import services
from deskpact.accounts.authentication import PasswordExpired
from deskpact.accounts.errors import AccountLocked, InvalidCredentials
from deskpact.accounts.models import ApiToken
from deskpact.api.permissions import PasswordCurrent
from deskpact.api.serializers.users import TokenIn, TokenOut, UserOut
from deskpact.api.throttling import ScopedSettingsRateThrottle


class TokenView(APIView):
    """Trade an email and password for an API token; DELETE revokes the token in use."""

    throttle_classes = [ScopedSettingsRateThrottle]
    throttle_scope = "token"

    def get_permissions(self):
        return [AllowAny()] if self._is_post() else [PasswordCurrent()]

    def get_authenticators(self):
        # POST must not trip over a stale token or session it does not need.
        return [] if self._is_post() else super().get_authenticators()

    def _is_post(self) -> bool:
        # Schema generation inspects the view without a request.
        return getattr(self.request, "method", None) == "POST"

    @extend_schema(
        request=TokenIn,
        responses={
            201: TokenOut,
            400: OpenApiResponse(description="invalid_credentials or validation_error"),
            403: OpenApiResponse(description="account_locked or password_expired"),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        payload = TokenIn(data=request.data)
        payload.is_valid(raise_exception=True)
        http_request = request._request  # django-axes reads and marks the Django request
        user = authenticate(
            http_request,
            username=payload.validated_data["email"],
            password=payload.validated_data["password"],
        )
        if getattr(http_request, "axes_locked_out", False):
            # Answered here in problem+json; left set, AxesMiddleware would swap in the
            # web's HTML lockout page (429) on the way out.
            http_request.axes_locked_out = False  # type: ignore[attr-defined]
            raise AccountLocked("Too many failed sign-ins: this account is locked for a while.")
        if user is None:
            raise InvalidCredentials("Email or password is wrong.", field="password")
        # No login() here, so no user_logged_in signal: tell django-axes of the success
        # ourselves, or earlier failures keep counting towards a lockout.
        AxesProxyHandler.user_logged_in(type(self), http_request, user)
        if user.must_change_password_now():
            raise PasswordExpired()
        token, key = services.issue_api_token(user, name=payload.validated_data.get("name", ""))
        body = {"token": key, "prefix": token.prefix, "user": UserOut(user).data}
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        if isinstance(request.auth, ApiToken):
            services.revoke_api_token(request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)
