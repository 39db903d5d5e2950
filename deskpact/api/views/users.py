from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from deskpact.accounts import services
from deskpact.accounts.models import User
from deskpact.accounts.requests import signed_in
from deskpact.accounts.selectors import users_visible_to
from deskpact.api.filters import IdFilter
from deskpact.api.permissions import AdminWritesOthersRead, PasswordCurrent
from deskpact.api.serializers.users import UserChangeIn, UserIn, UserOut


class UserFilter(django_filters.FilterSet):
    email = django_filters.CharFilter(lookup_expr="iexact")
    name = django_filters.CharFilter(lookup_expr="icontains")
    # A plain id, not a choice of every organization: "not a valid choice" for an unknown
    # id but an empty page for a hidden one would tell a customer which ids exist.
    organization = IdFilter(field_name="organization_id")

    class Meta:
        model = User
        fields = ("email", "name", "role", "organization", "is_active")


@extend_schema_view(
    list=extend_schema(summary="People you may see"),
    retrieve=extend_schema(summary="One person"),
    # PATCH runs `update`; without this the schema shows no request body for it.
    partial_update=extend_schema(request=UserChangeIn, responses={200: UserOut}),
)
class UserViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """People. Admins create and change them (deactivate with is_active=false; nobody is
    deleted); agents read everyone; a customer reads only themselves."""

    permission_classes = [PasswordCurrent, AdminWritesOthersRead]
    queryset = User.objects.none()  # for the schema; get_queryset scopes
    serializer_class = UserOut
    filterset_class = UserFilter

    def get_queryset(self) -> QuerySet[User]:
        return users_visible_to(signed_in(self.request))

    @extend_schema(responses={200: UserOut}, summary="The signed-in person")
    @action(detail=False, methods=["get"], permission_classes=[PasswordCurrent])
    def me(self, request: Request) -> Response:
        return Response(UserOut(request.user).data)

    @extend_schema(request=UserIn, responses={201: UserOut})
    def create(self, request: Request, *args: object, **kwargs: object) -> Response:
        payload = UserIn(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        password = data.pop("password", None)
        user = services.create_user(
            by=signed_in(request),
            password=password,
            must_change_password=bool(password),
            **data,
        )
        return Response(UserOut(user).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=UserChangeIn, responses={200: UserOut})
    def update(self, request: Request, *args: object, **kwargs: object) -> Response:
        user = self.get_object()
        payload = UserChangeIn(data=request.data, partial=bool(kwargs.get("partial", False)))
        payload.is_valid(raise_exception=True)
        services.update_user(user, by=signed_in(request), **payload.validated_data)
        return Response(UserOut(user).data)
