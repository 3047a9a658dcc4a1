from __future__ import annotations

import pytest

from strata.search.bedrock import BedrockTitanEmbedder
from strata.search.factory import build_embedder, build_search_service, build_vector_index
from strata.search.local import LocalLexicalEmbedder, LocalVectorIndex
from strata.search.opensearch import OpenSearchVectorIndex
from strata.search.s3vectors import S3VectorsIndex
from strata.search.service import SearchService
from tests.support.settings import make_settings

LOCAL = make_settings(embedder="local", vector_index="local", embedding_dimension=256)


def test_local_settings_build_the_local_embedder_and_one_shared_index() -> None:
    # Given settings asking for the local implementations
    # When the wiring is built twice
    embedder, index = build_embedder(LOCAL), build_vector_index(LOCAL)
    # Then they are the local ones, of the configured dimension, built once per process
    assert isinstance(embedder, LocalLexicalEmbedder)
    assert embedder.dimension == 256
    assert isinstance(index, LocalVectorIndex)
    assert build_vector_index(LOCAL) is index
    assert isinstance(build_search_service(LOCAL), SearchService)


def test_aws_settings_build_titan_and_opensearch_without_connecting() -> None:
    # Given production settings
    settings = make_settings(
        region="eu-west-1",
        embedding_dimension=512,
        embedding_concurrency=4,
        collection_endpoint="https://abc.eu-west-1.aoss.amazonaws.com",
    )
    # When the wiring is built
    embedder, index = build_embedder(settings), build_vector_index(settings)
    # Then Titan is configured from settings and the OpenSearch client is not built yet
    assert isinstance(embedder, BedrockTitanEmbedder)
    assert embedder.dimension == 512
    assert isinstance(index, OpenSearchVectorIndex)
    assert index._client is None


def test_opensearch_without_an_endpoint_is_a_configuration_error() -> None:
    with pytest.raises(RuntimeError, match="STRATA_COLLECTION_ENDPOINT"):
        build_vector_index(make_settings(collection_endpoint=""))


def test_s3vectors_settings_build_the_s3_vectors_index_without_connecting() -> None:
    # Given settings naming a vector bucket
    settings = make_settings(
        vector_index="s3vectors", vector_bucket_name="strata-dev-vectors", embedding_dimension=256
    )
    # When the index is built
    index = build_vector_index(settings)
    # Then it is the S3 Vectors one, its client not built yet
    assert isinstance(index, S3VectorsIndex)
    assert index._client is None


def test_s3vectors_without_a_bucket_is_a_configuration_error() -> None:
    with pytest.raises(RuntimeError, match="STRATA_VECTOR_BUCKET_NAME"):
        build_vector_index(make_settings(vector_index="s3vectors"))
