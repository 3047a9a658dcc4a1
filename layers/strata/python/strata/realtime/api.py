"""One WebSocket API Gateway event -> the realtime services -> the integration's response.

Routes (``requestContext.routeKey``): ``$connect`` (query ``token``: a Cognito ID token; without
a valid one the answer is 401 and API Gateway refuses the connection), ``$disconnect``,
``sendMessage``, ``ping`` and ``$default`` (a frame whose ``action`` names no route: answered
with an ``error`` frame). Frames go back through the management API, never in the integration
response, so every answer is numbered and ordered the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from strata.errors import StrataError, Unauthorized
from strata.realtime.frames import ErrorFrame, Ping, parse_incoming
from strata.realtime.service import ConnectionService, RealtimeChat

log = logging.getLogger(__name__)

OK: dict[str, Any] = {"statusCode": 200}


class RealtimeApi:
    def __init__(self, connections: ConnectionService, chat: RealtimeChat) -> None:
        self._connections = connections
        self._chat = chat

    def handle(self, event: Mapping[str, Any]) -> dict[str, Any]:
        context = event.get("requestContext") or {}
        route = str(context.get("routeKey", ""))
        connection_id = str(context.get("connectionId", ""))
        if route == "$connect":
            return self._connect(event, connection_id)
        if route == "$disconnect":
            self._connections.disconnect(connection_id)
            return OK
        request_id = str(context.get("requestId") or context.get("messageId") or "request")
        try:
            frame = parse_incoming(event.get("body"))
        except StrataError as exc:
            self._chat.reject(connection_id, request_id, exc)
            return OK
        request_id = frame.requestId or request_id
        try:
            if isinstance(frame, Ping):
                self._chat.ping(connection_id, request_id)
            else:
                self._chat.send_message(connection_id, request_id, frame)
        except Exception:
            log.exception("the frame failed", extra={"route": route, "action": frame.action})
            self._chat.frames(connection_id, request_id).send(
                ErrorFrame(code="InternalError", message="the request failed; try again")
            )
            raise
        return OK

    def _connect(self, event: Mapping[str, Any], connection_id: str) -> dict[str, Any]:
        query = event.get("queryStringParameters") or {}
        headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
        identity = (event.get("requestContext") or {}).get("identity") or {}
        agent = headers.get("user-agent") or identity.get("userAgent")
        try:
            user_id = self._connections.connect(connection_id, query.get("token"), agent)
        except Unauthorized as exc:
            log.info("connection refused", extra={"reason": exc.message, **exc.details})
            return {"statusCode": 401, "body": "Unauthorized"}
        log.info("connected", extra={"connectionId": connection_id, "userId": user_id})
        return OK
