"""The local WebSocket API: ``ws://127.0.0.1:<port>/ws?token=<idToken>`` and its management API.

:class:`LocalWebSocketApi` does what API Gateway's WebSocket API does for the ``realtime``
function: on an upgrade it invokes ``$connect`` with the query string and headers (a refusal
answers the handshake with the function's status, e.g. 401); each text frame becomes a MESSAGE
event on the route its ``action`` selects (``$request.body.action``: ``sendMessage``, ``ping``,
else ``$default``); a closed socket invokes ``$disconnect``. Connection ids look like API
Gateway's (base64, ``=`` padded).

The management API (``@connections``) is served under :data:`MANAGEMENT_PATH` on the same port,
so the real boto3 ``apigatewaymanagementapi`` client reaches it with ``endpoint_url`` =
``STRATA_REALTIME_ENDPOINT``: ``POST`` sends the body as one text frame, ``GET`` describes the
connection, ``DELETE`` closes it; an unknown id answers 410 ``GoneException``. Like
``/_local/vectors`` it is local-only and unauthenticated (loopback; in AWS it is IAM-signed).
"""

from __future__ import annotations

import base64
import logging
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from anyio import to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from local.events import websocket_event
from local.functions import Function

log = logging.getLogger("local.realtime")

WEBSOCKET_PATH = "/ws"
MANAGEMENT_PATH = "/_local/realtime"
# API Gateway closes a connection whose $connect was refused before it is accepted; a client
# sees the handshake fail with the function's status. Frames above 128 KB close it with 1009,
# binary frames with 1003.
MESSAGE_TOO_BIG = 1009
UNSUPPORTED_DATA = 1003
MAX_MESSAGE_BYTES = 128 * 1024


class _DenialIsNotAnError(logging.Filter):
    """uvicorn logs "returned without completing handshake" after a denial response (a refused
    ``$connect`` answered 401): that is the intended outcome, not an error."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "without completing handshake" not in record.getMessage()


@dataclass
class _Live:
    socket: WebSocket
    connected_at: float
    last_active_at: float
    source_ip: str
    user_agent: str


def new_connection_id() -> str:
    """Like API Gateway's: 12 random bytes in base64 (``d5hfJcGIIAMCFXQ=``), URL-safe."""
    raw = secrets.token_bytes(11)
    return base64.urlsafe_b64encode(raw).decode()


class LocalWebSocketApi:
    def __init__(self, function: Function, *, stage: str = "local") -> None:
        self._function = function
        self._stage = stage
        self._live: dict[str, _Live] = {}
        logging.getLogger("uvicorn.error").addFilter(_DenialIsNotAnError())

    @property
    def connection_ids(self) -> list[str]:
        return list(self._live)

    def routes(self) -> Sequence[BaseRoute]:
        return [
            WebSocketRoute(WEBSOCKET_PATH, self.serve),
            Route(
                f"{MANAGEMENT_PATH}/@connections/{{connection_id:path}}",
                self.manage,
                methods=["POST", "GET", "DELETE"],
            ),
        ]

    async def _invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        response = await to_thread.run_sync(self._function.invoke, event)
        return dict(response or {})

    async def serve(self, websocket: WebSocket) -> None:
        connection_id = new_connection_id()
        client = websocket.client.host if websocket.client else "127.0.0.1"
        agent = websocket.headers.get("user-agent", "")
        connected_at = time.time()
        event = websocket_event(
            "CONNECT",
            connection_id,
            query=dict(websocket.query_params),
            headers={name.title(): value for name, value in websocket.headers.items()},
            connected_at=int(connected_at * 1000),
            stage=self._stage,
            source_ip=client,
            user_agent=agent,
        )
        try:
            response = await self._invoke(event)
        except Exception:
            log.exception("$connect failed")
            response = {"statusCode": 500}
        status = int(response.get("statusCode", 500))
        if status != 200:
            log.info("ws connect refused (%d)", status)
            await websocket.send_denial_response(
                JSONResponse(
                    {"message": "Unauthorized" if status in (401, 403) else "Error"}, status
                )
            )
            return
        await websocket.accept()
        self._live[connection_id] = _Live(websocket, connected_at, connected_at, client, agent)
        log.info("ws %s connected", connection_id)
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                body = message.get("text")
                if body is None:
                    # API Gateway refuses binary frames and disconnects the client with 1003.
                    await websocket.close(code=UNSUPPORTED_DATA)
                    break
                if len(body.encode()) > MAX_MESSAGE_BYTES:
                    await websocket.close(code=MESSAGE_TOO_BIG)
                    break
                self._live[connection_id].last_active_at = time.time()
                try:
                    await self._invoke(
                        websocket_event(
                            "MESSAGE",
                            connection_id,
                            body=body,
                            connected_at=int(connected_at * 1000),
                            stage=self._stage,
                            source_ip=client,
                            user_agent=agent,
                        )
                    )
                except Exception:
                    # API Gateway answers a failed integration with this frame.
                    log.exception("ws %s: the function failed", connection_id)
                    await _send(websocket, '{"message": "Internal server error"}')
        except WebSocketDisconnect:
            pass
        finally:
            self._live.pop(connection_id, None)
            log.info("ws %s disconnected", connection_id)
            try:
                await self._invoke(websocket_event("DISCONNECT", connection_id, stage=self._stage))
            except Exception:
                log.exception("$disconnect failed")

    async def manage(self, request: Request) -> Response:
        connection_id = request.path_params["connection_id"]
        live = self._live.get(connection_id)
        if live is None:
            return JSONResponse(
                {"message": "Gone"}, status_code=410, headers={"x-amzn-ErrorType": "GoneException"}
            )
        if request.method == "POST":
            data = await request.body()
            if len(data) > MAX_MESSAGE_BYTES:
                return JSONResponse(
                    {"message": "the data is larger than 128 KB"},
                    status_code=413,
                    headers={"x-amzn-ErrorType": "PayloadTooLargeException"},
                )
            if not await _send(live.socket, data.decode("utf-8", "replace")):
                self._live.pop(connection_id, None)
                return JSONResponse(
                    {"message": "Gone"},
                    status_code=410,
                    headers={"x-amzn-ErrorType": "GoneException"},
                )
            return Response(status_code=200)
        if request.method == "GET":
            return JSONResponse(
                {
                    "connectedAt": _iso(live.connected_at),
                    "lastActiveAt": _iso(live.last_active_at),
                    "identity": {"sourceIp": live.source_ip, "userAgent": live.user_agent},
                }
            )
        self._live.pop(connection_id, None)
        await live.socket.close(code=1000)
        return Response(status_code=204)


async def _send(websocket: WebSocket, text: str) -> bool:
    try:
        await websocket.send_text(text)
    except (WebSocketDisconnect, RuntimeError, OSError):
        return False
    return True


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))
