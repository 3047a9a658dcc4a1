"""strata-{env}-storage: the documents bucket, its access logs and the ingest queue."""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from constructs import Construct

from infra.config import EnvironmentConfig
from infra.constructs.document_bucket import DocumentBucket
from infra.constructs.ingest_queue import IngestQueue
from infra.constructs.keys import rotating_key
from infra.names import Names


class StorageStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        names = Names(config.name)
        self.key = rotating_key(
            self,
            "StorageKey",
            alias=names.storage_key_alias,
            description=f"Strata {config.name}: documents bucket",
            retain=config.is_retained,
        )
        self.documents = DocumentBucket(self, "DocumentBucket", config=config, key=self.key)
        self.bucket = self.documents.bucket
        self.access_logs_bucket = self.documents.access_logs_bucket
        self.ingest = IngestQueue(self, "IngestQueue", config=config)
        self.ingest.subscribe_to_uploads(self.bucket)
