"""What only the local index offers: counts for tests, and safety under concurrent writers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from strata.search.local import LocalVectorIndex
from tests.unit.search.builders import chunk, memory


def test_counts_report_what_is_stored_per_user_and_document() -> None:
    # Given two documents of one user and a memory
    index = LocalVectorIndex()
    index.replace_document_chunks("u1", "d1", [chunk("u1", "d1", i, f"text {i}") for i in range(3)])
    index.replace_document_chunks("u1", "d2", [chunk("u1", "d2", 0, "other")])
    index.put_memory(memory("u1", "m1", "likes tea"))
    # Then the counts say so, and say nothing for another user
    assert index.chunk_count("u1") == 4
    assert index.chunk_count("u1", "d1") == 3
    assert index.chunk_count("u2") == 0
    assert index.memory_count("u1") == 1


def test_concurrent_re_ingestions_leave_exactly_one_copy() -> None:
    # Given many threads re-ingesting the same document at once
    index = LocalVectorIndex()
    chunks = [chunk("u1", "d1", i, f"paragraph {i}") for i in range(20)]

    def ingest(_: int) -> None:
        index.replace_document_chunks("u1", "d1", chunks)

    # When they all finish
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(ingest, range(50)))
    # Then the document holds one copy of each chunk
    assert index.chunk_count("u1", "d1") == 20
