"""The S3 Vectors index's requests, as the real boto3 client sends them (answered by the
recording emulator, see ``s3vectors_emulator``): keys, filters, batching, retries, limits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from strata.budget import deadline
from strata.clock import ManualClock
from strata.errors import Throttled, Unavailable, ValidationError
from strata.search import s3vectors
from strata.search.s3vectors import S3VectorsIndex
from strata.search.s3vectors_records import tag_token
from strata.search.types import SearchFilters
from strata.services.vector_sweep import VectorSweepService
from tests.unit.search.builders import chunk, memory, vector
from tests.unit.search.s3vectors_emulator import EmulatedVectorBucket
from tests.unit.search.s3vectors_support import emulated_s3vectors_index
from tests.unit.search.test_vector_sweep import NOW, Existing, written

ALICE, BOB = "user-alice", "user-bob"


@pytest.fixture
def bucket() -> EmulatedVectorBucket:
    return EmulatedVectorBucket()


@pytest.fixture
def index(bucket: EmulatedVectorBucket) -> S3VectorsIndex:
    return emulated_s3vectors_index(bucket)


def test_a_search_is_one_signed_query_filtered_by_user_inside_s3_vectors(
    bucket: EmulatedVectorBucket, index: S3VectorsIndex
) -> None:
    # Given one of Alice's documents
    index.replace_document_chunks(ALICE, "doc-1", [chunk(ALICE, "doc-1", 0, "budget")])
    bucket.calls.clear()
    # When she searches with every filter
    filters = SearchFilters(
        documentIds=("doc-1",),
        tags=("finance",),
        fileType="pdf",
        uploadedAfter=datetime(2026, 1, 1, tzinfo=UTC),
        uploadedBefore=datetime(2026, 12, 31),
    )
    index.search_chunks(ALICE, vector("budget"), k=5, filters=filters)
    # Then one SigV4-signed QueryVectors call went out, its filter led by her user id
    (call,) = bucket.calls
    assert call.operation == "QueryVectors"
    assert "/s3vectors/aws4_request" in call.headers["Authorization"]
    assert call.body["topK"] == 5
    assert call.body["filter"] == {
        "$and": [
            {"userId": {"$eq": ALICE}},
            {"documentId": {"$in": ["doc-1"]}},
            {"tags": {"$in": [tag_token("finance")]}},
            {"fileType": {"$eq": "pdf"}},
            {"uploadedAt": {"$gte": datetime(2026, 1, 1, tzinfo=UTC).timestamp()}},
            {"uploadedAt": {"$lte": datetime(2026, 12, 31, tzinfo=UTC).timestamp()}},
        ]
    }


def test_searches_without_filters_still_filter_by_user(
    bucket: EmulatedVectorBucket, index: S3VectorsIndex
) -> None:
    index.search_chunks(ALICE, vector("anything"), k=3)
    index.search_memories(BOB, vector("anything"), k=3)
    assert [call.body["filter"] for call in bucket.calls] == [
        {"userId": {"$eq": ALICE}},
        {"userId": {"$eq": BOB}},
    ]


def test_keys_are_deterministic_and_a_replacement_deletes_old_chunks_by_key(
    bucket: EmulatedVectorBucket, index: S3VectorsIndex
) -> None:
    # Given a document of three chunks
    index.replace_document_chunks(
        ALICE, "doc-1", [chunk(ALICE, "doc-1", i, f"v1 {i}") for i in range(3)]
    )
    assert sorted(bucket.indexes["chunks"]) == [f"{ALICE}/doc-1#{i}" for i in range(3)]
    bucket.calls.clear()
    # When it is replaced by one chunk
    index.replace_document_chunks(ALICE, "doc-1", [chunk(ALICE, "doc-1", 0, "v2")])
    # Then its stored keys were looked up by key (no search), the new chunk put over #0, and
    # #2 then #1 deleted (highest first)
    assert bucket.operations() == ["GetVectors", "PutVectors", "DeleteVectors"]
    assert bucket.calls[0].body["keys"][:2] == [f"{ALICE}/doc-1#0", f"{ALICE}/doc-1#1"]
    assert bucket.calls[2].body["keys"] == [f"{ALICE}/doc-1#2", f"{ALICE}/doc-1#1"]
    assert list(bucket.indexes["chunks"]) == [f"{ALICE}/doc-1#0"]


def test_writes_and_deletes_are_batched_to_the_per_call_limits(
    bucket: EmulatedVectorBucket, index: S3VectorsIndex
) -> None:
    # Given a document of 1,201 chunks
    chunks = [chunk(ALICE, "doc-big", i, f"line {i}") for i in range(1201)]
    # When it is written, then deleted
    index.replace_document_chunks(ALICE, "doc-big", chunks)
    puts = [len(c.body["vectors"]) for c in bucket.calls if c.operation == "PutVectors"]
    bucket.calls.clear()
    index.delete_document(ALICE, "doc-big")
    # Then puts carry at most 500 vectors, lookups 100 keys, deletes 500 keys
    assert puts == [500, 500, 201]
    gets = [len(c.body["keys"]) for c in bucket.calls if c.operation == "GetVectors"]
    deletes = [len(c.body["keys"]) for c in bucket.calls if c.operation == "DeleteVectors"]
    assert gets == [100] * 13
    assert deletes == [500, 500, 201]
    assert bucket.indexes["chunks"] == {}


def test_top_k_beyond_the_service_limit_is_refused_before_any_call(
    bucket: EmulatedVectorBucket, index: S3VectorsIndex
) -> None:
    with pytest.raises(ValidationError, match="at most 100 results"):
        index.search_chunks(ALICE, vector("x"), k=101)
    assert bucket.calls == []


def test_throttling_is_retried_with_backoff_then_succeeds(bucket: EmulatedVectorBucket) -> None:
    # Given S3 Vectors throttles twice
    delays: list[float] = []
    index = emulated_s3vectors_index(bucket, sleep=delays.append, jitter=lambda: 1.0)
    bucket.injected = [(429, "TooManyRequestsException"), (503, "ServiceUnavailableException")]
    # When a memory is written
    index.put_memory(memory(ALICE, "m-1", "likes tea"))
    # Then the third attempt lands, after growing delays
    assert bucket.operations() == ["PutVectors"] * 3
    assert delays == [0.1, 0.2]
    assert f"{ALICE}/m-1" in bucket.indexes["memories"]


def test_throttling_that_persists_becomes_throttled(bucket: EmulatedVectorBucket) -> None:
    index = emulated_s3vectors_index(bucket, max_attempts=3)
    bucket.injected = [(429, "TooManyRequestsException")] * 3
    with pytest.raises(Throttled):
        index.search_memories(ALICE, vector("tea"), k=1)
    assert len(bucket.calls) == 3


def test_no_retry_is_started_that_the_deadline_cannot_wait_for(
    bucket: EmulatedVectorBucket,
) -> None:
    # Given an invocation with half a second left and a throttled first attempt
    index = emulated_s3vectors_index(bucket, base_delay=1.0, jitter=lambda: 1.0)
    bucket.injected = [(429, "TooManyRequestsException")]
    # When a search runs inside that deadline
    # Then it fails at once as throttled rather than sleeping past the deadline
    with deadline(0.5), pytest.raises(Throttled):
        index.search_chunks(ALICE, vector("x"), k=1)
    assert len(bucket.calls) == 1


def test_a_missing_index_is_unavailable_not_retried(bucket: EmulatedVectorBucket) -> None:
    index = emulated_s3vectors_index(bucket)
    del bucket.indexes["memories"]
    with pytest.raises(Unavailable):
        index.put_memory(memory(ALICE, "m-1", "x"))
    assert len(bucket.calls) == 1


def test_fifty_long_tags_fit_the_filterable_metadata_and_still_filter(
    index: S3VectorsIndex,
) -> None:
    # Given a chunk with 50 tags of 64 characters (3.2 KB of tag text)
    tags = tuple(f"{n:02d}" + "t" * 62 for n in range(50))
    index.replace_document_chunks(ALICE, "doc-1", [chunk(ALICE, "doc-1", 0, "x", tags=tags)])
    # When Alice filters on the last tag
    hits = index.search_chunks(ALICE, vector("x"), k=1, filters=SearchFilters(tags=(tags[-1],)))
    # Then the chunk is found with its tags intact
    assert [hit.metadata.tags for hit in hits] == [tags]


def test_metadata_over_the_service_limit_is_refused_before_sending(
    bucket: EmulatedVectorBucket, index: S3VectorsIndex
) -> None:
    huge = chunk(ALICE, "doc-1", 0, "x" * 50_000)
    with pytest.raises(ValidationError, match="metadata"):
        index.replace_document_chunks(ALICE, "doc-1", [huge])
    assert "PutVectors" not in bucket.operations()


def test_the_sweep_lists_owners_page_after_page(
    bucket: EmulatedVectorBucket, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given vectors of live and gone documents and memories, and pages of two
    index = emulated_s3vectors_index(bucket)
    written(index)
    monkeypatch.setattr(s3vectors, "MAX_LIST_PAGE", 2)
    bucket.calls.clear()
    documents = Existing((ALICE, "doc-live"), (BOB, "doc-bob"))
    sweep = VectorSweepService(index, documents, Existing((ALICE, "m-live")), ManualClock(NOW))
    # When the second delete pass runs
    report = sweep.sweep_orphan_vectors(chunk_window=None)
    # Then only the orphans' vectors are gone
    assert sorted(bucket.indexes["chunks"]) == [f"{ALICE}/doc-live#{i}" for i in range(3)] + [
        f"{BOB}/doc-bob#0"
    ]
    assert list(bucket.indexes["memories"]) == [f"{ALICE}/m-live"]
    assert (report.documentsSwept, report.memoriesSwept) == (1, 1)
    # And the listing went page after page with the service's token
    listing = [call.body for call in bucket.calls if call.operation == "ListVectors"]
    tokens = [body.get("nextToken") for body in listing if body["indexName"] == "chunks"]
    assert len(tokens) >= 3
    assert tokens[0] is None
    assert all(tokens[1:])


def test_the_client_is_built_on_first_use_only() -> None:
    built: list[int] = []
    index = S3VectorsIndex(lambda: built.append(1), bucket_name="b")
    assert built == []
    assert index._client is None
