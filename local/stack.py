"""The whole platform in one process: emulator, resources, saved state, functions, pumps, gateway.

:meth:`LocalStack.start` brings everything up (the caller then serves :attr:`LocalStack.app`
with uvicorn); :meth:`LocalStack.stop` stops the pumps after handling what is already queued,
saves the state, stops the emulator and removes ``runtime.json``.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import string
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from infra.names import OUTPUTS, Output
from local.auth import Accounts, TokenVerifier, issuer_of
from local.aws import EmulatedAws
from local.config import (
    ADMIN_EMAIL,
    LocalConfig,
    Resources,
    apply_environment,
    handler_environment,
)
from local.functions import API, COGNITO, INGEST, MAINTENANCE, REALTIME, STREAMS, Function
from local.gateway import Gateway, build_gateway
from local.provision import provision, subscribe_uploads
from local.pumps import Pump, QueuePump, Schedule, StreamPump
from local.realtime import LocalWebSocketApi
from local.state import StateStore
from local.vectors import vector_routes

log = logging.getLogger("local")

DRAIN_SECONDS = 20.0


@dataclass
class StartReport:
    seconds: float = 0.0
    restored: bool = False
    admin_password: str | None = None  # set when the banner must show it
    missing: list[Function] = field(default_factory=list)


class LocalStack:
    def __init__(self, config: LocalConfig) -> None:
        self.config = config
        self.report = StartReport()
        self._store = StateStore(config.state_dir)
        self._aws: EmulatedAws | None = None
        self._resources: Resources | None = None
        self._pumps: list[Pump] = []
        self._secrets: dict[str, str] = {}
        self._dirty = threading.Event()
        self._stopping = threading.Event()
        self._saver: threading.Thread | None = None
        self._save_lock = threading.Lock()
        self._index: Any = None
        self._started = False
        self.app: Any = None

    @property
    def resources(self) -> Resources:
        if self._resources is None:
            raise RuntimeError("the local stack is not started")
        return self._resources

    # Start -------------------------------------------------------------------------------------

    def start(self) -> StartReport:
        started = time.monotonic()
        config = self.config
        config.state_dir.mkdir(parents=True, exist_ok=True)
        if config.fresh:
            self._store.wipe()
        # Pool and client ids derived from their names: the same after a restart, so tokens
        # issued before it stay valid (moto signs with one fixed key).
        os.environ["MOTO_COGNITO_IDP_USER_POOL_ID_STRATEGY"] = "HASH"
        os.environ["MOTO_COGNITO_IDP_USER_POOL_CLIENT_ID_STRATEGY"] = "HASH"
        self._aws = aws = EmulatedAws(config.aws_port).start()
        self._resources = resources = provision(aws, config.names)
        self._secrets = self._store.read_secrets() or {
            "tokenSecret": secrets.token_urlsafe(32),
            "adminPassword": _generate_password(),
        }
        apply_environment(self._environment(), verbose=config.verbose)
        self._index = _shared_vector_index()
        if self._store.exists():
            counts = self._store.load(aws, resources, self._index)
            self.report.restored = True
            log.info(
                "state loaded: %d items, %d object versions, %d users, %d chunks, %d memories",
                counts.items,
                counts.objects,
                counts.users,
                counts.chunks,
                counts.memories,
            )
        subscribe_uploads(aws, resources)
        self._warm_up()
        accounts = Accounts(
            aws.client("cognito-idp"), resources.user_pool_id, resources.client_id, COGNITO
        )
        self._ensure_admin(accounts)
        self._start_pumps(aws, resources)
        verifier = TokenVerifier(
            f"{aws.endpoint}/{resources.user_pool_id}/.well-known/jwks.json",
            issuer_of(resources.user_pool_id),
            resources.client_id,
        )
        gateway = Gateway(API, verifier, accounts, on_write=self._dirty.set)
        websockets = LocalWebSocketApi(REALTIME)
        self.app = build_gateway(
            gateway,
            local_routes=vector_routes(self._index),
            extra_routes=websockets.routes() if REALTIME.available else (),
        )
        self._saver = threading.Thread(target=self._save_periodically, name="saver", daemon=True)
        self._saver.start()
        self.report.missing = [
            f for f in (API, INGEST, STREAMS, COGNITO, MAINTENANCE, REALTIME) if not f.available
        ]
        self.report.seconds = time.monotonic() - started
        self._started = True
        return self.report

    def _warm_up(self) -> None:
        """Import the functions now, so the first request is not the one that pays for it."""
        for function in (API, INGEST, STREAMS, COGNITO, MAINTENANCE, REALTIME):
            if function.available:
                function.load()
            else:
                log.warning(
                    "function %s is not in this tree (%s): nothing feeds it",
                    function.name,
                    " or ".join(function.modules),
                )

    def _ensure_admin(self, accounts: Accounts) -> None:
        wanted = self.config.admin_password
        if accounts.exists(ADMIN_EMAIL):
            if wanted:
                accounts.set_password(ADMIN_EMAIL, wanted)
            else:
                self.report.admin_password = self._secrets["adminPassword"]
            return
        password = wanted or self._secrets["adminPassword"]
        accounts.sign_up(ADMIN_EMAIL, password, groups=("ADMIN",))
        if not wanted:
            self.report.admin_password = password
        self._dirty.set()

    def _start_pumps(self, aws: EmulatedAws, resources: Resources) -> None:
        sqs = aws.client("sqs")
        if INGEST.available:
            self._pumps.append(
                QueuePump(
                    sqs, resources.queue_url, resources.queue_arn, INGEST, on_work=self._dirty.set
                )
            )
        if STREAMS.available:
            self._pumps.append(
                StreamPump(
                    aws.client("dynamodbstreams"),
                    resources.stream_arn,
                    STREAMS,
                    sqs=sqs,
                    failure_queue_url=resources.streams_dead_letter_queue_url,
                    # Records written while loading the saved state were handled before it.
                    start_at_latest=self.report.restored,
                    on_work=self._dirty.set,
                )
            )
        if MAINTENANCE.available:
            self._pumps.append(
                Schedule(
                    MAINTENANCE,
                    self.config.maintenance_interval,
                    self.config.names.resource("maintenance"),
                    on_work=self._dirty.set,
                )
            )
        for pump in self._pumps:
            pump.start()

    # Runtime file ------------------------------------------------------------------------------

    def write_runtime(self) -> None:
        """``runtime.json``: where the gateway is and the environment the handlers run with."""
        resources = self.resources
        runtime = {
            "gateway_url": self.config.gateway_url,
            "env": self._environment(),
            "websocket_url": self.config.websocket_url,
            "pid": os.getpid(),
            # What the stacks' CloudFormation outputs give the operations CLI in AWS.
            "outputs": {
                OUTPUTS["table_name"]: resources.table_name,
                OUTPUTS["idempotency_table_name"]: resources.idempotency_table_name,
                OUTPUTS["bucket_name"]: resources.bucket_name,
                OUTPUTS["user_pool_id"]: resources.user_pool_id,
                "UserPoolClientId": resources.client_id,
                Output.INGEST_QUEUE_URL: resources.queue_url,
                Output.INGEST_DLQ_URL: resources.dead_letter_queue_url,
                Output.STREAMS_DLQ_URL: resources.streams_dead_letter_queue_url,
                "MainTableStreamArn": resources.stream_arn,
            },
        }
        path = self.config.runtime_file
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(runtime, indent=1))
        os.chmod(tmp, 0o600)
        tmp.replace(path)

    def _environment(self) -> dict[str, str]:
        endpoint = self.config.realtime_endpoint if REALTIME.available else ""
        return handler_environment(self.resources, self._secrets["tokenSecret"], endpoint)

    # Saving and stopping -----------------------------------------------------------------------

    def save(self) -> bool:
        if not self._started or self._aws is None or self._resources is None:
            return False  # a start that failed half-way must not overwrite the saved state
        with self._save_lock:
            self._dirty.clear()
            self._store.save(self._aws, self._resources, self._index, self._secrets)
        return True

    def _save_periodically(self) -> None:
        while not self._stopping.wait(self.config.save_interval):
            if self._dirty.is_set():
                try:
                    self.save()
                except Exception:
                    log.exception("periodic save failed; the previous save is kept")

    def stop(self) -> None:
        """Handle what is queued, save, stop the emulator, remove ``runtime.json``."""
        self._stopping.set()
        started = time.monotonic()
        for pump in self._pumps:
            pump.stop(drain_seconds=DRAIN_SECONDS / max(1, len(self._pumps)))
        if self._saver is not None:
            self._saver.join(timeout=30)
        try:
            self.save()
        finally:
            if self._aws is not None:
                self._aws.stop()
            self.config.runtime_file.unlink(missing_ok=True)
        log.info(
            "stopped cleanly in %.1f s; state saved in %s",
            time.monotonic() - started,
            self._store.current,
        )


def _shared_vector_index() -> Any:
    """The vector index the handlers use: ``build_vector_index`` caches it per settings, so
    ingestion, the API and the ``/_local/vectors`` routes all share this one."""
    from strata.config import get_settings  # noqa: PLC0415
    from strata.search.factory import build_vector_index  # noqa: PLC0415
    from strata.search.local import LocalVectorIndex  # noqa: PLC0415

    index = build_vector_index(get_settings())
    if not isinstance(index, LocalVectorIndex):
        raise RuntimeError("the local stack needs STRATA_VECTOR_INDEX=local")
    return index


def _generate_password() -> str:
    """A password the pool's policy accepts: letters, digits and a symbol."""
    alphabet = string.ascii_letters + string.digits
    core = "".join(secrets.choice(alphabet) for _ in range(16))
    return f"{core}-Aa1"
