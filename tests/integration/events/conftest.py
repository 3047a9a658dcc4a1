"""The streams function against moto: the production wiring (store, S3) with the local embedder
and vector index, fed with records read from the main table's real stream."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from lambdas.streams import handler as streams
from strata.config import Settings, get_settings
from strata.events.reactor import build_reactor
from strata.search.factory import build_embedder, build_vector_index
from strata.search.local import LocalVectorIndex
from strata.store.factory import Repositories, build_repositories
from tests.fixtures.ingestion import LambdaContextStub
from tests.support.dynamodb_stream import StreamTap
from tests.support.moto_server import MotoServer


@dataclass
class Platform:
    settings: Settings
    repos: Repositories
    index: LocalVectorIndex
    tap: StreamTap
    s3: Any

    def deliver(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        """Invoke the streams function with one batch, as the event source mapping would."""
        response: dict[str, Any] = streams.handler(self.tap.event(records), LambdaContextStub())
        return response

    def pump(self) -> list[dict[str, Any]]:
        """Deliver every record written since the last pump; returns the batch."""
        records = self.tap.take()
        assert self.deliver(records) == {"batchItemFailures": []}
        return records


@pytest.fixture
def platform(
    moto_server: MotoServer, main_table: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Platform]:
    bucket = f"strata-test-events-{uuid.uuid4().hex[:10]}"
    s3 = moto_server.client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    for name, value in {
        "AWS_ENDPOINT_URL": moto_server.endpoint,
        "AWS_LAMBDA_FUNCTION_NAME": "strata-test-streams",
        "STRATA_TABLE_NAME": main_table,
        "STRATA_BUCKET_NAME": bucket,
        "STRATA_EMBEDDER": "local",
        "STRATA_VECTOR_INDEX": "local",
        "STRATA_EMBEDDING_DIMENSION": "256",
        "STRATA_TOKEN_SECRET": "integration-test-secret-0123456789",
    }.items():
        monkeypatch.setenv(name, value)
    caches = (
        get_settings,
        streams.reactor,
        build_reactor,
        build_repositories,
        build_vector_index,
        build_embedder,
    )
    for cache in caches:
        cache.cache_clear()
    settings = get_settings()
    index = build_vector_index(settings)
    assert isinstance(index, LocalVectorIndex)
    yield Platform(
        settings, build_repositories(settings), index, StreamTap(moto_server, main_table), s3
    )
    for cache in caches:
        cache.cache_clear()
