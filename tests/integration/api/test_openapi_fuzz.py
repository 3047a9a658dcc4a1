"""Schemathesis over docs/openapi.json, through the real handler: no client mistake is a 500.

Every documented operation is fuzzed as a regular user and as an administrator, with the checks
``not_a_server_error`` and ``response_schema_conformance`` (a documented status must return the
documented body). Half the generated cases address items seeded beforehand (a group, an
application, a session with a voice session, a document, a memory, a notification), so path
parameters reach existing items as well as missing ones. Generation is derandomized and bounded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from lambdas.api.handler import handler
from tests.integration.api.conftest import Api
from tests.support.api_gateway_wsgi import ApiGatewayWsgi
from tests.support.events import Identity

OPENAPI = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"
METHODS = ("get", "put", "post", "delete", "patch")
EXAMPLES_PER_OPERATION = 8
CHECKS = [not_a_server_error, response_schema_conformance]


@cache
def documented_schema() -> Any:
    """The committed document, loaded once; each test names the application it calls."""
    return schemathesis.openapi.from_path(str(OPENAPI))


def documented_operations() -> list[tuple[str, str]]:
    paths: dict[str, dict[str, Any]] = json.loads(OPENAPI.read_text())["paths"]
    return [
        (method.upper(), path)
        for path, operations in sorted(paths.items())
        for method in METHODS
        if method in operations
    ]


class Seeder:
    """Creates, on demand, the items a path names, so each test seeds only what it addresses."""

    GROUP = "fuzzers"

    def __init__(self, api: Api, role: str) -> None:
        self._api = api
        self._role = role

    @cached_property
    def admin(self) -> Identity:
        return self.caller if self._role == "admin" else self._api.user("ADMIN")

    @cached_property
    def user(self) -> Identity:
        return self.caller if self._role == "user" else self._api.user("GENERAL")

    @cached_property
    def caller(self) -> Identity:
        return self._api.user("ADMIN" if self._role == "admin" else "GENERAL")

    def known_ids(self, names: list[str]) -> dict[str, str]:
        builders: dict[str, Callable[[], str]] = {
            "userId": self._user_id,
            "groupId": lambda: self.group_id,
            "appId": lambda: self.app_id,
            "sessionId": lambda: self.session_id,
            "voiceId": self._voice_id,
            "documentId": self._document_id,
            "memoryId": self._memory_id,
            "notificationId": self._notification_id,
        }
        return {name: builders[name]() for name in names}

    def _created(self, method: str, path: str, who: Identity, body: Any = None) -> Any:
        response = self._api.call(method, path, who, body=body)
        assert response.status in (200, 201), response.raw_body
        return response.json()

    def _user_id(self) -> str:
        # An administrator addresses someone else; a user can only address themselves.
        return self.user.sub if self._role == "admin" else self.caller.sub

    @cached_property
    def group_id(self) -> str:
        self._created("POST", "/groups", self.admin, {"groupId": self.GROUP, "name": "Fuzz"})
        self._created("PUT", f"/groups/{self.GROUP}/members/{self.user.sub}", self.admin, {})
        return self.GROUP

    @cached_property
    def app_id(self) -> str:
        body = {
            "name": "Weather",
            "type": "REST",
            "config": {"endpoint": "https://weather.example.com/v1", "method": "GET"},
        }
        app_id = str(self._created("POST", "/applications", self.admin, body)["appId"])
        self._created("PUT", f"/applications/{app_id}/grants/{self.group_id}", self.admin)
        return app_id

    @cached_property
    def session_id(self) -> str:
        session_id = str(
            self._created("POST", "/sessions", self.caller, {"title": "t"})["sessionId"]
        )
        self._created("POST", f"/sessions/{session_id}/messages", self.caller, {"content": "hi"})
        return session_id

    def _voice_id(self) -> str:
        path = f"/sessions/{self.session_id}/voice"
        return str(
            self._created("POST", path, self.caller, {"novaSonicSessionId": "n-1"})[
                "voiceSessionId"
            ]
        )

    def _document_id(self) -> str:
        body = {"fileName": "notes.txt", "fileType": "text/plain", "fileSize": 12}
        return str(self._created("POST", "/documents", self.caller, body)["document"]["documentId"])

    def _memory_id(self) -> str:
        body = {"type": "FACT", "content": "likes tea"}
        return str(self._created("POST", "/memories", self.caller, body)["memoryId"])

    def _notification_id(self) -> str:
        note = {"title": "Hi", "message": "hello", "userId": self.caller.sub}
        self._created("POST", "/admin/notifications", self.admin, note)
        items = self._created("GET", "/notifications", self.caller)["items"]
        return str(items[0]["notificationId"])


@pytest.mark.parametrize("role", ["user", "admin"])
@pytest.mark.parametrize(("method", "path"), documented_operations())
def test_no_documented_operation_answers_with_a_server_error(
    api: Api, role: str, method: str, path: str
) -> None:
    # Given the documented API served by the real handler, and the items its path can name
    seeder = Seeder(api, role)
    known_ids = seeder.known_ids(re.findall(r"{(\w+)}", path))
    served = ApiGatewayWsgi(handler, identity=seeder.caller)
    operation = documented_schema()[path][method]

    # When schemathesis sends generated requests, half of them naming existing items
    @given(case=operation.as_strategy(), use_known_ids=st.booleans())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def exercise(case: Any, use_known_ids: bool) -> None:
        if use_known_ids and case.path_parameters:
            for name in case.path_parameters:
                if name in known_ids:
                    case.path_parameters[name] = known_ids[name]
        # Then no answer is a server error, and documented statuses return documented bodies
        case.call_and_validate(checks=CHECKS, app=served)

    exercise()


MULTIPART = '--b\r\nContent-Disposition: form-data; name="title"\r\n\r\nt\r\n--b--\r\n'
DEEP_JSON = '{"a": ' + "[" * 1000 + "]" * 1000 + "}"
HUGE_INTEGER = '{"n": ' + "7" * 4400 + "}"
# (media type sent, raw body, whether it is handed over as base64 text, the status expected)
MALFORMED_BODIES = {
    "text-plain": ("text/plain", '{"title": "t"}', False, 415),
    "application-xml": ("application/xml", "<title>t</title>", False, 415),
    "any-media-type": ("*/*", '{"title": "t"}', False, 415),
    # forms: Powertools would parse them into the body model (a multipart body made a session)
    "form-urlencoded": ("application/x-www-form-urlencoded", "title=t&name=n", False, 415),
    "multipart": ("multipart/form-data; boundary=b", MULTIPART, False, 415),
    "deep-json": ("application/json", DEEP_JSON, False, 400),
    "huge-integer": ("APPLICATION/JSON", HUGE_INTEGER, False, 400),
    "bad-base64": ("application/json", "!!!not base64", True, 400),
}


def operations_with_a_body() -> list[tuple[str, str]]:
    paths: dict[str, dict[str, Any]] = json.loads(OPENAPI.read_text())["paths"]
    return [
        (method, path)
        for method, path in documented_operations()
        if "requestBody" in paths[path][method.lower()]
    ]


@pytest.mark.parametrize(("method", "path"), operations_with_a_body())
def test_malformed_bodies_are_client_errors_on_every_operation_with_a_body(
    api: Api, method: str, path: str
) -> None:
    # Given an operation that reads a body, called by an administrator (allowed everywhere)
    caller = api.user("ADMIN")
    operation = documented_schema()[path][method.lower()]
    parameters = dict.fromkeys(re.findall(r"{(\w+)}", path), "missing-item")
    for malformed, (media_type, raw, as_base64, expected) in MALFORMED_BODIES.items():
        served = ApiGatewayWsgi(handler, identity=caller, base64_bodies=as_base64)
        # When schemathesis sends each explicit example
        case = operation.Case(
            path_parameters=parameters,
            headers={"Content-Type": media_type},
            body=raw.encode(),
            media_type="application/octet-stream",
        )
        response = case.call(app=served)
        # Then it is the expected client error in the error shape, never a server error
        assert response.status_code == expected, (malformed, response.text[:300])
        assert set(response.json()["error"]) == {"type", "message", "details"}
        case.validate_response(response, checks=[not_a_server_error])
