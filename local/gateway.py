"""The local API Gateway: an ASGI app (Starlette, served by uvicorn) on 127.0.0.1.

Every request outside the local-only routes becomes an API Gateway REST proxy event for the
``api`` function, after the Cognito authorizer's check (:class:`~local.auth.TokenVerifier`):
``/health``, ``/openapi.json`` and ``/swagger`` are public, everything else needs a valid ID token
or gets the 401 the deployed API's gateway response renders (``infra/constructs/api_gateway.py``):
``{"error": {"type": "Unauthorized", "message": "Unauthorized", "details": {"requestId"}}}``,
with ``Access-Control-Allow-Origin: *``. A body that is not UTF-8 is handed to the function
base64-encoded, as a binary payload, so the function refuses it (400) instead of storing it with
replacement characters.

Local-only routes, never in the OpenAPI document: ``POST /auth/signup``, ``POST /auth/login``
(the hosted sign-in pages' stand-ins) and ``/_local/vectors/...`` (:mod:`local.vectors`).

Adding a WebSocket API on the same port: pass ``extra_routes=[WebSocketRoute("/ws", endpoint)]``
to :func:`build_gateway` (``starlette.routing.WebSocketRoute``; the endpoint receives a
``starlette.websockets.WebSocket``). Extra routes are matched before the catch-all proxy, and
:meth:`Gateway.claims_for` verifies a token (e.g. from the ``?token=`` query of a ``$connect``)
the way the HTTP authorizer does. uvicorn serves WebSocket with the pinned ``websockets``.
"""

from __future__ import annotations

import base64
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from anyio import to_thread
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError
from starlette.applications import Starlette
from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from local.auth import AccountError, Accounts, TokenVerifier, Unauthenticated
from local.events import proxy_event, proxy_response, render_claims
from local.functions import Function

log = logging.getLogger("local.gateway")

PUBLIC_PATHS = frozenset({"/health", "/openapi.json", "/swagger"})
# Not logged per request: the WebSocket management API posts one request per frame.
QUIET_PREFIXES = ("/_local/realtime/",)
_HOP_BY_HOP = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive"})
_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class SignUp(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    password: str = Field(min_length=1, max_length=256)


class LogIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=256)


class Gateway:
    """Turns HTTP requests into proxy events for ``api`` and its responses back."""

    def __init__(
        self,
        api: Function,
        verifier: TokenVerifier,
        accounts: Accounts,
        *,
        stage: str = "local",
        on_write: Callable[[], None] = lambda: None,
    ) -> None:
        self._api = api
        self._verifier = verifier
        self._accounts = accounts
        self._stage = stage
        self._on_write = on_write

    def claims_for(self, authorization: str | None) -> dict[str, Any]:
        """Verified claims of a token, or :class:`~local.auth.Unauthenticated`."""
        return self._verifier.verify(authorization)

    async def proxy(self, request: Request) -> Response:
        claims: dict[str, Any] | None = None
        path = request.url.path
        if path not in PUBLIC_PATHS and request.method != "OPTIONS":
            try:
                claims = await to_thread.run_sync(
                    self.claims_for, request.headers.get("authorization")
                )
            except Unauthenticated as exc:
                log.debug("401 for %s %s: %s", request.method, path, exc)
                return unauthorized_response()
            request.scope.setdefault("state", {})["user"] = claims.get("email") or claims["sub"]
        raw = await request.body()
        query: dict[str, list[str]] = {}
        for name, value in request.query_params.multi_items():
            query.setdefault(name, []).append(value)
        headers = {
            name.title(): value
            for name, value in request.headers.items()
            if name.lower() not in _HOP_BY_HOP
        }
        body, is_base64 = proxy_body(raw)
        event = proxy_event(
            request.method,
            path,
            query=query,
            headers=headers,
            body=body,
            is_base64=is_base64,
            claims=render_claims(claims) if claims is not None else None,
            stage=self._stage,
            source_ip=request.client.host if request.client else "127.0.0.1",
            user_agent=request.headers.get("user-agent", ""),
        )
        result = proxy_response(await to_thread.run_sync(self._api.invoke, event))
        if request.method not in ("GET", "HEAD", "OPTIONS") and result.status < 400:
            self._on_write()
        return Response(
            content=result.body,
            status_code=result.status,
            headers=_single_headers(result.headers),
        )

    async def sign_up(self, request: Request) -> Response:
        try:
            data = SignUp.model_validate(await _json(request))
            sub = await to_thread.run_sync(self._accounts.sign_up, data.email, data.password)
        except _BadInput as exc:
            return _bad_request(str(exc))
        except PydanticValidationError as exc:
            return _bad_request(_describe(exc))
        except AccountError as exc:
            return JSONResponse({"error": exc.code, "message": exc.message}, exc.status)
        request.scope.setdefault("state", {})["user"] = data.email
        self._on_write()
        return JSONResponse(
            {"userSub": sub, "email": data.email, "confirmed": True}, status_code=201
        )

    async def log_in(self, request: Request) -> Response:
        try:
            data = LogIn.model_validate(await _json(request))
            tokens = await to_thread.run_sync(self._accounts.log_in, data.username, data.password)
        except _BadInput as exc:
            return _bad_request(str(exc))
        except PydanticValidationError as exc:
            return _bad_request(_describe(exc))
        except AccountError as exc:
            return JSONResponse({"error": exc.code, "message": exc.message}, exc.status)
        request.scope.setdefault("state", {})["user"] = data.username
        self._on_write()
        return JSONResponse(tokens.__dict__)


def unauthorized_response() -> Response:
    """The deployed API's ``UNAUTHORIZED`` gateway response: the API's error shape."""
    body = {
        "error": {
            "type": "Unauthorized",
            "message": "Unauthorized",
            "details": {"requestId": str(uuid.uuid4())},
        }
    }
    return JSONResponse(body, status_code=401, headers={"Access-Control-Allow-Origin": "*"})


def proxy_body(raw: bytes) -> tuple[str | None, bool]:
    """The event's ``body`` and ``isBase64Encoded`` for the bytes a client sent: UTF-8 text as
    is, anything else base64-encoded (the function decodes it strictly and refuses it)."""
    if not raw:
        return None, False
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(raw).decode("ascii"), True


class _BadInput(Exception):
    pass


async def _json(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except ValueError as exc:
        raise _BadInput("the body must be a JSON object") from exc


def _bad_request(message: str) -> Response:
    return JSONResponse({"error": "InvalidParameterException", "message": message}, 400)


def _describe(exc: PydanticValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}" for err in exc.errors()
    )


def _single_headers(pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in pairs:
        if name.lower() in _HOP_BY_HOP:
            continue
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


class RequestLog:
    """ASGI middleware: one line per HTTP request (method, path, status, ms, user)."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope["path"]).startswith(QUIET_PREFIXES):
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self._app(scope, receive, capture)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            user = scope.get("state", {}).get("user", "-")
            log.info("%s %s %d %.0fms %s", scope["method"], scope["path"], status, elapsed, user)


def build_gateway(
    gateway: Gateway,
    *,
    local_routes: Sequence[BaseRoute] = (),
    extra_routes: Sequence[BaseRoute] = (),
) -> ASGIApp:
    """The ASGI app: sign-in stand-ins, local-only routes, extra routes (e.g. ``/ws``), then
    the catch-all proxy to ``api``; every HTTP request logged by :class:`RequestLog`."""
    routes: list[BaseRoute] = [
        Route("/auth/signup", gateway.sign_up, methods=["POST"]),
        Route("/auth/login", gateway.log_in, methods=["POST"]),
        *local_routes,
        *extra_routes,
        proxy_route(gateway.proxy),
    ]
    return RequestLog(Starlette(routes=routes))


class _AnyPath(Convertor[str]):
    """Any path, line breaks included: Starlette's ``path`` convertor stops at a line break
    (``%0A`` in a path parameter), and its router then answers a plain-text 404 of its own,
    which API Gateway never sends: its ``{proxy+}`` hands every path to the function."""

    regex = "(?s:.*)"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


def proxy_route(endpoint: Callable[[Request], Awaitable[Response]]) -> Route:
    """The catch-all route to the api function, for every path and method."""
    register_url_convertor("anypath", _AnyPath())
    return Route("/{path:anypath}", endpoint, methods=_ALL_METHODS)
