"""docs/openapi.json is what the resolver generates, and it documents every endpoint."""

from __future__ import annotations

import json
from pathlib import Path

from lambdas.api.handler import app
from lambdas.api.openapi_config import openapi_json

COMMITTED = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"

# The endpoints the API issue lists (search arrives with the ingestion issue).
REQUIRED = {
    ("get", "/me"), ("patch", "/me"),
    ("get", "/users"), ("post", "/users"),
    ("get", "/users/{userId}"), ("patch", "/users/{userId}"), ("delete", "/users/{userId}"),
    ("get", "/groups"), ("post", "/groups"),
    ("get", "/groups/{groupId}"), ("patch", "/groups/{groupId}"), ("delete", "/groups/{groupId}"),
    ("get", "/groups/{groupId}/members"),
    ("put", "/groups/{groupId}/members/{userId}"),
    ("delete", "/groups/{groupId}/members/{userId}"),
    ("get", "/applications"), ("post", "/applications"),
    ("get", "/applications/{appId}"), ("patch", "/applications/{appId}"),
    ("delete", "/applications/{appId}"),
    ("put", "/applications/{appId}/grants/{groupId}"),
    ("delete", "/applications/{appId}/grants/{groupId}"),
    ("get", "/sessions"), ("post", "/sessions"),
    ("get", "/sessions/{sessionId}"), ("patch", "/sessions/{sessionId}"),
    ("delete", "/sessions/{sessionId}"),
    ("get", "/sessions/{sessionId}/messages"), ("post", "/sessions/{sessionId}/messages"),
    ("post", "/sessions/{sessionId}/voice"), ("patch", "/sessions/{sessionId}/voice/{voiceId}"),
    ("get", "/documents"), ("post", "/documents"),
    ("get", "/documents/{documentId}"), ("patch", "/documents/{documentId}"),
    ("delete", "/documents/{documentId}"), ("get", "/documents/{documentId}/download"),
    ("get", "/memories"), ("post", "/memories"),
    ("get", "/memories/{memoryId}"), ("patch", "/memories/{memoryId}"),
    ("delete", "/memories/{memoryId}"),
    ("get", "/notifications"), ("get", "/notifications/unread-count"),
    ("patch", "/notifications/{notificationId}"), ("delete", "/notifications/{notificationId}"),
    ("post", "/admin/notifications"), ("get", "/admin/stats"), ("get", "/admin/audit"),
    ("get", "/applications/{appId}/usage"), ("get", "/me/usage"),
    ("get", "/health"),
}  # fmt: skip


LISTS = {
    "/users", "/groups", "/groups/{groupId}/members", "/applications", "/sessions",
    "/sessions/{sessionId}/messages", "/documents", "/memories", "/notifications",
    "/users/{userId}/sessions", "/users/{userId}/sessions/{sessionId}/messages",
    "/users/{userId}/documents", "/users/{userId}/memories", "/admin/audit",
}  # fmt: skip


def test_committed_document_is_the_generated_one() -> None:
    # Given the document the resolver generates now
    generated = openapi_json(app) + "\n"
    # Then docs/openapi.json is byte-for-byte the same (run `make openapi` after changing routes)
    assert COMMITTED.read_text(encoding="utf-8") == generated, "run `make openapi`"


def test_document_covers_every_endpoint_with_limits_and_errors() -> None:
    document = json.loads(COMMITTED.read_text(encoding="utf-8"))
    operations = {
        (method, path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }
    # Every endpoint of the issue is documented
    assert REQUIRED - set(operations) == set()
    # Every list takes limit 1-100 and nextToken
    for (method, path), operation in operations.items():
        names = {p["name"]: p for p in operation.get("parameters", [])}
        if method == "get" and "nextToken" in names:
            limit = names["limit"]["schema"]
            assert (limit["minimum"], limit["maximum"]) == (1, 100), path
            # and documents the 400 a forged or foreign nextToken gets (schemathesis over HTTP
            # found the lists answering an undocumented 400)
            assert "400" in operation["responses"], path
    lists = {
        path for (_, path), op in operations.items() if "nextToken" in str(op.get("parameters"))
    }
    assert lists == LISTS
    # Errors are documented in the one shape, and the bearer scheme applies except on /health
    assert "ErrorResponse" in document["components"]["schemas"]
    assert document["security"] == [{"cognito": []}]
    assert operations[("get", "/health")]["security"] == [{}]


def test_every_operation_documents_its_success_response() -> None:
    # Given the committed document (Powertools drops the return model once a route lists
    # `responses`; schemathesis found 53 operations documenting errors only)
    document = json.loads(COMMITTED.read_text(encoding="utf-8"))
    for path, item in document["paths"].items():
        for method, operation in item.items():
            # Then each operation documents exactly one success status
            successes = [code for code in operation["responses"] if code.startswith("2")]
            assert len(successes) == 1, (method, path, successes)
            response = operation["responses"][successes[0]]
            # And a 204 has no body while every other success names its schema
            if successes[0] == "204":
                assert not response.get("content"), (method, path)
            else:
                assert response["content"]["application/json"]["schema"], (method, path)
    created = document["paths"]["/documents"]["post"]["responses"]["201"]
    assert created["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/DocumentUpload"
    }


def test_every_operation_with_a_path_parameter_documents_404() -> None:
    # Given the committed document (schemathesis over HTTP found the support lists answering an
    # undocumented 404: an id no route accepts, a control character say, matches no route)
    document = json.loads(COMMITTED.read_text(encoding="utf-8"))
    for path, item in document["paths"].items():
        for method, operation in item.items():
            # Then every operation whose path names an id documents the 404 it can answer
            if "{" in path:
                assert "404" in operation["responses"], (method, path)
