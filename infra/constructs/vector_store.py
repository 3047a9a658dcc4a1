"""One interface over the two vector backends, so stacks state intent whichever is deployed.

``vector_store`` in cdk.json picks the backend per environment: ``opensearch``
(:class:`~infra.constructs.vector_collection.VectorCollection`) or ``s3vectors``
(:class:`~infra.constructs.vector_bucket.VectorBucket`). Function stacks only call
``grant_data_access`` and read ``settings()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.config import EnvironmentConfig
from infra.constructs.vector_bucket import VectorBucket
from infra.constructs.vector_collection import VectorCollection


class VectorStore(Protocol):
    @property
    def store(self) -> str: ...

    def settings(self) -> dict[str, str]:
        """The ``STRATA_*`` settings that point a function at the backend."""
        ...

    def outputs(self) -> dict[str, str]:
        """The settings the operations CLI reads back from stack outputs (``infra.names.OUTPUTS``
        keys) and their values."""
        ...

    def grant_data_access(
        self,
        grantee: iam.IRole,
        *,
        grantee_name: str,
        write: bool = False,
        indexes: Sequence[str] = ...,
        sweep: bool = False,
    ) -> Any:
        """Let ``grantee`` use the named indexes only: read, ``write`` and ``sweep`` (list
        every vector, for the orphan sweep)."""
        ...


def build_vector_store(
    scope: Construct, construct_id: str, *, config: EnvironmentConfig
) -> VectorStore:
    if config.vector_store == "s3vectors":
        return VectorBucket(scope, construct_id, config=config)
    return VectorCollection(scope, construct_id, config=config)
