"""The production wiring of search: which embedder and which index ``Settings`` ask for.

Cached per settings object, so one process shares one client pool and, for the local stack, one
in-memory index between ingestion and the API.
"""

from __future__ import annotations

from functools import lru_cache, partial
from typing import Any

from strata.config import Settings
from strata.lazy import OnFirstUse
from strata.search.service import SearchService
from strata.search.types import Embedder, SweepableVectorIndex


@lru_cache(maxsize=4)
def build_embedder(settings: Settings) -> Embedder:
    if settings.embedder == "local":
        from strata.search.local import LocalLexicalEmbedder  # noqa: PLC0415

        return LocalLexicalEmbedder(settings.embedding_dimension)
    from strata.search.bedrock import (  # noqa: PLC0415
        BedrockTitanEmbedder,
        build_bedrock_runtime_client,
    )

    # Built by the first embedding (a request that embeds nothing builds no Bedrock client).
    client = OnFirstUse(
        partial(
            build_bedrock_runtime_client,
            settings.region,
            pool_size=settings.embedding_concurrency,
        )
    )
    return BedrockTitanEmbedder(
        client,
        dimension=settings.embedding_dimension,
        model_id=settings.embedding_model_id,
        concurrency=settings.embedding_concurrency,
    )


@lru_cache(maxsize=4)
def build_vector_index(settings: Settings) -> SweepableVectorIndex:
    if settings.vector_index == "local":
        from strata.search.local import LocalVectorIndex  # noqa: PLC0415

        return LocalVectorIndex(dimension=settings.embedding_dimension)
    if settings.vector_index == "s3vectors":
        return _s3vectors_index(settings)
    if not settings.collection_endpoint:
        raise RuntimeError("STRATA_COLLECTION_ENDPOINT must be set to use the OpenSearch index")
    from strata.search.opensearch import (  # noqa: PLC0415
        OpenSearchVectorIndex,
        build_opensearch_client,
    )

    def connect() -> Any:
        return build_opensearch_client(
            settings.collection_endpoint,
            settings.region,
            pool_maxsize=settings.embedding_concurrency,
        )

    return OpenSearchVectorIndex(
        connect,
        chunks_index=settings.chunks_index,
        memories_index=settings.memories_index,
        dimension=settings.embedding_dimension,
    )


def _s3vectors_index(settings: Settings) -> SweepableVectorIndex:
    if not settings.vector_bucket_name:
        raise RuntimeError("STRATA_VECTOR_BUCKET_NAME must be set to use the S3 Vectors index")
    from strata.search.s3vectors import S3VectorsIndex, build_s3vectors_client  # noqa: PLC0415

    def connect() -> Any:
        return build_s3vectors_client(settings.region, pool_size=settings.embedding_concurrency)

    return S3VectorsIndex(
        connect,
        bucket_name=settings.vector_bucket_name,
        chunks_index=settings.chunks_index,
        memories_index=settings.memories_index,
        dimension=settings.embedding_dimension,
    )


@lru_cache(maxsize=4)
def build_search_service(settings: Settings) -> SearchService:
    """Search over the configured embedder and index."""
    return SearchService(build_embedder(settings), build_vector_index(settings))
