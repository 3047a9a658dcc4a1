"""`strata reindex --to s3vectors|opensearch` moves an environment's vectors to the other backend
from the stored chunks and embeddings, with no embedding call: into S3 Vectors on moto (which
stores vectors; its queries are answered by the emulator), and into an OpenSearch collection
emulated over loopback HTTP."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from ops.cli import app
from ops.target import Target
from strata.models.memories import MemoryCreate, MemoryType
from strata.models.users import CognitoClaims
from strata.search.local import LocalLexicalEmbedder, LocalVectorIndex
from strata.search.opensearch import OpenSearchVectorIndex, build_opensearch_client
from tests.integration.ops.conftest import DIMENSION
from tests.integration.ops.seed import ingest_document
from tests.integration.search.test_opensearch_over_http import serve
from tests.support.moto_server import MotoServer
from tests.unit.search.opensearch_emulator import EmulatedCollection
from tests.unit.search.s3vectors_emulator import EmulatedVectorBucket
from tests.unit.search.s3vectors_support import emulated_s3vectors_index

runner = CliRunner()
DOCUMENTS = {
    "ann": ("herons", "Herons wade in shallow water hunting fish."),
    "bob": ("owls", "Owls hunt at night with silent feathers."),
}


def _query(text: str) -> tuple[float, ...]:
    return LocalLexicalEmbedder(DIMENSION).embed([text])[0]


@pytest.fixture
def ingested(target: Target, monkeypatch: pytest.MonkeyPatch) -> Target:
    """Two users' documents ingested on the environment's current (local) index; from here on
    any embedding call fails the test."""
    for user, (document, text) in DOCUMENTS.items():
        target.repositories.users.upsert_from_claims(
            CognitoClaims.model_validate({"sub": user, "email": f"{user}@example.com"})
        )
        ingest_document(target, user, document, text)

    def no_embedding(*_: Any, **__: Any) -> Any:
        raise AssertionError("moving vectors must not embed")

    monkeypatch.setattr("strata.search.factory.build_embedder", no_embedding)
    return target


def _with(target: Target, **settings: str) -> Target:
    return dataclasses.replace(target, settings=target.settings.model_copy(update=settings))


def test_reindex_to_s3vectors_writes_every_chunk_by_key_with_its_stored_embedding(
    ingested: Target,
    vector_index: LocalVectorIndex,
    vector_bucket: str,
    moto_server: MotoServer,
) -> None:
    # Given an environment whose vector bucket is empty
    target = _with(ingested, vector_bucket_name=vector_bucket)
    # When its vectors are moved to S3 Vectors
    result = runner.invoke(app, ["reindex", "--to", "s3vectors"], obj=target)
    # Then every chunk is stored under its key with the embedding ingestion stored
    assert result.exit_code == 0, result.output
    client = moto_server.client("s3vectors")
    listed = client.list_vectors(
        vectorBucketName=vector_bucket, indexName="chunks", returnData=True, returnMetadata=True
    )["vectors"]
    expected = {
        f"{chunk.userId}/{chunk.documentId}#{chunk.chunkIndex}": chunk
        for chunk in vector_index.all_chunks()
    }
    assert sorted(v["key"] for v in listed) == sorted(expected)
    for stored in listed:
        chunk = expected[stored["key"]]
        assert stored["data"]["float32"] == pytest.approx(list(chunk.embedding), abs=1e-6)
        assert stored["metadata"]["userId"] == chunk.userId
        assert stored["metadata"]["content"] == chunk.content
    # And queried (moto has no QueryVectors: the emulator holds what moto stored), each user
    # finds their own document and never the other's
    emulated = EmulatedVectorBucket(name=vector_bucket)
    emulated.indexes["chunks"] = {
        v["key"]: {"data": v["data"], "metadata": v["metadata"]} for v in listed
    }
    index = emulated_s3vectors_index(emulated, dimension=DIMENSION)
    for user, (document, text) in DOCUMENTS.items():
        hits = index.search_chunks(user, _query(text), k=10)
        assert {hit.documentId for hit in hits} == {document}


@pytest.fixture
def collection_endpoint() -> Iterator[tuple[str, EmulatedCollection]]:
    collection = EmulatedCollection()
    server = serve(collection)
    yield f"http://127.0.0.1:{server.server_address[1]}", collection
    server.shutdown()
    server.server_close()


def test_reindex_to_opensearch_fills_the_collection_from_stored_embeddings(
    ingested: Target, collection_endpoint: tuple[str, EmulatedCollection]
) -> None:
    # Given an environment with an empty collection
    endpoint, collection = collection_endpoint
    target = _with(ingested, collection_endpoint=endpoint)
    # When its vectors are moved to OpenSearch
    result = runner.invoke(app, ["reindex", "--to", "opensearch"], obj=target)
    # Then search on the collection finds each user's document
    assert result.exit_code == 0, result.output
    assert {d["userId"] for d in collection.documents("chunks")} == set(DOCUMENTS)
    credentials = ingested.session.get_credentials()
    index = OpenSearchVectorIndex(
        lambda: build_opensearch_client(endpoint, "us-east-1", credentials=credentials),
        dimension=DIMENSION,
    )
    for user, (document, text) in DOCUMENTS.items():
        assert {hit.documentId for hit in index.search_chunks(user, _query(text), k=10)} == {
            document
        }


@pytest.mark.parametrize("store", ["s3vectors", "opensearch", "elsewhere"])
def test_a_store_the_environment_does_not_have_is_refused(target: Target, store: str) -> None:
    # Given an environment with neither a vector bucket nor a collection endpoint
    # When its vectors are asked to move there
    result = runner.invoke(app, ["reindex", "--to", store], obj=target)
    # Then the command refuses with the reason, before touching anything
    assert result.exit_code == 2
    assert "--to" in result.output


def test_memories_move_only_with_consent_to_embed_them_again(
    target: Target, vector_bucket: str, moto_server: MotoServer
) -> None:
    # Given a user with a memory (whose embedding only the old store held)
    target.repositories.users.upsert_from_claims(
        CognitoClaims.model_validate({"sub": "ann", "email": "ann@example.com"})
    )
    memory = target.repositories.memories.create(
        "ann", MemoryCreate(type=MemoryType.PREFERENCE, content="prefers short answers")
    )
    moving = _with(target, vector_bucket_name=vector_bucket)
    # When the vectors move without consent to embed, then the memory is reported, not moved
    refused = runner.invoke(app, ["reindex", "--to", "s3vectors"], obj=moving)
    assert refused.exit_code == 1
    assert "--allow-embedding" in refused.output
    # And with consent it is embedded once and stored under its key
    moved = runner.invoke(app, ["reindex", "--to", "s3vectors", "--allow-embedding"], obj=moving)
    assert moved.exit_code == 0, moved.output
    stored = moto_server.client("s3vectors").list_vectors(
        vectorBucketName=vector_bucket, indexName="memories", returnMetadata=True
    )["vectors"]
    assert [(v["key"], v["metadata"]["content"]) for v in stored] == [
        (f"ann/{memory.memory_id}", "prefers short answers")
    ]
