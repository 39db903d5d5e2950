"""The contracts, work logs, calls and prices API in the OpenAPI schema."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

WRITES = [
    ("/api/v1/contracts/", "post", "ContractInRequest"),
    ("/api/v1/contracts/{id}/end/", "post", "ContractEndInRequest"),
    ("/api/v1/contracts/{id}/renew/", "post", "ContractRenewInRequest"),
    ("/api/v1/contracts/{id}/topups/", "post", "TopUpInRequest"),
    ("/api/v1/tickets/{key}/worklogs/", "post", "WorkLogInRequest"),
    ("/api/v1/calls/", "post", "CallInRequest"),
    ("/api/v1/prices/", "post", "PriceInRequest"),
]
READS = [
    ("/api/v1/contracts/", "get", "PaginatedContractOutList"),
    ("/api/v1/contracts/{id}/", "get", "ContractOut"),
    ("/api/v1/contracts/{id}/balance/", "get", "BalanceOut"),
    ("/api/v1/contracts/{id}/topups/", "get", "TopUpsOut"),
    ("/api/v1/contracts/{id}/ledger/", "get", "PaginatedLedgerEntryOutList"),
    ("/api/v1/calls/", "get", "PaginatedCallOutList"),
    ("/api/v1/prices/", "get", "PaginatedPriceOutList"),
]


@pytest.fixture(scope="module")
def schema(django_db_blocker: Any) -> dict[str, Any]:
    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    assert response.status_code == 200
    loaded: dict[str, Any] = yaml.safe_load(response.content)
    return loaded


def body(operation: dict[str, Any]) -> dict[str, Any]:
    content: dict[str, Any] = operation["requestBody"]["content"]["application/json"]
    return content


@pytest.mark.parametrize(("path", "method", "component"), WRITES)
def test_every_write_documents_its_request_with_an_example(
    schema: dict[str, Any], path: str, method: str, component: str
) -> None:
    content = body(schema["paths"][path][method])

    assert content["schema"]["$ref"] == f"#/components/schemas/{component}"
    assert content["examples"] and all(e["value"] for e in content["examples"].values())


@pytest.mark.parametrize(("path", "method", "component"), READS)
def test_every_read_documents_its_response_with_an_example(
    schema: dict[str, Any], path: str, method: str, component: str
) -> None:
    ok = schema["paths"][path][method]["responses"]["200"]["content"]["application/json"]

    assert ok["schema"]["$ref"] == f"#/components/schemas/{component}"
    assert ok["examples"]


def test_worklogs_are_addressed_like_tickets_and_say_customers_see_none(
    schema: dict[str, Any],
) -> None:
    operations = schema["paths"]["/api/v1/tickets/{key}/worklogs/"]
    get = operations["get"]

    key = next(p for p in get["parameters"] if p["name"] == "key")
    assert key["schema"]["pattern"] == "^(?:[Dd][Pp]-)?[0-9]+$"
    assert "customers get 404" in get["description"]
    assert get["responses"]["200"]["content"]["application/json"]["schema"]["items"] == {
        "$ref": "#/components/schemas/WorkLogOut"
    }
    assert "deposit_required" in operations["post"]["description"]


def test_contract_and_ledger_kinds_are_distinct_named_enums(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]

    assert "per_minute" in components["ContractKindEnum"]["enum"]
    assert "block_purchased" in components["LedgerEntryKindEnum"]["enum"]
    assert components["ContractStatusEnum"]["enum"] == ["active", "ended"]
    assert components["TopUpKindEnum"]["enum"] == ["block", "deposit"]


def test_list_filters_are_documented(schema: dict[str, Any]) -> None:
    def names(path: str) -> set[str]:
        return {p["name"] for p in schema["paths"][path]["get"]["parameters"]}

    assert {"organization", "kind", "status", "page"} <= names("/api/v1/contracts/")
    assert {"item", "currency", "on"} <= names("/api/v1/prices/")
    assert {"ticket"} <= names("/api/v1/calls/")
    assert {"cursor", "page_size"} <= names("/api/v1/contracts/{id}/ledger/")


def test_tickets_document_their_contract_and_a_patch_can_change_it(
    schema: dict[str, Any],
) -> None:
    components = schema["components"]["schemas"]

    assert {"contract", "entitlement"} <= set(components["TicketOut"]["properties"])
    assert "contract" in components["PatchedTicketPatchRequest"]["properties"]
