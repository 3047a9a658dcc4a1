"""The handler's edges: public routes, identity, error shapes, OpenAPI."""

from __future__ import annotations

import pytest

from strata.errors import Unavailable
from tests.integration.api.conftest import Api
from tests.support.events import Identity


def test_health_is_public(api: Api) -> None:
    # When /health is called without a token
    response = api.call("GET", "/health")
    # Then it answers ok
    assert response.status == 200
    assert response.json() == {"status": "ok"}


def test_me_without_claims_is_401(api: Api) -> None:
    response = api.call("GET", "/me")
    assert response.status == 401
    assert response.json() == {
        "error": {
            "type": "Unauthorized",
            "message": "this request carries no verified identity",
            "details": {},
        }
    }


def test_me_creates_the_profile_from_claims_once(api: Api) -> None:
    identity = Identity(groups=("GENERAL",))
    first = api.call("GET", "/me", identity)
    second = api.call("GET", "/me", identity)
    assert first.status == 200
    assert first.json()["userId"] == identity.sub
    assert first.json()["email"] == identity.email
    assert second.json() == first.json()


def test_unknown_route_is_404_in_the_error_shape(api: Api, alice: Identity) -> None:
    response = api.call("GET", "/nothing-here", alice)
    assert response.status == 404
    assert response.json()["error"]["type"] == "NotFound"


def test_invalid_body_is_422_naming_the_field(api: Api, alice: Identity) -> None:
    response = api.call("POST", "/sessions", alice, body={"title": "x" * 300, "bogus": 1})
    assert response.status == 422
    error = response.json()["error"]
    assert error["type"] == "ValidationError"
    fields = {f["field"] for f in error["details"]["fields"]}
    assert fields == {"body.title", "body.bogus"}
    assert "Traceback" not in response.raw_body


def test_openapi_and_swagger_are_served(api: Api) -> None:
    document = api.call("GET", "/openapi.json")
    swagger = api.call("GET", "/swagger")
    assert document.status == 200
    assert "/documents/{documentId}/download" in document.json()["paths"]
    assert swagger.status == 200
    assert "swagger-ui" in swagger.raw_body.lower()


def test_unexpected_errors_are_a_generic_500(
    api: Api, alice: Identity, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a service that fails in a way nobody planned for
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("secret internals: /var/task/strata/services/sessions.py line 42")

    monkeypatch.setattr(api.services.sessions, "list_sessions", broken)
    # When the route runs
    response = api.call("GET", "/sessions", alice)
    # Then the client gets a 500 in the error shape that reveals nothing of the code
    assert response.status == 500
    assert response.json()["error"]["type"] == "InternalError"
    assert response.json()["error"]["details"]["requestId"]
    assert "secret internals" not in response.raw_body
    assert "Traceback" not in response.raw_body


def test_dependency_failures_are_503(
    api: Api, alice: Identity, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the data store is down (a StrataError from the store layer)
    def down(*_: object, **__: object) -> None:
        raise Unavailable("the data store failed (InternalServerError)")

    monkeypatch.setattr(api.services.sessions, "list_sessions", down)
    response = api.call("GET", "/sessions", alice)
    assert response.status == 503
    assert response.json()["error"]["type"] == "Unavailable"


def test_responses_carry_cors_headers(api: Api, alice: Identity) -> None:
    # Given a browser request from a web client (it passed API Gateway's preflight)
    response = api.call("GET", "/sessions", alice, headers={"Origin": "https://app.example.com"})
    # Then the browser may read the response, and may send If-Match
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "If-Match" in response.headers["Access-Control-Allow-Headers"]
