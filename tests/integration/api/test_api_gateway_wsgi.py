"""The WSGI adapter serves the real handler as API Gateway would: path, query, body, claims."""

from __future__ import annotations

import io
import json
from typing import Any

from lambdas.api.handler import handler
from tests.integration.api.conftest import Api
from tests.support.api_gateway_wsgi import ApiGatewayWsgi
from tests.support.events import Identity


def request(
    app: ApiGatewayWsgi, method: str, path: str, query: str = "", body: Any = None
) -> tuple[str, dict[str, str], Any]:
    raw = json.dumps(body).encode() if body is not None else b""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        # PEP 3333: the decoded path as latin-1 text
        "PATH_INFO": path.encode().decode("latin-1"),
        "QUERY_STRING": query,
        "CONTENT_TYPE": "application/json" if raw else "",
        "CONTENT_LENGTH": str(len(raw)),
        "HTTP_ORIGIN": "https://app.example.com",
        "wsgi.input": io.BytesIO(raw),
    }
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        answer["status"], answer["headers"] = status, dict(headers)

    content = b"".join(app(environ, start_response))
    return answer["status"], answer["headers"], json.loads(content) if content else None


def test_requests_reach_the_handler_as_the_fixed_caller(api: Api, alice: Identity) -> None:
    # Given the handler served over WSGI as alice
    served = ApiGatewayWsgi(handler, identity=alice, keep_events=True)
    # When she creates two sessions and lists one page with a decoded query string
    for title in ("one", "two"):
        status, _, created = request(served, "POST", "/sessions", body={"title": title})
        assert status == "201 Created", created
    status, headers, page = request(served, "GET", "/sessions", query="limit=1&x=a%20b")
    # Then the handler saw her claims, the decoded query and her JSON body
    assert status == "200 OK"
    assert len(page["items"]) == 1
    assert page["nextToken"]
    assert headers["Content-Type"] == "application/json"
    last = served.events[-1]
    assert last["requestContext"]["authorizer"]["claims"]["sub"] == alice.sub
    assert last["multiValueQueryStringParameters"] == {"limit": ["1"], "x": ["a b"]}
    assert json.loads(served.events[0]["body"]) == {"title": "one"}
    assert last["headers"]["Origin"] == "https://app.example.com"


def test_unicode_paths_and_missing_claims(api: Api) -> None:
    # Given the handler served with no identity
    served = ApiGatewayWsgi(handler, keep_events=True)
    # When a path with non-ASCII characters is requested
    status, _, body = request(served, "GET", "/sessions/é")
    # Then the handler received it decoded as UTF-8 (and refused an id that breaks the pattern)
    assert served.events[-1]["path"] == "/sessions/é"
    assert status == "422 Unprocessable Entity", body
    assert body["error"]["details"]["fields"][0]["field"] == "path.sessionId"
    # And a well-formed request without claims is a 401 in the one error shape
    status, _, body = request(served, "GET", "/sessions")
    assert status == "401 Unauthorized"
    assert body["error"]["type"] == "Unauthorized"
