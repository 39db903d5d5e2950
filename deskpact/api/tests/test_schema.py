"""The OpenAPI schema is served, complete and warning-free; the docs page needs no CDN."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from django.core.management import call_command
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema() -> dict[str, Any]:
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    assert response.status_code == 200
    loaded: dict[str, Any] = yaml.safe_load(response.content)
    return loaded


def test_schema_is_openapi_3_describing_the_v1_resources(schema: dict[str, Any]) -> None:
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/v1/auth/token/",
        "/api/v1/organizations/",
        "/api/v1/organizations/{id}/",
        "/api/v1/users/",
        "/api/v1/users/{id}/",
        "/api/v1/users/me/",
    } <= set(schema["paths"])


def test_schema_is_served_as_json_on_request(db: None) -> None:
    response = APIClient().get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Deskpact API"


def test_schema_names_components_after_the_serializers(schema: dict[str, Any]) -> None:
    components = set(schema["components"]["schemas"])

    assert {"OrganizationOut", "OrganizationInRequest", "UserOut", "UserInRequest"} <= components
    assert {"TokenInRequest", "TokenOut"} <= components


@pytest.mark.parametrize(
    ("path", "component"),
    [
        ("/api/v1/organizations/{id}/", "PatchedOrganizationInRequest"),
        ("/api/v1/users/{id}/", "PatchedUserChangeInRequest"),
    ],
)
def test_patch_documents_its_request_body_with_every_field_optional(
    schema: dict[str, Any], path: str, component: str
) -> None:
    body = schema["paths"][path]["patch"]["requestBody"]["content"]["application/json"]
    assert body["schema"]["$ref"] == f"#/components/schemas/{component}"
    assert "required" not in schema["components"]["schemas"][component]


def test_user_changes_do_not_offer_a_password(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]

    assert "password" in components["UserInRequest"]["properties"]
    assert "password" not in components["PatchedUserChangeInRequest"]["properties"]


def test_token_issue_needs_no_credentials_but_revoking_does(schema: dict[str, Any]) -> None:
    token = schema["paths"]["/api/v1/auth/token/"]

    assert token["post"].get("security", []) in ([], [{}])
    assert {"tokenAuth": []} in token["delete"]["security"]


def test_schema_generates_without_warnings(tmp_path: Any) -> None:
    # --fail-on-warn turns every guess drf-spectacular had to make into an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))

    assert (tmp_path / "s.yml").read_text().startswith("openapi:")


def test_docs_page_is_html_served_from_this_site(db: None) -> None:
    response = APIClient().get("/api/docs/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "swagger-ui" in page
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    for cdn in ("cdn.jsdelivr", "unpkg.com", "cdnjs", "https://"):
        assert cdn not in page
