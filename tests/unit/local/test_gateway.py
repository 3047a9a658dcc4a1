"""The local gateway's own answers: the 401 in the deployed API's error shape, and bodies that
are not UTF-8 handed over as binary payloads (never decoded with replacement characters), and
every path handed to the function."""

from __future__ import annotations

import base64
import json

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match

from local.gateway import proxy_body, proxy_route, unauthorized_response


def test_text_bodies_are_passed_as_text() -> None:
    assert proxy_body(b"") == (None, False)
    assert proxy_body('{"title": "caf\u00e9"}'.encode()) == ('{"title": "caf\u00e9"}', False)


def test_a_body_that_is_not_utf8_is_passed_base64_encoded_byte_for_byte() -> None:
    # Given bytes that are not UTF-8 (a lone continuation byte and a Latin-1 "é")
    raw = b'{"title": "ab\xff\xfecaf\xe9"}'
    # When the gateway builds the event's body
    body, is_base64 = proxy_body(raw)
    # Then the function receives the exact bytes as a binary payload, nothing replaced
    assert is_base64
    assert body is not None
    assert base64.b64decode(body) == raw


def test_the_401_has_the_api_error_shape() -> None:
    response = unauthorized_response()
    assert response.status_code == 401
    error = json.loads(bytes(response.body))["error"]
    assert (error["type"], error["message"]) == ("Unauthorized", "Unauthorized")
    assert set(error["details"]) == {"requestId"}
    assert response.headers["access-control-allow-origin"] == "*"


def test_every_path_reaches_the_proxy_line_breaks_included() -> None:
    # Given the catch-all route (API Gateway's {proxy+} hands every path to the function)
    async def endpoint(request: Request) -> Response:
        return Response(request.url.path)

    route = proxy_route(endpoint)
    # Then a path parameter with a line break (%0A) or a NUL is the function's to answer, never
    # the router's plain-text 404
    for path in ("/applications/abc", "/applications/a\nb", "/sessions/\r\n", "/x/\x00", "/"):
        match, _ = route.matches({"type": "http", "path": path, "method": "GET"})
        assert match is Match.FULL, path
