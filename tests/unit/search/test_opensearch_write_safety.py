"""Vector writes are never duplicated by a retry, duplicates never reach a caller, and every
request's timeout fits in the invocation's deadline (issue 9, points 3 and 7)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from strata.budget import deadline
from strata.errors import Unavailable
from strata.search.opensearch import (
    REQUEST_TIMEOUT_SECONDS,
    OpenSearchVectorIndex,
    build_opensearch_client,
    chunk_document,
    memory_document,
)
from tests.unit.search.builders import chunk, memory, vector
from tests.unit.search.opensearch_emulator import EmulatedCollection
from tests.unit.search.opensearch_support import emulated_index

ALICE = "user-alice"


@pytest.fixture
def collection() -> EmulatedCollection:
    return EmulatedCollection()


@pytest.fixture
def index(collection: EmulatedCollection) -> OpenSearchVectorIndex:
    return emulated_index(collection)


def bulk_writes(collection: EmulatedCollection) -> list[object]:
    return [
        r for r in collection.requests if r.path.endswith("_bulk") and b'"index"' in r.body[:20]
    ]


def test_the_client_itself_never_retries() -> None:
    # Given the production client for a collection
    client = build_opensearch_client("abc.eu-west-1.aoss.amazonaws.com", "eu-west-1")
    # Then opensearch-py's transport retries nothing (it would resend a bulk write that landed)
    assert client.transport.max_retries == 0
    assert client.transport.retry_on_timeout is False


def test_a_write_that_landed_but_answered_504_is_sent_once(
    collection: EmulatedCollection, index: OpenSearchVectorIndex
) -> None:
    # Given the collection applies the next bulk write but the caller sees a gateway timeout
    collection.landed_then_failed.append(504)
    chunks = [chunk(ALICE, "doc-1", i, f"part {i}") for i in range(3)]
    # When the document's chunks are written
    with pytest.raises(Unavailable):
        index.replace_document_chunks(ALICE, "doc-1", chunks)
    # Then the write went out once: no chunk was written twice
    assert len(bulk_writes(collection)) == 1
    assert sorted(d["chunkId"] for d in collection.documents("chunks")) == [
        "doc-1:0",
        "doc-1:1",
        "doc-1:2",
    ]


def test_the_retried_write_deletes_what_landed_by_document_id_first(
    collection: EmulatedCollection, index: OpenSearchVectorIndex
) -> None:
    # Given a write that landed while the caller saw a 504
    collection.landed_then_failed.append(504)
    chunks = [chunk(ALICE, "doc-1", i, f"part {i}") for i in range(3)]
    with pytest.raises(Unavailable):
        index.replace_document_chunks(ALICE, "doc-1", chunks)
    landed = sorted(collection.indexes["chunks"])
    collection.requests.clear()
    # When the ingestion is retried (the message comes back)
    index.replace_document_chunks(ALICE, "doc-1", chunks)
    # Then it found what had landed by documentId, deleted it, and wrote one copy
    lookup, delete, write = collection.requests
    assert {"term": {"documentId": "doc-1"}} in lookup.json()["query"]["bool"]["filter"]
    assert sorted(line["delete"]["_id"] for line in delete.ndjson()) == landed
    assert write.ndjson()[0] == {"index": {}}
    assert len(collection.documents("chunks")) == 3


def test_a_bulk_delete_is_idempotent_and_is_retried(
    collection: EmulatedCollection, index: OpenSearchVectorIndex
) -> None:
    # Given an indexed document and a collection whose next bulk answers 503 after applying it
    index.replace_document_chunks(ALICE, "doc-1", [chunk(ALICE, "doc-1", 0, "one")])
    collection.requests.clear()
    collection.landed_then_failed.append(503)
    # When the document is deleted
    index.delete_document(ALICE, "doc-1")
    # Then the delete was sent again and the vectors are gone
    deletes = [r for r in collection.requests if r.path.endswith("_bulk")]
    assert len(deletes) == 2
    assert collection.documents("chunks") == []


def test_duplicate_chunks_come_back_once_with_the_newest_content(
    collection: EmulatedCollection, index: OpenSearchVectorIndex
) -> None:
    # Given the same chunk stored twice (an older and a newer write both still in the index)
    old = chunk(ALICE, "doc-1", 0, "holiday schedule for the team")
    new = replace(old, content="holiday schedule for the whole team", createdAt="2026-11-05T00:00Z")
    collection.add("chunks", chunk_document(old))
    collection.add("chunks", chunk_document(new))
    collection.add("chunks", chunk_document(chunk(ALICE, "doc-1", 1, "holiday budget")))
    # When Alice searches
    hits = index.search_chunks(ALICE, vector("holiday schedule team"), k=3)
    # Then each chunk id appears once, and the duplicate shows its newest content
    assert [hit.chunkId for hit in hits] == ["doc-1:0", "doc-1:1"]
    assert hits[0].content == new.content


def test_duplicate_memories_come_back_once(
    collection: EmulatedCollection, index: OpenSearchVectorIndex
) -> None:
    # Given one memory stored twice
    for _ in range(2):
        collection.add("memories", memory_document(memory(ALICE, "m-1", "likes jazz")))
    # When Alice's memories are searched
    hits = index.search_memories(ALICE, vector("jazz"), k=5)
    # Then it comes back once
    assert [hit.memoryId for hit in hits] == ["m-1"]


def test_every_request_timeout_is_bounded_by_the_deadline(
    collection: EmulatedCollection, index: OpenSearchVectorIndex
) -> None:
    # Given no deadline, a search uses the configured request timeout
    index.search_chunks(ALICE, vector("x"), k=1)
    assert collection.requests[-1].timeout == REQUEST_TIMEOUT_SECONDS
    # When an invocation has 4 seconds left
    with deadline(4.0):
        index.replace_document_chunks(ALICE, "doc-1", [chunk(ALICE, "doc-1", 0, "one")])
    # Then no request of the write may wait longer than that
    timeouts = [r.timeout for r in collection.requests[1:]]
    assert timeouts
    assert all(t is not None and 0 < t <= 4.0 for t in timeouts)


def test_no_request_starts_when_the_deadline_has_passed(
    collection: EmulatedCollection, index: OpenSearchVectorIndex
) -> None:
    # Given an invocation with no time left
    with deadline(0.0), pytest.raises(Unavailable) as raised:
        # When a search is attempted
        index.search_chunks(ALICE, vector("x"), k=1)
    # Then it fails at once, without a request
    assert raised.value.details["operation"] == "opensearch.search"
    assert collection.requests == []
