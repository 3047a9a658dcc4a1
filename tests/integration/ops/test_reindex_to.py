"""`strata reindex --to s3vectors|opensearch` moves an environment's vectors to the other backend
from the stored chunks and embeddings, with no embedding call: into S3 Vectors on moto (which
stores vectors; its queries are answered by the emulator), and into an OpenSearch collection
emulated over loopback HTTP. Memories move with the embeddings the current store holds (the local
index, S3 Vectors on moto, the emulated collection); only those it lacks are embedded again."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from typer.testing import CliRunner

from ops.cli import app
from ops.target import Target
from strata.clock import format_timestamp
from strata.models.memories import MemoryCreate, MemoryType, UserMemory, memory_text
from strata.models.users import CognitoClaims
from strata.search.local import LocalLexicalEmbedder, LocalVectorIndex
from strata.search.opensearch import OpenSearchVectorIndex, build_opensearch_client
from strata.search.types import MemoryVector
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


def _memory(target: Target, user: str, content: str) -> UserMemory:
    target.repositories.users.upsert_from_claims(
        CognitoClaims.model_validate({"sub": user, "email": f"{user}@example.com"})
    )
    return target.repositories.memories.create(
        user, MemoryCreate(type=MemoryType.PREFERENCE, content=content)
    )


def _stored_vector(
    memory: UserMemory, embedding: tuple[float, ...], text: str = ""
) -> MemoryVector:
    """The memory's vector as the current store holds it, with an embedding no embedder makes."""
    return MemoryVector(
        memoryId=memory.memory_id,
        userId=memory.user_id,
        type=memory.type.value,
        content=text or memory_text(memory.content),
        embedding=embedding,
        relevanceScore=memory.relevance_score,
        createdAt=format_timestamp(memory.created_at),
    )


def _axis(n: int) -> tuple[float, ...]:
    return tuple(1.0 if i == n else 0.0 for i in range(DIMENSION))


@pytest.fixture
def counted_embeddings(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Each embedding call's number of texts (the local embedder answers them)."""
    calls: list[int] = []

    class Counting(LocalLexicalEmbedder):
        def embed(self, texts: Sequence[str]) -> list[tuple[float, ...]]:
            calls.append(len(texts))
            return super().embed(texts)

    monkeypatch.setattr(
        "strata.search.factory.build_embedder", lambda settings: Counting(DIMENSION)
    )
    return calls


def test_memories_move_with_the_embeddings_the_current_store_holds_and_only_the_missing_embed(
    target: Target,
    vector_index: LocalVectorIndex,
    vector_bucket: str,
    moto_server: MotoServer,
    counted_embeddings: list[int],
) -> None:
    # Given three memories: one whose vector the current store holds, one it lacks, and one
    # whose stored vector is for text since changed
    held = _memory(target, "ann", "prefers short answers")
    lacking = _memory(target, "ann", "works in Lisbon")
    stale = _memory(target, "bob", "likes owls")
    vector_index.put_memory(_stored_vector(held, _axis(3)))
    vector_index.put_memory(_stored_vector(stale, _axis(5), text="likes herons"))
    moving = _with(target, vector_bucket_name=vector_bucket)
    client = moto_server.client("s3vectors")

    def stored() -> dict[str, list[float]]:
        listed = client.list_vectors(
            vectorBucketName=vector_bucket, indexName="memories", returnData=True
        )["vectors"]
        return {v["key"]: v["data"]["float32"] for v in listed}

    # When the vectors move without consent to embed
    refused = runner.invoke(app, ["reindex", "--to", "s3vectors"], obj=moving)
    # Then the held memory moves with its stored embedding, no embedding call is made, and the
    # two others are reported
    assert refused.exit_code == 1
    assert "2 memory vector(s) are missing" in refused.output
    assert "--allow-embedding" in refused.output
    assert stored() == {f"ann/{held.memory_id}": list(_axis(3))}
    assert counted_embeddings == []
    # And with consent only those two are embedded, one call each
    moved = runner.invoke(app, ["reindex", "--to", "s3vectors", "--allow-embedding"], obj=moving)
    assert moved.exit_code == 0, moved.output
    assert counted_embeddings == [1, 1]
    after = stored()
    assert set(after) == {
        f"ann/{held.memory_id}",
        f"ann/{lacking.memory_id}",
        f"bob/{stale.memory_id}",
    }
    assert after[f"ann/{held.memory_id}"] == list(_axis(3))
    assert after[f"bob/{stale.memory_id}"] != list(_axis(5))


def test_memories_move_from_the_old_bucket_to_the_new_collection_without_embedding(
    target: Target,
    vector_bucket: str,
    collection_endpoint: tuple[str, EmulatedCollection],
    counted_embeddings: list[int],
) -> None:
    # Given an environment switched to OpenSearch (its outputs name only the collection) whose
    # old, retained vector bucket holds two users' memory vectors
    endpoint, collection = collection_endpoint
    old = _with(target, vector_index="s3vectors", vector_bucket_name=vector_bucket)
    memories = [_memory(old, user, f"{user} prefers short answers") for user in ("ann", "bob")]
    for n, memory in enumerate(memories):
        old.store_index("s3vectors").put_memory(_stored_vector(memory, _axis(n)))
    switched = _with(target, vector_index="opensearch", collection_endpoint=endpoint)
    # When its vectors move to the collection, reading memories from the old bucket
    result = runner.invoke(
        app, ["reindex", "--to", "opensearch", "--from-bucket", vector_bucket], obj=switched
    )
    # Then each memory is in the collection with the embedding the bucket held, none embedded
    assert result.exit_code == 0, result.output
    assert counted_embeddings == []
    moved = {d["memoryId"]: d for d in collection.documents("memories")}
    assert set(moved) == {memory.memory_id for memory in memories}
    for n, memory in enumerate(memories):
        assert moved[memory.memory_id]["userId"] == memory.user_id
        assert moved[memory.memory_id]["embedding"] == pytest.approx(list(_axis(n)))
    # And each user's memory search there finds only their own
    for n, memory in enumerate(memories):
        hits = switched.store_index("opensearch").search_memories(memory.user_id, _axis(n), k=5)
        assert [hit.memoryId for hit in hits] == [memory.memory_id]


def test_memories_move_from_the_old_collection_to_the_new_bucket_without_embedding(
    target: Target,
    vector_bucket: str,
    moto_server: MotoServer,
    collection_endpoint: tuple[str, EmulatedCollection],
    counted_embeddings: list[int],
) -> None:
    # Given an environment switched to S3 Vectors whose old collection holds one memory's
    # vector, and a second memory it does not hold
    endpoint, _ = collection_endpoint
    old = _with(target, vector_index="opensearch", collection_endpoint=endpoint)
    held = _memory(old, "ann", "prefers short answers")
    _memory(old, "ann", "works in Lisbon")
    old.store_index("opensearch").put_memory(_stored_vector(held, _axis(9)))
    switched = _with(target, vector_index="s3vectors", vector_bucket_name=vector_bucket)
    # When its vectors move to the bucket without consent to embed, reading the old collection
    result = runner.invoke(
        app, ["reindex", "--to", "s3vectors", "--from-collection", endpoint], obj=switched
    )
    # Then the held memory is stored under its key with the collection's embedding, and the
    # other is reported, not embedded
    assert result.exit_code == 1
    assert "1 memory vector(s) are missing" in result.output
    assert counted_embeddings == []
    listed = moto_server.client("s3vectors").list_vectors(
        vectorBucketName=vector_bucket, indexName="memories", returnData=True, returnMetadata=True
    )["vectors"]
    assert [(v["key"], v["data"]["float32"], v["metadata"]["content"]) for v in listed] == [
        (f"ann/{held.memory_id}", list(_axis(9)), "prefers short answers")
    ]


def test_without_an_old_store_the_destination_is_not_read_as_the_source(
    target: Target, vector_bucket: str, moto_server: MotoServer, counted_embeddings: list[int]
) -> None:
    # Given an environment already on S3 Vectors whose bucket holds a memory's vector
    current = _with(target, vector_index="s3vectors", vector_bucket_name=vector_bucket)
    memory = _memory(current, "ann", "prefers short answers")
    current.store_index("s3vectors").put_memory(_stored_vector(memory, _axis(1)))
    # When it is reindexed into that same store with no old store named
    result = runner.invoke(app, ["reindex", "--to", "s3vectors"], obj=current)
    # Then the memory is reported missing (its own destination is no source) and nothing embeds
    assert result.exit_code == 1
    assert "--from-bucket / --from-collection" in result.output
    assert counted_embeddings == []


@pytest.mark.parametrize(
    "arguments",
    [
        ["--from-bucket", "old"],
        ["--to", "s3vectors", "--document", "d1", "--from-bucket", "old"],
        ["--to", "s3vectors", "--from-bucket", "old", "--from-collection", "https://old"],
    ],
)
def test_an_old_store_is_named_only_for_a_whole_move_and_only_once(
    target: Target, vector_bucket: str, arguments: list[str]
) -> None:
    # Given an environment with a vector bucket
    moving = _with(target, vector_bucket_name=vector_bucket)
    # When an old store is named outside a whole move, or two are named
    result = runner.invoke(app, ["reindex", *arguments], obj=moving)
    # Then the command refuses before touching anything
    assert result.exit_code == 2
    assert "--from-*" in result.output
