"""The emulated AWS services: moto's server app, in this process, on 127.0.0.1 only.

moto's WSGI app serves every service on one port (DynamoDB with its streams, S3, SQS, Cognito,
SSM, ...). :class:`~local.s3_policy.PostPolicyGuard` wraps it so browser-style S3 POST uploads
are checked against their policy first.
"""

from __future__ import annotations

import io
import json
import logging
import threading
import time
from typing import Any

import boto3
from botocore.config import Config
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server

from local.config import ACCESS_KEY_ID, SECRET_ACCESS_KEY
from local.events import REGION
from local.moto_memory import StreamIterators, untrack_models
from local.s3_policy import PostPolicyGuard

CLIENT_CONFIG = Config(
    signature_version="s3v4",
    retries={"mode": "standard", "max_attempts": 3},
    connect_timeout=5,
    read_timeout=60,
)


# DynamoDB and its streams, by the X-Amz-Target of their JSON protocol.
_DYNAMODB_TARGETS = ("DynamoDB_", "DynamoDBStreams_")


class SerializedDynamoDB:
    """WSGI middleware: one DynamoDB request at a time, and idempotent transactions.

    moto's DynamoDB backend is not thread-safe. A transaction deep-copies the table first and
    puts the copy back when anything goes wrong, so a write made meanwhile by another thread
    (the api, the streams pump, the realtime function all write at once here) is lost, and an
    iteration racing a write fails with "dictionary changed size during iteration". DynamoDB
    requests are short in moto (no long polls), so serializing them costs little.

    moto also ignores ``TransactWriteItems``' ``ClientRequestToken`` (botocore fills one in and
    keeps it across its retries): a transaction whose response came too late for the client's
    read timeout was retried and failed on its own writes. As DynamoDB does for 10 minutes, a
    token seen before answers the first success again without writing.

    After each DynamoDB Streams request, moto's shard iterators are tidied
    (:class:`~local.moto_memory.StreamIterators`): moto keeps them all, forever.
    """

    TOKEN_SECONDS = 600.0

    def __init__(self, app: Any) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._done: dict[str, tuple[float, str, list[tuple[str, str]], bytes]] = {}
        self.iterators = StreamIterators()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        if not target.startswith(_DYNAMODB_TARGETS):
            return self._app(environ, start_response)
        with self._lock:
            if target.endswith(".TransactWriteItems"):
                return self._transaction(environ, start_response)
            answer = list(self._app(environ, start_response))
            if target.startswith("DynamoDBStreams_"):
                self.iterators.tidy()
            return answer

    def _transaction(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        try:
            token = str(json.loads(body or b"{}").get("ClientRequestToken") or "")
        except ValueError:
            token = ""
        now = time.monotonic()
        self._done = {k: v for k, v in self._done.items() if now - v[0] < self.TOKEN_SECONDS}
        if token in self._done:
            _, status, headers, answer = self._done[token]
            start_response(status, headers)
            return [answer]
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
            captured.update(status=status, headers=headers)
            return start_response(status, headers, *args)

        answer = b"".join(self._app(environ, capture))
        if token and str(captured.get("status", "")).startswith("200"):
            self._done[token] = (now, captured["status"], captured["headers"], answer)
        return [answer]


class EmulatedAws:
    """moto on ``127.0.0.1:<port>`` (0: a free port), started in a daemon thread."""

    def __init__(self, port: int = 0) -> None:
        self._requested_port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the emulator is not started")
        return int(self._server.server_port)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> EmulatedAws:
        # werkzeug logs every request at INFO; the gateway logs the requests that matter.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        untrack_models()
        app = SerializedDynamoDB(
            PostPolicyGuard(
                DomainDispatcherApplication(create_backend_app),
                {ACCESS_KEY_ID: SECRET_ACCESS_KEY},
            )
        )
        self._server = make_server(
            "127.0.0.1",
            self._requested_port,
            app,
            threaded=True,
            request_handler=MotoRequestHandler,
        )
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def client(self, service: str) -> Any:
        """One client per service (boto3 clients are thread-safe; building one is not cheap)."""
        with self._clients_lock:
            if service not in self._clients:
                self._clients[service] = boto3.client(
                    service,
                    endpoint_url=self.endpoint,
                    region_name=REGION,
                    aws_access_key_id=ACCESS_KEY_ID,
                    aws_secret_access_key=SECRET_ACCESS_KEY,
                    config=CLIENT_CONFIG,
                )
            return self._clients[service]
