"""Frames to connections through API Gateway's management API (``@connections``).

:class:`ManagementApiSender` posts with the ``apigatewaymanagementapi`` client
(``post_to_connection``, endpoint ``settings.realtime_endpoint``); a connection API Gateway no
longer knows (``GoneException``, HTTP 410) raises :class:`ConnectionGone`.
:class:`RequestFrames` numbers the frames of one request (``seq``) and splits large ones.
:class:`Pusher` sends one frame to every live connection of a user, deletes the gone ones and
counts ``PushesDelivered`` / ``PushFailures`` (Powertools metrics, the function's ``service``
dimension). A push is best-effort: a failure is logged and counted, never raised, so it cannot
make a stream record retry (and push its other frames twice).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

from strata.realtime.frames import OutgoingBody, envelope, wire_frames
from strata.store.connections import ConnectionRepository

log = logging.getLogger(__name__)


class ConnectionGone(Exception):
    """API Gateway answered 410: the connection is closed."""


class FrameSender(Protocol):
    def send(self, connection_id: str, data: bytes) -> None:
        """Post one wire frame; raises :class:`ConnectionGone` for a closed connection."""
        ...


class ManagementApiSender:
    def __init__(self, client: Any) -> None:
        self._client = client

    def send(self, connection_id: str, data: bytes) -> None:
        from botocore.exceptions import ClientError  # noqa: PLC0415

        try:
            self._client.post_to_connection(ConnectionId=connection_id, Data=data)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code == "GoneException" or status == 410:
                raise ConnectionGone(connection_id) from exc
            raise


class PushMetrics(Protocol):
    def count(self, name: str, value: int) -> None: ...


class PowertoolsPushMetrics:
    """Adds counts to Powertools' process-wide metric set (flushed by the handler's
    ``log_metrics`` with its ``service`` dimension)."""

    def __init__(self) -> None:
        from aws_lambda_powertools import Metrics  # noqa: PLC0415

        self._metrics = Metrics()

    def count(self, name: str, value: int) -> None:
        from aws_lambda_powertools.metrics import MetricUnit  # noqa: PLC0415

        if value:
            self._metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


class RequestFrames:
    """The frames answering one request on one connection, numbered from 0 in send order.

    Once the connection is gone, later frames are dropped (the caller finishes its work: an
    answer is still stored, and a resend of the same ``clientMessageId`` gets it)."""

    def __init__(self, sender: FrameSender, connection_id: str, request_id: str) -> None:
        self._sender = sender
        self.connection_id = connection_id
        self.request_id = request_id
        self.sent = 0
        self.gone = False

    def send(self, body: OutgoingBody) -> None:
        if self.gone:
            return
        frame = envelope(body, self.request_id, self.sent)
        self.sent += 1
        try:
            for data in wire_frames(frame):
                self._sender.send(self.connection_id, data)
        except ConnectionGone:
            self.gone = True


@dataclass(frozen=True)
class PushReport:
    delivered: int = 0
    gone: int = 0
    failed: int = 0


class Pusher:
    """One frame to every live connection of one user (never another user's)."""

    def __init__(
        self, connections: ConnectionRepository, sender: FrameSender, metrics: PushMetrics
    ) -> None:
        self._connections = connections
        self._sender = sender
        self._metrics = metrics

    def push(self, user_id: str, body: OutgoingBody, request_id: str) -> PushReport:
        """1 Query (the user's connections) + 1 POST per connection (+ 1 DeleteItem per gone
        one)."""
        delivered = gone = failed = 0
        frames = wire_frames(envelope(body, request_id, 0))
        for connection in self._connections.for_user(user_id):
            try:
                for data in frames:
                    self._sender.send(connection.connection_id, data)
                delivered += 1
            except ConnectionGone:
                gone += 1
                failed += self._forget(connection.connection_id)
            except Exception:
                failed += 1
                log.exception(
                    "push to a connection failed",
                    extra={"connectionId": connection.connection_id, "frame": body.type},
                )
        self._metrics.count("PushesDelivered", delivered)
        self._metrics.count("PushFailures", failed)
        return PushReport(delivered=delivered, gone=gone, failed=failed)

    def _forget(self, connection_id: str) -> int:
        """Delete a gone connection; a failure (e.g. no permission) is logged and counted as a
        push failure (1), never raised."""
        try:
            self._connections.close(connection_id)
        except Exception:
            log.exception(
                "a gone connection could not be deleted", extra={"connectionId": connection_id}
            )
            return 1
        return 0
