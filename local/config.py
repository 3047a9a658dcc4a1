"""The local stack's own options, and the environment its handlers run with.

Resource names come from :class:`infra.names.Names` for the ``local`` environment, exactly as the
stacks name theirs for ``dev``; settings are ``STRATA_*`` variables read by
:class:`strata.config.Settings`, as in Lambda.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from infra.names import Names
from infra.specs import MAX_RECEIVE_COUNT
from local.events import REGION

ENV_NAME = "local"
DEFAULT_PORT = 3000
DEFAULT_STATE_DIR = ".strata-local"
# Seconds between periodic saves of the state (a crash loses at most this much).
DEFAULT_SAVE_INTERVAL = 30
# The ingest queue's visibility timeout here: a failed message is redelivered after this long
# (in AWS it is six times the ingest timeout, minutes; locally a retry shows within seconds).
LOCAL_VISIBILITY_SECONDS = 20
MAINTENANCE_INTERVAL_SECONDS = 60
# The dummy credentials every client of the emulated services signs with.
ACCESS_KEY_ID = "strata-local"
SECRET_ACCESS_KEY = "strata-local-secret"  # noqa: S105 - a dummy for the emulator, not a secret
ADMIN_EMAIL = "admin@example.com"
EMBEDDING_DIMENSION = 256


@dataclass(frozen=True)
class LocalConfig:
    port: int = DEFAULT_PORT
    aws_port: int = 0  # 0: any free port
    state_dir: Path = Path(DEFAULT_STATE_DIR)
    fresh: bool = False
    save_interval: float = DEFAULT_SAVE_INTERVAL
    maintenance_interval: float = MAINTENANCE_INTERVAL_SECONDS
    admin_password: str | None = None
    verbose: bool = False

    @property
    def names(self) -> Names:
        return Names(ENV_NAME)

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def gateway_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def realtime_endpoint(self) -> str:
        """The management API of the local WebSocket API (local.realtime.MANAGEMENT_PATH)."""
        return f"{self.gateway_url}/_local/realtime"

    @property
    def websocket_url(self) -> str:
        return f"ws://{self.host}:{self.port}/ws"

    @property
    def runtime_file(self) -> Path:
        return self.state_dir / "runtime.json"


@dataclass(frozen=True)
class Resources:
    """What the provisioning created (ids known only once the emulator has them)."""

    aws_endpoint: str
    table_name: str
    idempotency_table_name: str
    bucket_name: str
    queue_url: str
    queue_arn: str
    dead_letter_queue_url: str
    streams_dead_letter_queue_url: str
    user_pool_id: str
    client_id: str
    stream_arn: str


def handler_environment(
    resources: Resources, token_secret: str, realtime_endpoint: str = ""
) -> dict[str, str]:
    """Every variable the handlers run with: ``STRATA_*`` settings, endpoint, region, creds.

    ``realtime_endpoint``: the local WebSocket API's management endpoint (empty: no pushes)."""
    return {
        "STRATA_ENV": ENV_NAME,
        "STRATA_REGION": REGION,
        "STRATA_TABLE_NAME": resources.table_name,
        "STRATA_IDEMPOTENCY_TABLE_NAME": resources.idempotency_table_name,
        "STRATA_BUCKET_NAME": resources.bucket_name,
        "STRATA_USER_POOL_ID": resources.user_pool_id,
        "STRATA_USER_POOL_CLIENT_ID": resources.client_id,
        "STRATA_USER_POOL_JWKS_URL": (
            f"{resources.aws_endpoint}/{resources.user_pool_id}/.well-known/jwks.json"
        ),
        "STRATA_REALTIME_ENDPOINT": realtime_endpoint,
        "STRATA_TOKEN_SECRET": token_secret,
        "STRATA_EMBEDDER": "local",
        "STRATA_VECTOR_INDEX": "local",
        "STRATA_RESPONDER": "extractive",
        "STRATA_EMBEDDING_DIMENSION": str(EMBEDDING_DIMENSION),
        "STRATA_INGEST_MAX_RECEIVE_COUNT": str(MAX_RECEIVE_COUNT),
        "STRATA_INGEST_VISIBILITY_TIMEOUT_SECONDS": str(LOCAL_VISIBILITY_SECONDS),
        "AWS_ENDPOINT_URL": resources.aws_endpoint,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
    }


def apply_environment(variables: dict[str, str], *, verbose: bool) -> None:
    """Set the handlers' environment in this process (they read it on first use, as in Lambda)."""
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_SECURITY_TOKEN"):
        os.environ.pop(name, None)
    # Every STRATA_* name must be a setting (Settings forbids others): the local stack's own
    # STRATA_LOCAL_* options were read into LocalConfig already.
    for name in list(os.environ):
        if name.startswith("STRATA_"):
            del os.environ[name]
    os.environ.update(variables)
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "strata-local")
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Strata")
    os.environ["POWERTOOLS_TRACE_DISABLED"] = "true"
    os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"
    # The handlers' JSON logs are for CloudWatch; here only their warnings and errors show.
    os.environ["POWERTOOLS_LOG_LEVEL"] = "INFO" if verbose else "WARNING"
