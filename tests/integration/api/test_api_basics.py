"""The handler's edges: public routes, identity, error shapes, OpenAPI."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError

from strata.config import get_settings
from strata.errors import Unavailable
from strata.store.errors import map_client_error
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
    # Given a confirmed Cognito account whose sign-up trigger has not made a profile
    identity = api.account("GENERAL")
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


def test_a_request_dynamodb_calls_invalid_is_our_500_not_a_503(
    api: Api, alice: Identity, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given DynamoDB refuses a request Strata built (not a size limit: our bug)
    refused = ClientError(
        {"Error": {"Code": "ValidationException", "Message": "Invalid KeyConditionExpression"}},
        "Query",
    )

    def invalid(*_: object, **__: object) -> None:
        raise map_client_error(refused, "Query") from refused

    monkeypatch.setattr(api.services.sessions, "list_sessions", invalid)
    # When the route runs
    response = api.call("GET", "/sessions", alice)
    # Then it is a generic 500 (a retry cannot help), not a 503 asking the client to retry
    assert response.status == 500
    assert response.json()["error"]["type"] == "InternalError"
    assert response.json()["error"]["details"]["requestId"]
    assert "KeyConditionExpression" not in response.raw_body


ALLOWED_ORIGIN = "https://app.example.com"


@pytest.fixture
def cors_origins(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The environment allows two browser origins (as infra sets STRATA_CORS_ORIGINS)."""
    monkeypatch.setenv("STRATA_CORS_ORIGINS", f"{ALLOWED_ORIGIN}, https://admin.example.com")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_responses_name_an_allowed_origin(api: Api, alice: Identity, cors_origins: None) -> None:
    # Given a browser request from an allowed web client (it passed API Gateway's preflight)
    response = api.call("GET", "/sessions", alice, headers={"Origin": ALLOWED_ORIGIN})
    # Then the response names that origin (never "*"), may send If-Match, and varies by origin
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert "If-Match" in response.headers["Access-Control-Allow-Headers"]
    assert response.headers["Vary"] == "Origin"
    assert "Access-Control-Allow-Credentials" not in response.headers
    # And so do error responses, for the second origin too
    missing = api.call(
        "GET", "/sessions/NOPE", alice, headers={"Origin": "https://admin.example.com"}
    )
    assert missing.status == 404
    assert missing.headers["Access-Control-Allow-Origin"] == "https://admin.example.com"


def test_responses_do_not_name_other_origins(api: Api, alice: Identity, cors_origins: None) -> None:
    # Given requests from an origin the environment does not allow, and from no browser
    foreign = api.call("GET", "/sessions", alice, headers={"Origin": "https://evil.example.com"})
    plain = api.call("GET", "/sessions", alice)
    # Then they are served, but no response lets a browser read it cross-origin
    assert (foreign.status, plain.status) == (200, 200)
    assert "Access-Control-Allow-Origin" not in foreign.headers
    assert "Access-Control-Allow-Origin" not in plain.headers


def test_no_configured_origin_means_no_cors_headers(api: Api, alice: Identity) -> None:
    # Given settings without origins (the default)
    response = api.call("GET", "/sessions", alice, headers={"Origin": ALLOWED_ORIGIN})
    # Then nothing allows a cross-origin read
    assert response.status == 200
    assert "Access-Control-Allow-Origin" not in response.headers


def test_a_body_over_the_api_limit_is_413_before_any_route_runs(api: Api, alice: Identity) -> None:
    # Given a body one byte over the API's limit (DynamoDB's item size)
    from lambdas.api.limits import MAX_REQUEST_BODY_BYTES  # noqa: PLC0415

    padding = "x" * (MAX_REQUEST_BODY_BYTES - len('{"title":""}') + 1)
    # When it is posted
    response = api.call("POST", "/sessions", alice, body={"title": padding})
    # Then the API refuses it as too large, naming the limit
    assert response.status == 413
    error = response.json()["error"]
    assert error["type"] == "PayloadTooLarge"
    assert error["details"]["limit"] == MAX_REQUEST_BODY_BYTES


def test_a_long_message_in_any_script_is_under_the_api_limit(api: Api, alice: Identity) -> None:
    # Given the longest message the API accepts, in four-byte characters
    session = api.call("POST", "/sessions", alice, body={"title": "limits"}).json()
    content = "😀" * 20_000
    # When it is posted, it reaches the route (validated there, not refused for its size)
    response = api.call(
        "POST", f"/sessions/{session['sessionId']}/messages", alice, body={"content": content}
    )
    assert response.status == 201
