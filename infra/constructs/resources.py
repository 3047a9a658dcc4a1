"""The platform's shared resources, handed to every stack with functions, and the one place
that turns them into the functions' ``STRATA_*`` settings.

:class:`StrataStage` builds one :class:`PlatformResources` from the resource stacks and passes
it to each function stack by argument. A stack states what its function may do through the
resources' ``grant*`` methods and gives it :meth:`PlatformResources.settings`, so a new function
gets every shared setting (a forgotten one would otherwise fall back to a default at run time).
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Stack
from constructs import Construct

from infra.config import EnvironmentConfig
from infra.constructs.document_bucket import DocumentBucket
from infra.constructs.ingest_queue import IngestQueue
from infra.constructs.tables import SchemaTable
from infra.constructs.user_directory import UserDirectory
from infra.constructs.vector_store import VectorStore
from infra.names import Names

MIB = 1024 * 1024


@dataclass(frozen=True)
class PlatformResources:
    """What functions use. ``directory`` may be None for a function the user pool itself
    references (its triggers): the pool id then comes from the trigger event, not a setting."""

    config: EnvironmentConfig
    main_table: SchemaTable
    idempotency_table: SchemaTable
    documents: DocumentBucket
    ingest_queue: IngestQueue
    vectors: VectorStore
    directory: UserDirectory | None

    @property
    def names(self) -> Names:
        return Names(self.config.name)

    def settings(self, scope: Construct) -> dict[str, str]:
        """The ``STRATA_*`` settings every function runs with (``STRATA_ENV`` is added by
        :class:`~infra.constructs.function.StrataFunction`); a function adds its own on top."""
        config, names = self.config, self.names
        settings = {
            "STRATA_REGION": Stack.of(scope).region,
            "STRATA_TABLE_NAME": self.main_table.table.table_name,
            "STRATA_IDEMPOTENCY_TABLE_NAME": self.idempotency_table.table.table_name,
            "STRATA_BUCKET_NAME": self.documents.bucket_name,
            **self.vectors.settings(),
            "STRATA_CHUNKS_INDEX": names.chunks_index,
            "STRATA_MEMORIES_INDEX": names.memories_index,
            "STRATA_EMBEDDER": "bedrock",
            "STRATA_RESPONDER": "bedrock",
            "STRATA_EMBEDDING_MODEL_ID": config.embedding_model_id,
            "STRATA_EMBEDDING_DIMENSION": str(config.vector_dimension),
            "STRATA_ANSWER_MODEL_ID": config.answer_model_id,
            "STRATA_MAX_UPLOAD_BYTES": str(config.max_upload_mb * MIB),
            "STRATA_INGEST_MAX_RECEIVE_COUNT": str(self.ingest_queue.max_receive_count),
            "STRATA_INGEST_VISIBILITY_TIMEOUT_SECONDS": str(
                self.ingest_queue.visibility_timeout_seconds
            ),
            # The API names a caller's origin in its responses only if it is one of these.
            "STRATA_CORS_ORIGINS": ",".join(config.cors_origins),
        }
        if self.directory is not None:
            settings["STRATA_USER_POOL_ID"] = self.directory.user_pool.user_pool_id
        return settings
