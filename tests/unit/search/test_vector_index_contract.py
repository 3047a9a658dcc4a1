"""One contract, every vector index: the local one, the OpenSearch one (over an emulated
transport, see ``opensearch_emulator``), the S3 Vectors one (the real boto3 client answered by
``s3vectors_emulator``) and the local stack's remote one (``local.vectors``, over its
``/_local/vectors`` routes served in process). Each test runs against all four."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from strata.errors import ValidationError
from strata.search.local import LocalVectorIndex
from strata.search.types import DocumentFields, SearchFilters, VectorIndex
from tests.unit.search.builders import DIMENSION, chunk, memory, vector
from tests.unit.search.opensearch_emulator import EmulatedCollection
from tests.unit.search.opensearch_support import emulated_index
from tests.unit.search.remote_support import served_remote_index
from tests.unit.search.s3vectors_emulator import EmulatedVectorBucket
from tests.unit.search.s3vectors_support import emulated_s3vectors_index

ALICE, BOB = "user-alice", "user-bob"


@pytest.fixture(params=["local", "opensearch", "s3vectors", "local-stack"])
def index(request: pytest.FixtureRequest) -> Iterator[VectorIndex]:
    if request.param == "local":
        yield LocalVectorIndex(dimension=DIMENSION)
    elif request.param == "opensearch":
        yield emulated_index(EmulatedCollection())
    elif request.param == "s3vectors":
        yield emulated_s3vectors_index(EmulatedVectorBucket())
    else:
        with served_remote_index(LocalVectorIndex(dimension=DIMENSION)) as remote:
            yield remote


def test_a_user_never_sees_another_users_chunks(index: VectorIndex) -> None:
    # Given Alice and Bob each own a document about the same topic
    index.replace_document_chunks(ALICE, "doc-a", [chunk(ALICE, "doc-a", 0, "vacation policy")])
    index.replace_document_chunks(BOB, "doc-b", [chunk(BOB, "doc-b", 0, "vacation policy")])
    # When Alice searches for it, asking for many results
    hits = index.search_chunks(ALICE, vector("vacation policy"), k=10)
    # Then only her chunk comes back
    assert [hit.chunkId for hit in hits] == ["doc-a:0"]


def test_hits_are_ranked_by_cosine_similarity(index: VectorIndex) -> None:
    # Given a document with an exactly matching, a related and an unrelated chunk
    index.replace_document_chunks(
        ALICE,
        "doc-a",
        [
            chunk(ALICE, "doc-a", 0, "the cafeteria menu for monday"),
            chunk(ALICE, "doc-a", 1, "travel expenses are reimbursed monthly"),
            chunk(ALICE, "doc-a", 2, "travel expenses"),
        ],
    )
    # When Alice searches for the exact text of one chunk
    hits = index.search_chunks(ALICE, vector("travel expenses"), k=3)
    # Then that chunk is first with a cosine of 1, and scores never increase down the list
    assert [hit.chunkId for hit in hits][:2] == ["doc-a:2", "doc-a:1"]
    assert hits[0].score == pytest.approx(1.0, abs=1e-6)
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)
    assert hits[0].content == "travel expenses"
    assert hits[0].metadata.fileName == "report.pdf"
    assert hits[0].metadata.pageNumber == 1


def test_k_bounds_the_number_of_hits(index: VectorIndex) -> None:
    # Given five chunks
    chunks = [chunk(ALICE, "doc-a", i, f"budget line {i}") for i in range(5)]
    index.replace_document_chunks(ALICE, "doc-a", chunks)
    # When Alice asks for two
    hits = index.search_chunks(ALICE, vector("budget line"), k=2)
    # Then two come back
    assert len(hits) == 2


def test_replacing_a_document_removes_its_old_chunks(index: VectorIndex) -> None:
    # Given a document indexed with three chunks
    old = [chunk(ALICE, "doc-a", i, f"old draft section {i}") for i in range(3)]
    index.replace_document_chunks(ALICE, "doc-a", old)
    # When it is re-ingested with one chunk
    index.replace_document_chunks(ALICE, "doc-a", [chunk(ALICE, "doc-a", 0, "final text")])
    # Then only the new chunk is found
    hits = index.search_chunks(ALICE, vector("old draft section final text"), k=10)
    assert [(hit.chunkId, hit.content) for hit in hits] == [("doc-a:0", "final text")]


def test_replacing_twice_with_the_same_chunks_leaves_one_copy(index: VectorIndex) -> None:
    # Given the same chunks written twice (a redelivered ingestion event)
    chunks = [chunk(ALICE, "doc-a", i, f"clause number {i}") for i in range(3)]
    index.replace_document_chunks(ALICE, "doc-a", chunks)
    index.replace_document_chunks(ALICE, "doc-a", chunks)
    # When Alice searches
    hits = index.search_chunks(ALICE, vector("clause number"), k=10)
    # Then each chunk is there exactly once
    assert sorted(hit.chunkId for hit in hits) == ["doc-a:0", "doc-a:1", "doc-a:2"]


def test_deleting_a_document_leaves_the_others(index: VectorIndex) -> None:
    # Given two documents of Alice and one of Bob with the same id
    index.replace_document_chunks(ALICE, "doc-a", [chunk(ALICE, "doc-a", 0, "alpha notes")])
    index.replace_document_chunks(ALICE, "doc-b", [chunk(ALICE, "doc-b", 0, "alpha notes")])
    index.replace_document_chunks(BOB, "doc-a", [chunk(BOB, "doc-a", 0, "alpha notes")])
    # When Alice deletes doc-a
    index.delete_document(ALICE, "doc-a")
    # Then her other document and Bob's doc-a remain
    assert [h.chunkId for h in index.search_chunks(ALICE, vector("alpha"), k=10)] == ["doc-b:0"]
    assert [h.chunkId for h in index.search_chunks(BOB, vector("alpha"), k=10)] == ["doc-a:0"]


def test_replacing_with_no_chunks_empties_the_document(index: VectorIndex) -> None:
    index.replace_document_chunks(ALICE, "doc-a", [chunk(ALICE, "doc-a", 0, "gamma")])
    index.replace_document_chunks(ALICE, "doc-a", [])
    assert index.search_chunks(ALICE, vector("gamma"), k=10) == []


def test_a_chunk_of_another_user_is_refused(index: VectorIndex) -> None:
    # Given a chunk that names Bob as its owner
    bobs = chunk(BOB, "doc-a", 0, "secret")
    # When it is written as Alice's document
    # Then the write is refused
    with pytest.raises(ValidationError):
        index.replace_document_chunks(ALICE, "doc-a", [bobs])


@pytest.fixture
def three_documents(index: VectorIndex) -> VectorIndex:
    index.replace_document_chunks(
        ALICE,
        "doc-1",
        [
            chunk(
                ALICE,
                "doc-1",
                0,
                "quarterly sales figures",
                file_type="pdf",
                tags=("finance", "q3"),
                upload_date="2026-01-10T00:00:00Z",
            )
        ],
    )
    index.replace_document_chunks(
        ALICE,
        "doc-2",
        [
            chunk(
                ALICE,
                "doc-2",
                0,
                "quarterly sales plan",
                file_type="docx",
                tags=("planning",),
                upload_date="2026-02-10T00:00:00Z",
            )
        ],
    )
    index.replace_document_chunks(
        ALICE,
        "doc-3",
        [
            chunk(
                ALICE,
                "doc-3",
                0,
                "quarterly sales review",
                file_type="pdf",
                tags=("finance",),
                upload_date="2026-03-10T00:00:00Z",
            )
        ],
    )
    return index


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (SearchFilters(documentIds=("doc-1", "doc-3")), ["doc-1", "doc-3"]),
        (SearchFilters(tags=("q3", "planning")), ["doc-1", "doc-2"]),
        (SearchFilters(fileType="docx"), ["doc-2"]),
        (SearchFilters(uploadedAfter=datetime(2026, 2, 10, tzinfo=UTC)), ["doc-2", "doc-3"]),
        (SearchFilters(uploadedBefore=datetime(2026, 2, 10)), ["doc-1", "doc-2"]),
        (
            SearchFilters(
                fileType="pdf", tags=("finance",), uploadedAfter=datetime(2026, 2, 1, tzinfo=UTC)
            ),
            ["doc-3"],
        ),
        (SearchFilters(documentIds=("doc-unknown",)), []),
    ],
    ids=["documents", "tags-any", "file-type", "after-incl", "before-naive-utc", "all", "none"],
)
def test_caller_filters_narrow_the_users_chunks(
    three_documents: VectorIndex, filters: SearchFilters, expected: list[str]
) -> None:
    # Given three of Alice's documents with different types, tags and dates
    # When she searches with filters
    hits = three_documents.search_chunks(ALICE, vector("quarterly sales"), k=10, filters=filters)
    # Then exactly the matching documents come back
    assert sorted(hit.documentId for hit in hits) == expected


def test_filters_never_widen_to_other_users(three_documents: VectorIndex) -> None:
    # Given Alice's documents, when Bob filters by one of her document ids
    hits = three_documents.search_chunks(
        BOB, vector("quarterly sales"), k=10, filters=SearchFilters(documentIds=("doc-1",))
    )
    # Then he gets nothing
    assert hits == []


def test_memories_are_user_scoped_replaced_and_deleted(index: VectorIndex) -> None:
    # Given Alice and Bob each have a memory, and Alice rewrites hers
    index.put_memory(memory(ALICE, "m-1", "prefers short answers"))
    index.put_memory(memory(BOB, "m-2", "prefers short answers"))
    index.put_memory(memory(ALICE, "m-1", "prefers short answers in French", kind="preference"))
    # When Alice searches her memories
    hits = index.search_memories(ALICE, vector("short answers"), k=10)
    # Then she gets her one memory, in its latest version
    assert [(h.memoryId, h.type, h.content) for h in hits] == [
        ("m-1", "preference", "prefers short answers in French")
    ]
    assert hits[0].relevanceScore == pytest.approx(0.8)
    # And once deleted it is gone, while Bob's remains
    index.delete_memory(ALICE, "m-1")
    assert index.search_memories(ALICE, vector("short answers"), k=10) == []
    assert [h.memoryId for h in index.search_memories(BOB, vector("short"), k=10)] == ["m-2"]


@pytest.mark.parametrize("k", [0, 101])
def test_k_out_of_range_is_refused(index: VectorIndex, k: int) -> None:
    with pytest.raises(ValidationError):
        index.search_chunks(ALICE, vector("anything"), k=k)


def test_a_vector_of_the_wrong_dimension_is_refused(index: VectorIndex) -> None:
    with pytest.raises(ValidationError):
        index.search_chunks(ALICE, (1.0, 0.0), k=1)


def test_new_document_fields_reach_every_vector_of_the_document_once(index: VectorIndex) -> None:
    # Given a document of two chunks tagged "draft", and another document of Alice's
    chunks = [chunk(ALICE, "doc-a", i, f"quarterly plan part {i}", tags=("draft",)) for i in (0, 1)]
    index.replace_document_chunks(ALICE, "doc-a", chunks)
    index.replace_document_chunks(ALICE, "doc-b", [chunk(ALICE, "doc-b", 0, "quarterly plan")])
    # When its owner retags, retitles and retypes it, twice (a retried stream record)
    fields = DocumentFields(tags=("final",), title="Plan", fileType="text/markdown")
    counts = [index.update_document_fields(ALICE, "doc-a", fields) for _ in range(2)]
    # Then both chunks carry the new fields, once each, and the other document is untouched
    assert counts == [2, 2]
    query = vector("quarterly plan")
    final = index.search_chunks(ALICE, query, k=10, filters=SearchFilters(tags=("final",)))
    assert sorted(hit.chunkId for hit in final) == ["doc-a:0", "doc-a:1"]
    assert {(h.metadata.title, h.metadata.fileType) for h in final} == {("Plan", "text/markdown")}
    assert index.search_chunks(ALICE, query, k=10, filters=SearchFilters(tags=("draft",))) == []
    assert len(index.search_chunks(ALICE, query, k=10)) == 3
