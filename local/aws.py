"""The emulated AWS services: moto's server app, in this process, on 127.0.0.1 only.

moto's WSGI app serves every service on one port (DynamoDB with its streams, S3, SQS, Cognito,
SSM, ...). :class:`~local.s3_policy.PostPolicyGuard` wraps it so browser-style S3 POST uploads
are checked against their policy first.
"""

from __future__ import annotations

import logging
import threading
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
from local.s3_policy import PostPolicyGuard

CLIENT_CONFIG = Config(
    signature_version="s3v4",
    retries={"mode": "standard", "max_attempts": 3},
    connect_timeout=5,
    read_timeout=60,
)


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
        app = PostPolicyGuard(
            DomainDispatcherApplication(create_backend_app), {ACCESS_KEY_ID: SECRET_ACCESS_KEY}
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
