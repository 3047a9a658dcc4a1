"""The exact requests the OpenSearch index sends, and how it reads the answers and failures."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from strata.errors import Throttled, Unavailable, ValidationError
from strata.search import opensearch
from strata.search.opensearch import OpenSearchVectorIndex, build_opensearch_client
from strata.search.types import SearchFilters
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


def test_a_search_is_one_signed_knn_query_filtered_by_user_inside_the_knn_clause(
    collection: EmulatedCollection, index: OpenSearchVectorIndex
) -> None:
    # Given a query vector and every caller filter
    query = vector("holiday schedule")
    filters = SearchFilters(
        documentIds=("doc-1", "doc-2"),
        tags=("hr",),
        fileType="pdf",
        uploadedAfter=datetime(2026, 1, 1, tzinfo=UTC),
        uploadedBefore=datetime(2026, 6, 30, 12, 0),
    )
    # When Alice searches
    index.search_chunks(ALICE, query, k=7, filters=filters)
    # Then exactly one request went out: a knn query whose own filter starts with her user id
    (sent,) = collection.requests
    assert (sent.method, sent.path) == ("POST", "/chunks/_search")
    assert sent.json() == {
        "size": 7,
        "_source": {"excludes": ["embedding"]},
        "query": {
            "knn": {
                "embedding": {
                    "vector": list(query),
                    "k": 7,
                    "filter": {
                        "bool": {
                            "filter": [
                                {"term": {"userId": ALICE}},
                                {"terms": {"documentId": ["doc-1", "doc-2"]}},
                                {"terms": {"metadata.tags": ["hr"]}},
                                {"term": {"metadata.fileType": "pdf"}},
                                {
                                    "range": {
                                        "uploadDate": {
                                            "gte": "2026-01-01T00:00:00+00:00",
                                            "lte": "2026-06-30T12:00:00+00:00",
                                        }
                                    }
                                },
                            ]
                        }
                    },
                }
            }
        },
    }
    # And it was signed with SigV4 for the aoss service in the collection's region
    authorization = sent.headers["Authorization"]
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/eu-west-1/aoss/aws4_request" in authorization
    assert "x-amz-content-sha256" in authorization.split("SignedHeaders=")[1]


def test_a_search_without_filters_still_filters_by_user(
    collection: EmulatedCollection, index: OpenSearchVectorIndex
) -> None:
    index.search_chunks(ALICE, vector("anything"), k=3)
    (sent,) = collection.requests
    assert sent.json()["query"]["knn"]["embedding"]["filter"] == {
        "bool": {"filter": [{"term": {"userId": ALICE}}]}
    }


def test_replacing_a_document_finds_old_ids_deletes_them_then_writes_without_ids(
    collection: EmulatedCollection, index: OpenSearchVectorIndex
) -> None:
    # Given a document already indexed with two chunks
    index.replace_document_chunks(
        ALICE, "doc-1", [chunk(ALICE, "doc-1", 0, "one"), chunk(ALICE, "doc-1", 1, "two")]
    )
    old_ids = sorted(collection.indexes["chunks"])
    collection.requests.clear()
    # When it is re-ingested with one chunk
    new = chunk(ALICE, "doc-1", 0, "three", tags=("t",))
    index.replace_document_chunks(ALICE, "doc-1", [new])
    # Then: an id lookup for the user's document, a bulk delete of those ids, a bulk write
    lookup, delete, write = collection.requests
    assert (lookup.path, lookup.json()) == (
        "/chunks/_search",
        {
            "size": 1000,
            "_source": False,
            "query": {
                "bool": {"filter": [{"term": {"userId": ALICE}}, {"term": {"documentId": "doc-1"}}]}
            },
        },
    )
    assert delete.path == "/chunks/_bulk"
    assert sorted(line["delete"]["_id"] for line in delete.ndjson()) == old_ids
    assert write.path == "/chunks/_bulk"
    assert write.body.endswith(b"\n")
    assert write.ndjson() == [
        {"index": {}},
        {
            "chunkId": "doc-1:0",
            "documentId": "doc-1",
            "userId": ALICE,
            "chunkIndex": 0,
            "content": "three",
            "embedding": list(new.embedding),
            "metadata": {
                "fileName": "report.pdf",
                "fileType": "pdf",
                "pageNumber": 1,
                "section": None,
                "wordCount": 1,
                "charCount": 5,
                "startPosition": 0,
                "endPosition": 5,
                "tags": ["t"],
                "title": None,
                "pageEnd": None,
                "pageStarts": [],
            },
            "uploadDate": "2026-11-01T10:00:00Z",
            "createdAt": "2026-11-01T10:00:00Z",
        },
    ]
    assert [doc["content"] for doc in collection.documents("chunks")] == ["three"]


def test_id_lookup_pages_exclude_ids_already_found(
    collection: EmulatedCollection, index: OpenSearchVectorIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given five chunks and an id page of two
    index.replace_document_chunks(
        ALICE, "doc-1", [chunk(ALICE, "doc-1", i, f"part {i}") for i in range(5)]
    )
    monkeypatch.setattr(opensearch, "ID_PAGE_SIZE", 2)
    collection.requests.clear()
    # When the document is deleted
    index.delete_document(ALICE, "doc-1")
    # Then three pages were read, each excluding what the previous ones found, and all went
    searches = [r.json() for r in collection.requests if r.path.endswith("_search")]
    excluded = [s["query"]["bool"].get("must_not", [{"ids": {"values": []}}]) for s in searches]
    assert [len(clause[0]["ids"]["values"]) for clause in excluded] == [0, 2, 4]
    assert collection.documents("chunks") == []


def test_bulk_writes_are_split_under_the_size_limit(collection: EmulatedCollection) -> None:
    # Given an index allowed 4 KiB per bulk request and chunks of more than 1.5 KiB each
    index = emulated_index(collection, max_bulk_bytes=4096)
    chunks = [chunk(ALICE, "doc-1", i, "word " * 200) for i in range(6)]
    # When they are written
    index.replace_document_chunks(ALICE, "doc-1", chunks)
    # Then several bulk requests went out, none above the limit, and every chunk arrived
    bulks = [r for r in collection.requests if r.path.endswith("_bulk")]
    assert len(bulks) == 3
    assert all(len(r.body) <= 4096 for r in bulks)
    assert sorted(d["chunkId"] for d in collection.documents("chunks")) == [
        f"doc-1:{i}" for i in range(6)
    ]


def test_a_document_too_large_for_one_bulk_request_is_refused_before_sending(
    collection: EmulatedCollection,
) -> None:
    index = emulated_index(collection, max_bulk_bytes=512)
    with pytest.raises(ValidationError):
        index.replace_document_chunks(ALICE, "doc-1", [chunk(ALICE, "doc-1", 0, "x" * 600)])
    assert not [r for r in collection.requests if r.path.endswith("_bulk")]


def test_a_memory_is_looked_up_by_id_deleted_and_rewritten(
    collection: EmulatedCollection, index: OpenSearchVectorIndex
) -> None:
    index.put_memory(memory(ALICE, "m-1", "likes jazz"))
    collection.requests.clear()
    index.put_memory(memory(ALICE, "m-1", "likes jazz and blues"))
    lookup, delete, write = collection.requests
    assert lookup.path == "/memories/_search"
    assert lookup.json()["query"] == {
        "bool": {"filter": [{"term": {"userId": ALICE}}, {"term": {"memoryId": "m-1"}}]}
    }
    assert list(delete.ndjson()[0]) == ["delete"]
    assert write.ndjson()[0] == {"index": {}}
    assert [d["content"] for d in collection.documents("memories")] == ["likes jazz and blues"]


def test_a_whole_relevance_score_is_written_as_a_float(
    collection: EmulatedCollection, index: OpenSearchVectorIndex
) -> None:
    # Given a memory whose relevance score is the integer 1 (the index maps the field on first
    # write, so an integer would make it a long and refuse later fractions)
    whole = replace(memory(ALICE, "m-1", "likes jazz"), relevanceScore=1)
    # When it is written
    index.put_memory(whole)
    # Then the bulk body carries 1.0, a float
    written = collection.requests[-1].body.decode().splitlines()[1]
    assert '"relevanceScore": 1.0' in written or '"relevanceScore":1.0' in written


def test_scores_are_reported_as_cosine_similarities() -> None:
    # faiss inner product: 1 + dot for dot >= 0, 1 / (1 - dot) below
    assert opensearch.score_to_cosine(1.75) == pytest.approx(0.75)
    assert opensearch.score_to_cosine(1.0) == pytest.approx(0.0)
    assert opensearch.score_to_cosine(0.8) == pytest.approx(-0.25)


def test_throttling_from_the_collection_becomes_throttled(
    collection: EmulatedCollection, index: OpenSearchVectorIndex
) -> None:
    collection.injected.append((429, {"error": {"type": "too_many_requests"}, "status": 429}))
    with pytest.raises(Throttled) as raised:
        index.search_chunks(ALICE, vector("x"), k=1)
    assert raised.value.details["status"] == 429


def test_a_collection_outage_is_retried_then_becomes_unavailable(
    collection: EmulatedCollection, index: OpenSearchVectorIndex
) -> None:
    # Given the collection answers 503 three times (opensearch-py retries 503 twice)
    for _ in range(3):
        collection.injected.append((503, {"error": {"type": "unavailable"}, "status": 503}))
    # Then the search fails as Unavailable after three attempts
    with pytest.raises(Unavailable):
        index.search_chunks(ALICE, vector("x"), k=1)
    assert len(collection.requests) == 3


@pytest.mark.parametrize(("status", "error"), [(429, Throttled), (400, Unavailable)])
def test_failed_bulk_items_are_errors(
    collection: EmulatedCollection,
    index: OpenSearchVectorIndex,
    status: int,
    error: type[Exception],
) -> None:
    collection.failing_item_status = status
    with pytest.raises(error):
        index.replace_document_chunks(ALICE, "doc-1", [chunk(ALICE, "doc-1", 0, "text")])


def test_the_client_is_built_on_first_use_only() -> None:
    # Given an index whose client factory records its calls
    calls: list[str] = []

    def connect() -> object:
        calls.append("built")
        return build_opensearch_client("abc.us-east-1.aoss.amazonaws.com", "us-east-1")

    index = OpenSearchVectorIndex(connect)
    # Then nothing is built until the client is needed, and then once
    assert calls == []
    first, second = index.client, index.client
    assert first is second
    assert calls == ["built"]
    (connection,) = first.transport.connection_pool.connections
    assert connection.host == "https://abc.us-east-1.aoss.amazonaws.com:443"


def test_a_malformed_endpoint_is_refused() -> None:
    with pytest.raises(ValueError, match="endpoint"):
        build_opensearch_client("https://", "us-east-1")
