"""The tickets API in the OpenAPI schema: every path, its parameters, and request examples."""

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


def parameters(operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in operation.get("parameters", [])}


def test_every_ticket_path_and_method_is_described(schema: dict[str, Any]) -> None:
    paths = schema["paths"]

    assert set(paths["/api/v1/tickets/"]) >= {"get", "post"}
    assert set(paths["/api/v1/tickets/{key}/"]) >= {"get", "patch"}
    assert "put" not in paths["/api/v1/tickets/{key}/"]
    assert set(paths["/api/v1/tickets/{key}/messages/"]) >= {"get", "post"}
    assert set(paths["/api/v1/tickets/{key}/rating/"]) >= {"get", "post"}
    assert set(paths["/api/v1/attachments/{attachment_id}/"]) >= {"get"}


def test_list_documents_its_filters_search_ordering_and_cursor(schema: dict[str, Any]) -> None:
    listed = parameters(schema["paths"]["/api/v1/tickets/"]["get"])

    assert {
        "status",
        "priority",
        "channel",
        "owner",
        "organization",
        "requester",
        "queue",
        "created_after",
        "created_before",
        "q",
        "ordering",
        "cursor",
        "page_size",
    } <= set(listed)
    assert set(listed["ordering"]["schema"]["enum"]) == {
        "created_at",
        "-created_at",
        "updated_at",
        "-updated_at",
    }
    assert listed["organization"]["schema"]["type"] == "integer"


def test_list_response_is_a_cursor_page(schema: dict[str, Any]) -> None:
    ok = schema["paths"]["/api/v1/tickets/"]["get"]["responses"]["200"]
    ref = ok["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    page = schema["components"]["schemas"][ref]

    assert {"next", "previous", "results"} <= set(page["properties"])
    assert page["properties"]["results"]["items"]["$ref"].endswith("/TicketOut")


def test_nested_lists_document_no_ticket_filters(schema: dict[str, Any]) -> None:
    for path in ("/api/v1/tickets/{key}/messages/", "/api/v1/tickets/{key}/rating/"):
        assert set(parameters(schema["paths"][path]["get"])) == {"key"}


def test_key_accepts_dp_keys_and_numbers(schema: dict[str, Any]) -> None:
    key = parameters(schema["paths"]["/api/v1/tickets/{key}/"]["get"])["key"]

    assert key["in"] == "path"
    assert key["schema"]["pattern"] == "^(?:[Dd][Pp]-)?[0-9]+$"


@pytest.mark.parametrize(
    ("path", "method", "component", "examples"),
    [
        (
            "/api/v1/tickets/",
            "post",
            "TicketInRequest",
            {"ACustomerReportsAProblem", "AnAgentLogsAPhoneCallForACustomer"},
        ),
        (
            "/api/v1/tickets/{key}/",
            "patch",
            "PatchedTicketPatchRequest",
            {"TakeATicketAndStartOnIt", "ResolveWithTheCauseRecorded", "BackToUnassigned"},
        ),
        (
            "/api/v1/tickets/{key}/messages/",
            "post",
            "MessageInRequest",
            {"APublicReply", "AnInternalNote(agents)"},
        ),
        ("/api/v1/tickets/{key}/rating/", "post", "RatingInRequest", {"AHappyCustomer"}),
    ],
)
def test_writes_document_their_request_with_examples(
    schema: dict[str, Any], path: str, method: str, component: str, examples: set[str]
) -> None:
    content = schema["paths"][path][method]["requestBody"]["content"]["application/json"]

    assert content["schema"]["$ref"] == f"#/components/schemas/{component}"
    assert examples <= set(content["examples"])
    assert all(example["value"] for example in content["examples"].values())


def test_only_messages_take_multipart_uploads(schema: dict[str, Any]) -> None:
    paths = schema["paths"]

    assert set(paths["/api/v1/tickets/{key}/messages/"]["post"]["requestBody"]["content"]) == {
        "application/json",
        "multipart/form-data",
    }
    for path, method in (("/api/v1/tickets/", "post"), ("/api/v1/tickets/{key}/", "patch")):
        assert set(paths[path][method]["requestBody"]["content"]) == {"application/json"}


def test_agent_only_fields_are_documented_on_ticket_creation(schema: dict[str, Any]) -> None:
    fields = schema["components"]["schemas"]["TicketInRequest"]["properties"]

    assert {"requester_email", "channel", "owner", "organization"} <= set(fields)
    assert set(schema["components"]["schemas"]["TicketInRequest"]["required"]) == {
        "subject",
        "body",
    }


def test_attachment_download_is_binary(schema: dict[str, Any]) -> None:
    ok = schema["paths"]["/api/v1/attachments/{attachment_id}/"]["get"]["responses"]["200"]

    assert ok["content"]["application/octet-stream"]["schema"] == {
        "type": "string",
        "format": "binary",
    }


def test_validated_warning_free_schema_carries_the_tickets_api(tmp_path: Any) -> None:
    # --fail-on-warn: drf-spectacular had to guess nothing about these views.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))

    written = yaml.safe_load((tmp_path / "s.yml").read_text())
    assert {"/api/v1/tickets/", "/api/v1/tickets/{key}/messages/"} <= set(written["paths"])
