"""A WSGI application that serves a REST API proxy handler in process, like API Gateway would.

Each HTTP request becomes an API Gateway REST (v1) proxy event built by
:func:`tests.support.events.api_event` (itself :func:`local.events.proxy_event`, as the local
gateway builds them), carrying the Cognito claims of a fixed caller (what the
user pool authorizer would have verified); the handler's proxy response becomes the HTTP
response. HTTP clients that speak WSGI (werkzeug's test client, schemathesis) can then exercise
the real handler without a network.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from local.events import proxy_response
from tests.support.events import Identity, LambdaContextStub, api_event

ProxyHandler = Callable[[dict[str, Any], Any], Mapping[str, Any]]
StartResponse = Callable[[str, list[tuple[str, str]]], Any]

# Headers API Gateway computes itself or that WSGI carries outside HTTP_* keys.
_HOP_BY_HOP = frozenset({"content-length", "transfer-encoding", "connection"})


@dataclass
class ApiGatewayWsgi:
    """Serve ``handler`` over WSGI as ``identity`` (``None``: requests carry no claims).

    With ``base64_bodies`` a request body is handed over as the base64 text API Gateway makes of
    a binary media type's body: the client sends that text itself (``isBase64Encoded`` is set),
    so a test can also send text that does not decode.
    """

    handler: ProxyHandler
    identity: Identity | None = None
    stage: str = "dev"
    events: list[dict[str, Any]] = field(default_factory=list, repr=False)
    keep_events: bool = False
    base64_bodies: bool = False

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        event = self.event_for(environ)
        if self.keep_events:
            self.events.append(event)
        response = proxy_response(self.handler(event, LambdaContextStub()))
        start_response(f"{response.status} {response.reason}", response.headers)
        return [response.body]

    def event_for(self, environ: Mapping[str, Any]) -> dict[str, Any]:
        """The proxy event API Gateway would send for this WSGI request."""
        method = str(environ["REQUEST_METHOD"])
        # PEP 3333 hands the decoded path over as latin-1 text; API Gateway decodes it as UTF-8.
        path = str(environ.get("PATH_INFO") or "/").encode("latin-1").decode("utf-8", "replace")
        query: dict[str, list[str]] = {}
        for name, value in parse_qsl(str(environ.get("QUERY_STRING") or ""), True):
            query.setdefault(name, []).append(value)
        raw = _read_body(environ)
        body = raw.decode("utf-8", "replace") if raw else None
        event = api_event(
            method,
            path or "/",
            identity=self.identity,
            body=body,
            query=query,
            headers=_request_headers(environ),
            stage=self.stage,
        )
        event["isBase64Encoded"] = self.base64_bodies and body is not None
        return event


def _request_headers(environ: Mapping[str, Any]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:].replace("_", "-").title()
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            name = key.replace("_", "-").title()
        else:
            continue
        if name.lower() not in _HOP_BY_HOP and value != "":
            headers[name] = str(value)
    return headers


def _read_body(environ: Mapping[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ.get("wsgi.input")
    if stream is None or length <= 0:
        return b""
    data = stream.read(length)
    return bytes(data)
