"""Semantic search over one user's documents (and, when asked, their memories)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from strata.errors import ValidationError
from strata.search.models import (
    MAX_K,
    MAX_QUERY_CHARS,
    MemoryResult,
    SearchResponse,
    SearchResult,
)
from strata.search.tokens import tokenize
from strata.search.types import ChunkHit, Embedder, MemoryHit, SearchFilters, VectorIndex

SNIPPET_CHARS = 280
MEMORY_HITS = 5


@dataclass(frozen=True)
class Retrieval:
    """The raw passages behind a search, best first: what the assistant reads."""

    chunks: tuple[ChunkHit, ...]
    memories: tuple[MemoryHit, ...]


class SearchService:
    """Embeds the query once, then asks the index for the caller's passages only.

    The user id is passed to the index, which puts it inside the knn filter of every query;
    nothing here can widen a search to another user's data.
    """

    def __init__(self, embedder: Embedder, index: VectorIndex, *, memory_k: int = MEMORY_HITS):
        self._embedder = embedder
        self._index = index
        self._memory_k = memory_k

    def retrieve(
        self,
        user_id: str,
        query: str,
        k: int,
        filters: SearchFilters | None = None,
        include_memories: bool = False,
    ) -> Retrieval:
        query = _checked(user_id, query, k)
        (vector,) = self._embedder.embed([query])
        chunks = self._index.search_chunks(user_id, vector, k, filters)
        memories: list[MemoryHit] = []
        if include_memories:
            memories = self._index.search_memories(user_id, vector, self._memory_k)
        return Retrieval(tuple(chunks), tuple(memories))

    def search(
        self,
        user_id: str,
        query: str,
        k: int = 10,
        filters: SearchFilters | None = None,
        include_memories: bool = False,
    ) -> SearchResponse:
        found = self.retrieve(user_id, query, k, filters, include_memories)
        return SearchResponse(
            query=query.strip(),
            results=[
                SearchResult(
                    document_id=hit.documentId,
                    chunk_id=hit.chunkId,
                    file_name=hit.metadata.fileName,
                    file_type=hit.metadata.fileType,
                    page=cited_page(hit, query),
                    section=hit.metadata.section,
                    snippet=make_snippet(hit.content, query),
                    score=round(hit.score, 6),
                )
                for hit in found.chunks
            ],
            memories=[
                MemoryResult(
                    memory_id=hit.memoryId,
                    type=hit.type,
                    snippet=make_snippet(hit.content, query),
                    score=round(hit.score, 6),
                )
                for hit in found.memories
            ],
        )


def cited_page(hit: ChunkHit, query: str) -> int | None:
    """The page of the passage's words that the snippet centres on (a passage may run from one
    page onto the next; the citation names the page of the quoted text)."""
    meta = hit.metadata
    if meta.pageNumber is None or not meta.pageStarts:
        return meta.pageNumber
    offset = _first_match(hit.content, tokenize(query))
    return meta.pageNumber + sum(1 for start in meta.pageStarts if start <= offset)


def _checked(user_id: str, query: str, k: int) -> str:
    if not user_id:
        raise ValidationError("a search needs the caller's user id")
    query = query.strip()
    if not query:
        raise ValidationError("the query is empty", details={"field": "query"})
    if len(query) > MAX_QUERY_CHARS:
        raise ValidationError(
            f"the query is longer than {MAX_QUERY_CHARS} characters", details={"field": "query"}
        )
    if not 1 <= k <= MAX_K:
        raise ValidationError(f"k must be between 1 and {MAX_K}", details={"field": "k"})
    return query


def make_snippet(content: str, query: str, width: int = SNIPPET_CHARS) -> str:
    """At most ``width`` characters of ``content`` (whitespace collapsed), around the first word
    of the query it contains, cut at word boundaries, with an ellipsis where text was left out."""
    text = " ".join(content.split())
    if len(text) <= width:
        return text
    anchor = _first_match(text, tokenize(query))
    start = max(0, anchor - width // 3)
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < anchor else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return f"{prefix}{text[start:end].strip()}{suffix}"


def _first_match(text: str, terms: Sequence[str]) -> int:
    positions = [
        match.start()
        for term in terms
        if len(term) > 2
        for match in [re.search(rf"\b{re.escape(term)}", text, re.IGNORECASE)]
        if match is not None
    ]
    return min(positions, default=0)
