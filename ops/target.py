"""Where a command works: the local stack (default) or a deployed environment (``--env``).

The local stack writes ``.strata-local/runtime.json`` while it runs: ``{"gateway_url": ...,
"env": {STRATA_* settings, AWS_ENDPOINT_URL, AWS_DEFAULT_REGION, credentials}}``. A deployed
environment is found from its stacks' CloudFormation outputs (infra/names.py names them).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from infra.names import OUTPUTS, STACK_CONCERNS, Names, Output
from strata.clock import SystemClock
from strata.config import Settings
from strata.search.types import VectorIndex
from strata.store.bulk import BulkRepository
from strata.store.factory import Repositories, repositories_for
from strata.store.table import Table
from strata.store.tokens import TokenSigner

RUNTIME_FILE = Path(".strata-local") / "runtime.json"
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, read_timeout=60)


class TargetError(RuntimeError):
    """The target cannot be reached or described (no local stack, no such environment)."""


@dataclass
class Target:
    """One environment's resources and the clients to reach them."""

    name: str
    settings: Settings
    session: Any
    endpoint_url: str | None = None
    outputs: Mapping[str, str] = field(default_factory=dict)
    vector_index_factory: Callable[[], VectorIndex] | None = None
    # The local stack emulates no KMS, S3 lifecycle or public access block (README): verify
    # reports those as not applicable there instead of failing.
    emulated: bool = False

    @property
    def is_local(self) -> bool:
        return self.endpoint_url is not None

    def client(self, service: str) -> Any:
        return self.session.client(
            service,
            endpoint_url=self.endpoint_url,
            region_name=self.settings.region,
            config=CLIENT_CONFIG,
        )

    @cached_property
    def table(self) -> Table:
        # Page tokens never leave this process: any secret signs them.
        secret = self.settings.token_secret or secrets.token_hex(16)
        return Table(self.client("dynamodb"), self.settings.table_name, TokenSigner(secret), _CLOCK)

    def table_named(self, name: str) -> Table:
        return Table(self.client("dynamodb"), name, TokenSigner(secrets.token_hex(16)), _CLOCK)

    @cached_property
    def repositories(self) -> Repositories:
        return repositories_for(self.table, _CLOCK, self.settings)

    @cached_property
    def bulk(self) -> BulkRepository:
        return BulkRepository(self.table, _CLOCK)

    @cached_property
    def vector_index(self) -> VectorIndex:
        if self.vector_index_factory is not None:
            return self.vector_index_factory()
        if self.settings.vector_index == "local":
            raise TargetError("no vector index is reachable: is the local stack running?")
        from strata.search.factory import build_vector_index  # noqa: PLC0415

        return build_vector_index(self.settings)

    def store_index(self, store: str) -> VectorIndex:
        """An index on ``store`` (``s3vectors`` or ``opensearch``) of this environment, reached
        with the target's own credentials and endpoint: where ``strata reindex --to`` writes.
        The environment must have that store (its search stack's output)."""
        settings = self.settings
        if store == "s3vectors":
            if not settings.vector_bucket_name:
                raise TargetError(
                    f"{self.name} has no S3 Vectors bucket: set vector_store to s3vectors in "
                    "cdk.json and deploy, then reindex"
                )
            from strata.search.s3vectors import S3VectorsIndex  # noqa: PLC0415

            return S3VectorsIndex(
                lambda: self.client("s3vectors"),
                bucket_name=settings.vector_bucket_name,
                chunks_index=settings.chunks_index,
                memories_index=settings.memories_index,
                dimension=settings.embedding_dimension,
            )
        if store == "opensearch":
            if not settings.collection_endpoint:
                raise TargetError(
                    f"{self.name} has no OpenSearch collection: set vector_store to opensearch "
                    "in cdk.json and deploy, then reindex"
                )
            from strata.search.opensearch import (  # noqa: PLC0415
                OpenSearchVectorIndex,
                build_opensearch_client,
            )

            credentials = self.session.get_credentials()
            return OpenSearchVectorIndex(
                lambda: build_opensearch_client(
                    settings.collection_endpoint, settings.region, credentials=credentials
                ),
                chunks_index=settings.chunks_index,
                memories_index=settings.memories_index,
                dimension=settings.embedding_dimension,
            )
        raise TargetError(f"unknown vector store {store!r} (known: s3vectors, opensearch)")

    def output(self, name: str) -> str:
        value = self.outputs.get(name, "")
        if not value:
            raise TargetError(f"{self.name} has no {name} (is the stack that owns it deployed?)")
        return value


_CLOCK = SystemClock()


def local_target(root: Path | None = None) -> Target:
    """The running local stack, from its runtime file."""
    path = (root or Path.cwd()) / RUNTIME_FILE
    if not path.exists():
        raise TargetError(f"no local stack is running ({path} is missing): run `make local`")
    runtime = json.loads(path.read_text(encoding="utf-8"))
    env: dict[str, str] = {str(k): str(v) for k, v in runtime.get("env", {}).items()}
    strata_env = {k: v for k, v in env.items() if k.startswith("STRATA_")}
    settings = Settings.from_env(strata_env)
    region = env.get("AWS_DEFAULT_REGION") or env.get("AWS_REGION") or settings.region
    session = boto3.Session(
        aws_access_key_id=env.get("AWS_ACCESS_KEY_ID", "local"),
        aws_secret_access_key=env.get("AWS_SECRET_ACCESS_KEY", "local"),
        aws_session_token=env.get("AWS_SESSION_TOKEN"),
        region_name=region,
    )
    outputs = {
        OUTPUTS["table_name"]: settings.table_name,
        OUTPUTS["bucket_name"]: settings.bucket_name,
        Output.INGEST_QUEUE_URL: str(runtime.get("ingest_queue_url") or ""),
        Output.INGEST_DLQ_URL: str(runtime.get("ingest_dead_letter_queue_url") or ""),
    }
    gateway = str(runtime.get("gateway_url") or "")

    def remote_index() -> VectorIndex:
        # The running stack's in-memory index, over its loopback routes (local/vectors.py).
        from local.vectors import RemoteVectorIndex  # noqa: PLC0415

        return RemoteVectorIndex.at(gateway)

    return Target(
        name="local",
        settings=settings.model_copy(update={"region": region}),
        session=session,
        endpoint_url=env.get("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"),
        outputs={k: v for k, v in outputs.items() if v},
        vector_index_factory=remote_index if gateway else None,
        emulated=True,
    )


def stack_outputs(cloudformation: Any, env: str) -> dict[str, str]:
    """Every output of the environment's stacks (``strata-{env}-<concern>``), by output key.

    1 DescribeStacks per stack; a stack that is not deployed is skipped.
    """
    names = Names(env)
    found: dict[str, str] = {}
    deployed = 0
    for concern in (*STACK_CONCERNS, "ingest", "api", "events", "realtime"):
        try:
            response = cloudformation.describe_stacks(StackName=names.stack(concern))
        except cloudformation.exceptions.ClientError as exc:
            if "does not exist" in str(exc):
                continue
            raise
        deployed += 1
        for stack in response.get("Stacks", []):
            for output in stack.get("Outputs", []):
                found[str(output["OutputKey"])] = str(output["OutputValue"])
    if not deployed:
        raise TargetError(f"no stack of environment {env!r} is deployed in this account/region")
    return found


def env_target(env: str, *, profile: str | None = None, region: str | None = None) -> Target:
    """A deployed environment, found through its stacks' outputs."""
    session = boto3.Session(profile_name=profile, region_name=region)
    outputs = stack_outputs(session.client("cloudformation", config=CLIENT_CONFIG), env)
    return Target(
        name=env,
        settings=settings_from_outputs(env, session.region_name or "us-east-1", outputs),
        session=session,
        outputs=outputs,
    )


def settings_from_outputs(env: str, region: str, outputs: Mapping[str, str]) -> Settings:
    values: dict[str, Any] = {"env": env, "region": region}
    for setting, output in OUTPUTS.items():
        if outputs.get(output):
            values[setting] = outputs[output]
    if values.get("collection_endpoint"):
        values["vector_index"] = "opensearch"
    elif values.get("vector_bucket_name"):
        values["vector_index"] = "s3vectors"
    return Settings.model_validate(values)


__all__ = ["Target", "TargetError", "env_target", "local_target", "stack_outputs"]
