"""The local gateway's own answers: the 401 in the deployed API's error shape, and bodies that
are not UTF-8 handed over as binary payloads (never decoded with replacement characters)."""

from __future__ import annotations

import base64
import json

from local.gateway import proxy_body, unauthorized_response


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
