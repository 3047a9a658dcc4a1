"""The delayed second delete pass: vectors whose document or memory is gone are removed, through
the production OpenSearch index over the recording transport (issue 9, point 3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from strata.clock import ManualClock
from strata.errors import NotFound
from strata.search import opensearch
from strata.search.local import LocalVectorIndex
from strata.search.types import VectorIndex
from strata.services.vector_sweep import VectorSweepService
from tests.unit.search.builders import DIMENSION, chunk, memory
from tests.unit.search.opensearch_emulator import EmulatedCollection
from tests.unit.search.opensearch_support import emulated_index

ALICE, BOB = "user-alice", "user-bob"
NOW = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)


class Existing:
    """The table's answer: these (user, id) pairs exist, anything else is NotFound."""

    def __init__(self, *pairs: tuple[str, str]) -> None:
        self.pairs = set(pairs)
        self.consistent: list[bool] = []

    def get(self, user_id: str, item_id: str, *, consistent: bool = False) -> object:
        self.consistent.append(consistent)
        if (user_id, item_id) not in self.pairs:
            raise NotFound("gone")
        return object()


def written(index: VectorIndex) -> None:
    index.replace_document_chunks(
        ALICE, "doc-live", [chunk(ALICE, "doc-live", i, f"kept {i}") for i in range(3)]
    )
    index.replace_document_chunks(
        ALICE, "doc-gone", [chunk(ALICE, "doc-gone", i, f"orphan {i}") for i in range(3)]
    )
    index.replace_document_chunks(BOB, "doc-bob", [chunk(BOB, "doc-bob", 0, "bob's")])
    index.put_memory(memory(ALICE, "m-live", "likes jazz"))
    index.put_memory(memory(ALICE, "m-gone", "likes opera"))


def test_the_sweep_deletes_only_vectors_whose_owner_is_gone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given vectors of live and deleted documents and memories, read in pages of two
    collection = EmulatedCollection()
    index = emulated_index(collection)
    written(index)
    monkeypatch.setattr(opensearch, "OWNER_PAGE_SIZE", 2)
    documents = Existing((ALICE, "doc-live"), (BOB, "doc-bob"))
    memories = Existing((ALICE, "m-live"))
    sweep = VectorSweepService(index, documents, memories, ManualClock(NOW))
    collection.requests.clear()
    # When the second delete pass runs
    report = sweep.sweep_orphan_vectors(chunk_window=None)
    # Then only the orphans are gone
    assert sorted({d["documentId"] for d in collection.documents("chunks")}) == [
        "doc-bob",
        "doc-live",
    ]
    assert [d["memoryId"] for d in collection.documents("memories")] == ["m-live"]
    assert (report.documentsChecked, report.documentsSwept) == (3, 1)
    assert (report.memoriesChecked, report.memoriesSwept) == (2, 1)
    # And existence was read consistently (a document created a moment ago counts as live)
    assert all(documents.consistent)
    # And the owners were listed sorted on a keyword field, page after page (no scroll)
    listing = [r.json() for r in collection.requests if "sort" in r.body.decode()]
    assert listing[0]["sort"] == [{"chunkId": "asc"}]
    assert "search_after" not in listing[0]
    assert listing[1]["search_after"] == ["doc-gone:0"]


def test_the_sweep_checks_only_chunks_written_within_the_window() -> None:
    # Given an orphaned document indexed on 1 November and a sweep on 3 November
    collection = EmulatedCollection()
    index = emulated_index(collection)
    written(index)
    sweep = VectorSweepService(index, Existing(), Existing(), ManualClock(NOW))
    collection.requests.clear()
    # When the sweep looks back one day only
    report = sweep.sweep_orphan_vectors(chunk_window=timedelta(days=1))
    # Then the listing asked for chunks written since then and found none to check
    first = collection.requests[0].json()
    assert first["query"] == {
        "bool": {"filter": [{"range": {"createdAt": {"gte": "2026-11-02T12:00:00.000000Z"}}}]}
    }
    assert report.documentsChecked == 0


def test_the_local_index_sweeps_the_same_way() -> None:
    index = LocalVectorIndex(dimension=DIMENSION)
    written(index)
    sweep = VectorSweepService(index, Existing((ALICE, "doc-live")), Existing(), ManualClock(NOW))
    report = sweep.sweep_orphan_vectors(chunk_window=None)
    assert (report.documentsSwept, report.memoriesSwept) == (2, 2)
    assert index.chunk_count(ALICE) == 3
    assert index.chunk_count(BOB) == 0
    assert index.memory_count(ALICE) == 0
