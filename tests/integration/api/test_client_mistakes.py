"""Bodies a client can get wrong: each one a 4xx in the error shape, before anything is written.

Python's json module raises RecursionError for deep nesting and ValueError for huge integers,
and Powertools compared media types case-sensitively and decoded base64 leniently: each of these
was a 500 through the real handler.
"""

from __future__ import annotations

import base64

import pytest

from lambdas.api.handler import handler
from tests.integration.api.conftest import Api
from tests.support.events import ApiResponse, Identity, LambdaContextStub, api_event, parse_response

DEEP_JSON = '{"title": "deep", "context": {"a": ' + "[" * 1000 + "]" * 1000 + "}}"
HUGE_INTEGER = '{"title": "digits", "context": {"n": ' + "7" * 4400 + "}}"


def _raw_call(identity: Identity, body: str, *, base64_encoded: bool) -> ApiResponse:
    event = api_event("POST", "/sessions", identity=identity, body=body)
    event["isBase64Encoded"] = base64_encoded
    return parse_response(handler(event, LambdaContextStub()))


def _no_sessions(api: Api, identity: Identity) -> bool:
    listed = api.call("GET", "/sessions", identity)
    return listed.status == 200 and listed.json()["items"] == []


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "*/*"])
def test_a_body_that_is_not_json_is_a_415_and_nothing_is_written(
    api: Api, alice: Identity, content_type: str
) -> None:
    # When a valid JSON body is sent under another media type
    response = api.call(
        "POST", "/sessions", alice, body='{"title": "t"}', headers={"Content-Type": content_type}
    )
    # Then it is a 415 in the error shape, and no session was created
    assert response.status == 415, response.raw_body
    assert response.json()["error"]["type"] == "UnsupportedMediaType"
    assert response.json()["error"]["details"] == {"contentType": content_type}
    assert _no_sessions(api, alice)


@pytest.mark.parametrize(
    "content_type", ["APPLICATION/JSON", "Application/Json; charset=UTF-8", "application/json"]
)
def test_the_json_media_type_is_case_insensitive(
    api: Api, alice: Identity, content_type: str
) -> None:
    # When the JSON media type is spelt in any case
    response = api.call(
        "POST", "/sessions", alice, body='{"title": "t"}', headers={"Content-Type": content_type}
    )
    # Then the body is read as JSON
    assert response.status == 201, response.raw_body
    assert response.json()["title"] == "t"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (DEEP_JSON, "the JSON body nests too deeply"),
        (HUGE_INTEGER, "a number in the JSON body has too many digits"),
    ],
    ids=["nested-1000-deep", "integer-4400-digits"],
)
def test_json_the_parser_cannot_hold_is_a_400_and_nothing_is_written(
    api: Api, alice: Identity, body: str, message: str
) -> None:
    # When the body is JSON that Python's parser refuses with a non-JSON error
    response = api.call("POST", "/sessions", alice, body=body)
    # Then it is a 400 saying why, and no session was created
    assert response.status == 400, response.raw_body
    assert response.json()["error"]["message"] == message
    assert _no_sessions(api, alice)


@pytest.mark.parametrize(
    "body",
    ["!!!not base64", "eyJ0aXRsZSI6ICJ0In0", base64.b64encode(b'\xff\xfe{"title": "t"}').decode()],
    ids=["not-base64", "missing-padding", "not-utf8"],
)
def test_a_base64_body_that_does_not_decode_is_a_400_and_nothing_is_written(
    api: Api, alice: Identity, body: str
) -> None:
    # When API Gateway hands over a base64 body that does not decode to UTF-8 text
    response = _raw_call(alice, body, base64_encoded=True)
    # Then it is a 400 in the error shape, and no session was created
    assert response.status == 400, response.raw_body
    assert response.json()["error"]["message"] == "the body is not valid base64-encoded UTF-8"
    assert _no_sessions(api, alice)


def test_a_base64_body_that_decodes_is_read(api: Api, alice: Identity) -> None:
    # When the body arrives base64-encoded, as API Gateway sends binary media types
    body = base64.b64encode('{"title": "naïve"}'.encode()).decode()
    response = _raw_call(alice, body, base64_encoded=True)
    # Then it is decoded and read as JSON
    assert response.status == 201, response.raw_body
    assert response.json()["title"] == "naïve"


def test_malformed_json_stays_a_422_naming_the_body(api: Api, alice: Identity) -> None:
    response = api.call("POST", "/sessions", alice, body='{"title": ')
    assert response.status == 422, response.raw_body
    assert response.json()["error"]["details"]["fields"][0]["type"] == "json_invalid"
