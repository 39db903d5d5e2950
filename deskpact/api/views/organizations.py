from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from deskpact.accounts import services
from deskpact.accounts.models import Organization
from deskpact.accounts.requests import signed_in
from deskpact.accounts.selectors import organizations_visible_to
from deskpact.api.permissions import AdminWritesOthersRead, PasswordCurrent
from deskpact.api.serializers.organizations import OrganizationIn, OrganizationOut


class OrganizationFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")
    domain = django_filters.CharFilter(field_name="domains__domain", lookup_expr="iexact")

    class Meta:
        model = Organization
        fields = ("name", "domain", "currency", "shares_tickets")


@extend_schema_view(
    list=extend_schema(summary="Organizations you may see"),
    retrieve=extend_schema(summary="One organization"),
    # PATCH runs `update`; without this the schema shows no request body for it.
    partial_update=extend_schema(request=OrganizationIn, responses={200: OrganizationOut}),
    destroy=extend_schema(summary="Delete an organization without people (admins)"),
)
class OrganizationViewSet(viewsets.ModelViewSet):
    """Customer accounts. Admins manage them; agents read all; a customer reads their own."""

    permission_classes = [PasswordCurrent, AdminWritesOthersRead]
    queryset = Organization.objects.none()  # for the schema; get_queryset scopes
    serializer_class = OrganizationOut
    filterset_class = OrganizationFilter

    def get_queryset(self) -> QuerySet[Organization]:
        return organizations_visible_to(signed_in(self.request))

    @extend_schema(request=OrganizationIn, responses={201: OrganizationOut})
    def create(self, request: Request, *args: object, **kwargs: object) -> Response:
        payload = OrganizationIn(data=request.data)
        payload.is_valid(raise_exception=True)
        organization = services.save_organization(
            Organization(),
            by=signed_in(request),
            **payload.validated_data,
        )
        return Response(OrganizationOut(organization).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=OrganizationIn, responses={200: OrganizationOut})
    def update(self, request: Request, *args: object, **kwargs: object) -> Response:
        organization = self.get_object()
        payload = OrganizationIn(data=request.data, partial=bool(kwargs.get("partial", False)))
        payload.is_valid(raise_exception=True)
        services.save_organization(organization, by=signed_in(request), **payload.validated_data)
        return Response(OrganizationOut(self.get_queryset().get(pk=organization.pk)).data)

    def perform_destroy(self, instance: Organization) -> None:
        services.delete_organization(instance, by=signed_in(self.request))
