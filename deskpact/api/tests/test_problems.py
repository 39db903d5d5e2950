"""Every API error is application/problem+json with a stable code (RFC 9457)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.test import APIClient

from deskpact.accounts.errors import InvalidCredentials
from deskpact.accounts.models import Organization, User
from deskpact.api.problems import problem_exception_handler
from deskpact.api.tests.support import assert_problem
from deskpact.api.views.users import UserViewSet
from deskpact.core.errors import Conflict

ApiAs = Callable[[User], APIClient]


# The handler on its own -----------------------------------------------------------------


def handle(exc: Exception) -> Any:
    response = problem_exception_handler(exc, {})
    assert response is not None
    assert response.content_type == "application/problem+json"
    return response


def test_domain_error_keeps_its_code_status_field_and_details() -> None:
    response = handle(Conflict("Already taken.", field="name", holder="Acme"))

    assert response.status_code == 409
    assert response.data == {
        "type": "urn:deskpact:problem:conflict",
        "title": "Conflict",
        "status": 409,
        "detail": "Already taken.",
        "code": "conflict",
        "holder": "Acme",
        "errors": {"name": [{"message": "Already taken.", "code": "conflict"}]},
    }


def test_django_validation_error_keeps_each_messages_code() -> None:
    exc = DjangoValidationError(
        {"name": DjangoValidationError("%(n)s is taken.", code="taken", params={"n": "Acme"})}
    )

    body = handle(exc).data

    assert body["code"] == "validation_error"
    assert body["errors"] == {"name": [{"message": "Acme is taken.", "code": "taken"}]}
    assert body["detail"] == "name: Acme is taken."


def test_django_errors_for_the_whole_object_are_non_field_errors() -> None:
    exc = DjangoValidationError({"__all__": ["Clash."], "name": ["Too short."]})

    errors = handle(exc).data["errors"]

    assert set(errors) == {"non_field_errors", "name"}
    assert errors["non_field_errors"] == [{"message": "Clash.", "code": "invalid"}]


def test_django_error_without_fields_is_a_non_field_error() -> None:
    body = handle(DjangoValidationError("Move the people first.", code="has_people")).data

    assert body["errors"] == {
        "non_field_errors": [{"message": "Move the people first.", "code": "has_people"}]
    }
    assert body["detail"] == "Move the people first."


def test_nested_serializer_errors_are_flattened_with_dotted_names() -> None:
    detail: Any = {"domains": {1: [exceptions.ErrorDetail("Too long.", code="max_length")]}}

    errors = handle(exceptions.ValidationError(detail)).data["errors"]

    assert errors == {"domains.1": [{"message": "Too long.", "code": "max_length"}]}


def test_django_404_and_permission_denied_become_problems() -> None:
    assert handle(Http404()).data["code"] == "not_found"
    forbidden = handle(PermissionDenied())
    assert (forbidden.status_code, forbidden.data["code"]) == (403, "permission_denied")


def test_unexpected_exception_is_left_to_the_500_handler() -> None:
    assert problem_exception_handler(RuntimeError("boom"), {}) is None


def test_domain_error_status_is_used_as_is() -> None:
    response = handle(InvalidCredentials("Email or password is wrong."))

    assert (response.status_code, response.data["title"]) == (400, "Invalid request")
    assert "errors" not in response.data


# Through HTTP ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_validation_problem_names_each_field(api_as: ApiAs, admin_user: User) -> None:
    response = api_as(admin_user).post(
        "/api/v1/organizations/", {"name": "", "tax_rate": "-1"}, format="json"
    )

    body = assert_problem(response, 400, "validation_error")
    assert set(body["errors"]) == {"name", "tax_rate"}
    assert body["errors"]["name"] == [{"message": "This field may not be blank.", "code": "blank"}]
    assert body["errors"]["tax_rate"][0]["code"] == "min_value"


@pytest.mark.django_db
def test_body_that_is_not_json_is_a_parse_error(api_as: ApiAs, admin_user: User) -> None:
    response = api_as(admin_user).post(
        "/api/v1/organizations/", "{not json", content_type="application/json"
    )

    assert_problem(response, 400, "parse_error")


@pytest.mark.django_db
def test_unsupported_media_type_is_415(api_as: ApiAs, admin_user: User) -> None:
    response = api_as(admin_user).post(
        "/api/v1/organizations/", "name=Initech", content_type="text/plain"
    )

    assert_problem(response, 415, "unsupported_media_type")


@pytest.mark.django_db
def test_unauthenticated_request_is_a_401_problem(db: None) -> None:
    assert_problem(APIClient().get("/api/v1/organizations/"), 401, "not_authenticated")


@pytest.mark.django_db
def test_customer_creating_an_organization_is_a_403_problem(api_as: ApiAs, customer: User) -> None:
    response = api_as(customer).post("/api/v1/organizations/", {"name": "Mine"}, format="json")

    body = assert_problem(response, 403, "permission_denied")
    assert body["detail"] == "Only admins can change this."
    assert not Organization.objects.filter(name="Mine").exists()


@pytest.mark.django_db
def test_unknown_id_is_a_404_problem(api_as: ApiAs, admin_user: User) -> None:
    assert_problem(api_as(admin_user).get("/api/v1/organizations/999999/"), 404, "not_found")
    assert_problem(api_as(admin_user).get("/api/v1/users/999999/"), 404, "not_found")


@pytest.mark.django_db
def test_unknown_api_url_is_a_404_problem(client: Any, settings: Any) -> None:
    settings.DEBUG = False

    response = client.get("/api/v1/nope/")

    assert_problem(response, 404, "not_found")


@pytest.mark.django_db
def test_unknown_page_outside_the_api_stays_html(client: Any, settings: Any) -> None:
    settings.DEBUG = False

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_method_the_resource_lacks_is_a_405_problem(
    api_as: ApiAs, admin_user: User, customer: User
) -> None:
    response = api_as(admin_user).delete(f"/api/v1/users/{customer.pk}/")

    body = assert_problem(response, 405, "method_not_allowed")
    assert "DELETE" in body["detail"]
    assert User.objects.filter(pk=customer.pk).exists()


@pytest.mark.django_db
def test_unexpected_error_under_the_api_is_a_500_problem(
    api_as: ApiAs, customer: User, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.DEBUG = False

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(UserViewSet, "me", broken)
    client = api_as(customer)
    client.raise_request_exception = False

    body = assert_problem(client.get("/api/v1/users/me/"), 500, "server_error")
    assert "a bug" not in body["detail"]
