"""What AWS hands a function: API Gateway REST proxy events (and their responses), Lambda
context objects, and the claims a Cognito authorizer forwards.

The local gateway and the tests (``tests/support``) build every proxy event here, so the two
cannot disagree on its shape.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Literal

GroupsStyle = Literal["bracketed", "comma", "list"]

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"


def render_claims(
    claims: Mapping[str, Any], groups_style: GroupsStyle = "bracketed"
) -> dict[str, Any]:
    """Claims the way a REST API's Cognito authorizer forwards them: every value a string, and a
    list claim such as ``cognito:groups`` as ``"[ADMIN, GENERAL]"`` (or ``comma``/``list``)."""
    rendered: dict[str, Any] = {}
    for name, value in claims.items():
        if isinstance(value, list | tuple):
            items = [str(item) for item in value]
            if groups_style == "bracketed":
                rendered[name] = "[" + ", ".join(items) + "]"
            elif groups_style == "comma":
                rendered[name] = ",".join(items)
            else:
                rendered[name] = items
        elif isinstance(value, bool):
            rendered[name] = "true" if value else "false"
        else:
            rendered[name] = str(value)
    return rendered


def proxy_event(
    method: str,
    path: str,
    *,
    query: Mapping[str, Iterable[str]] | None = None,
    headers: Mapping[str, str] | None = None,
    body: str | None = None,
    is_base64: bool = False,
    claims: Mapping[str, Any] | None = None,
    stage: str = "dev",
    source_ip: str = "192.0.2.10",
    user_agent: str = "strata-local",
) -> dict[str, Any]:
    """A REST (v1) proxy event through a ``{proxy+}`` resource; ``claims`` as already rendered
    (see :func:`render_claims`), ``None`` for a request the authorizer did not see."""
    params = {name: [str(v) for v in values] for name, values in (query or {}).items()}
    all_headers = dict(headers or {})
    authorizer: dict[str, Any] | None = {"claims": dict(claims)} if claims is not None else None
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method.upper(),
        "headers": all_headers,
        "multiValueHeaders": {name: [value] for name, value in all_headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in params.items() if v} or None,
        "multiValueQueryStringParameters": params or None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": "strata-local",
            "authorizer": authorizer,
            "httpMethod": method.upper(),
            "identity": {"sourceIp": source_ip, "userAgent": user_agent},
            "path": f"/{stage}{path}",
            "protocol": "HTTP/1.1",
            "requestId": str(uuid.uuid4()),
            "requestTimeEpoch": int(time.time() * 1000),
            "resourcePath": "/{proxy+}",
            "stage": stage,
        },
        "body": body,
        "isBase64Encoded": is_base64,
    }


WebSocketEventType = Literal["CONNECT", "DISCONNECT", "MESSAGE"]
WEBSOCKET_ROUTES = ("sendMessage", "ping")


def websocket_route(body: str | None) -> str:
    """The route API Gateway selects for a frame (``$request.body.action``): the action when a
    route has that key, else ``$default``."""
    try:
        action = json.loads(body or "").get("action")
    except (ValueError, AttributeError, RecursionError):
        return "$default"
    return action if action in WEBSOCKET_ROUTES else "$default"


def websocket_event(
    event_type: WebSocketEventType,
    connection_id: str,
    *,
    body: str | None = None,
    query: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    connected_at: int | None = None,
    stage: str = "local",
    domain: str = "127.0.0.1",
    source_ip: str = "127.0.0.1",
    user_agent: str = "strata-local",
) -> dict[str, Any]:
    """A WebSocket API event for a Lambda proxy integration: ``$connect`` carries headers and
    the query string, ``$disconnect`` neither, a message its ``body`` and selected route."""
    route = {"CONNECT": "$connect", "DISCONNECT": "$disconnect"}.get(event_type)
    now = int(time.time() * 1000)
    context: dict[str, Any] = {
        "routeKey": route or websocket_route(body),
        "eventType": event_type,
        "extendedRequestId": str(uuid.uuid4()),
        "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
        "messageDirection": "IN",
        "stage": stage,
        "connectedAt": connected_at or now,
        "requestTimeEpoch": now,
        "identity": {"sourceIp": source_ip, "userAgent": user_agent},
        "requestId": uuid.uuid4().hex,
        "domainName": domain,
        "connectionId": connection_id,
        "apiId": "strata-local",
    }
    event: dict[str, Any] = {"requestContext": context, "isBase64Encoded": False}
    if event_type == "CONNECT":
        all_headers = dict(headers or {})
        event["headers"] = all_headers
        event["multiValueHeaders"] = {name: [value] for name, value in all_headers.items()}
        event["queryStringParameters"] = dict(query) if query else None
        event["multiValueQueryStringParameters"] = (
            {name: [value] for name, value in query.items()} if query else None
        )
    elif event_type == "MESSAGE":
        context["messageId"] = uuid.uuid4().hex
        event["body"] = body
    return event


@dataclass(frozen=True)
class ProxyResponse:
    """A proxy integration response, ready to send over HTTP."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    @property
    def reason(self) -> str:
        return status_phrase(self.status)

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def proxy_response(response: Mapping[str, Any]) -> ProxyResponse:
    """The HTTP response API Gateway makes of a function's proxy response."""
    pairs: list[tuple[str, str]] = []
    multi = response.get("multiValueHeaders") or {}
    for name, values in multi.items():
        pairs.extend((str(name), str(value)) for value in values)
    for name, value in (response.get("headers") or {}).items():
        if name not in multi:
            pairs.append((str(name), str(value)))
    raw = response.get("body") or ""
    body = base64.b64decode(raw) if response.get("isBase64Encoded") else str(raw).encode("utf-8")
    return ProxyResponse(int(response["statusCode"]), pairs, body)


def status_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


@dataclass
class LambdaContext:
    """The attributes of a Lambda context object that Powertools reads."""

    function_name: str = "strata-local-api"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:strata-local-api"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    timeout_seconds: int = 30
    _started: float = field(default_factory=time.monotonic, repr=False)

    @classmethod
    def for_function(cls, name: str, timeout_seconds: int = 30) -> LambdaContext:
        return cls(
            function_name=name,
            invoked_function_arn=f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}",
            timeout_seconds=timeout_seconds,
        )

    def get_remaining_time_in_millis(self) -> int:
        elapsed = time.monotonic() - self._started
        return max(0, int((self.timeout_seconds - elapsed) * 1000))
