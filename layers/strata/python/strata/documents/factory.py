"""The production wiring of ingestion, built once per process on first use."""

from __future__ import annotations

import secrets
from functools import lru_cache
from typing import Any

from strata.clock import SystemClock
from strata.config import Settings
from strata.documents.ledger import RepositoryLedger
from strata.documents.pipeline import IngestionPipeline
from strata.documents.s3 import build_s3_client
from strata.documents.worker import IngestWorker
from strata.search.factory import build_embedder, build_vector_index
from strata.store.documents import DocumentRepository
from strata.store.factory import dynamodb_client
from strata.store.table import Table
from strata.store.tokens import TokenSigner


def s3_client(region: str) -> Any:
    return build_s3_client(region, max_attempts=5, connect_timeout=5, read_timeout=60)


@lru_cache(maxsize=2)
def build_ingestion_pipeline(settings: Settings) -> IngestionPipeline:
    clock = SystemClock()
    # Ingestion never pages through results, so the pagination signer gets a throwaway key
    # instead of a read of the API's secret (one permission fewer).
    table = Table(
        dynamodb_client(settings.region),
        settings.table_name,
        TokenSigner(secrets.token_bytes(32)),
        clock,
    )
    return IngestionPipeline(
        ledger=RepositoryLedger(DocumentRepository(table, clock)),
        s3=s3_client(settings.region),
        embedder=build_embedder(settings),
        index=build_vector_index(settings),
        settings=settings,
        clock=clock,
    )


def build_ingest_worker(settings: Settings) -> IngestWorker:
    """The ingest function's worker; it needs ``STRATA_INGEST_MAX_RECEIVE_COUNT``."""
    max_receive_count = settings.ingest_max_receive_count
    if max_receive_count is None:
        raise RuntimeError(
            "invalid Strata settings: STRATA_INGEST_MAX_RECEIVE_COUNT is required by the ingest "
            "function (the ingest queue's maxReceiveCount)"
        )
    from aws_lambda_powertools.utilities.idempotency import (  # noqa: PLC0415
        DynamoDBPersistenceLayer,
    )

    persistence = DynamoDBPersistenceLayer(
        table_name=settings.idempotency_table_name,
        boto3_client=dynamodb_client(settings.region),
    )
    return IngestWorker(
        build_ingestion_pipeline(settings), persistence, max_receive_count=max_receive_count
    )
