"""The contract between ingestion, search and answers: what an embedder and a vector index do.

Two implementations stand behind each protocol: the AWS one (Bedrock Titan v2, OpenSearch
Serverless) and the local one (a deterministic lexical embedder, an exact in-memory index) used by
tests and the local stack. One contract test suite runs against both indexes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class ChunkMetadata:
    fileName: str
    fileType: str
    wordCount: int
    charCount: int
    startPosition: int
    endPosition: int
    pageNumber: int | None = None  # the page the chunk starts on
    section: str | None = None
    tags: tuple[str, ...] = ()
    title: str | None = None
    pageEnd: int | None = None  # the page it ends on
    pageStarts: tuple[int, ...] = ()  # offsets in content where pageNumber+1.. begin


@dataclass(frozen=True)
class DocumentFields:
    """What a document's owner can change after ingestion that its vectors carry."""

    tags: tuple[str, ...] = ()
    title: str | None = None
    fileType: str | None = None


@dataclass(frozen=True)
class ChunkVector:
    """One chunk of one document with its embedding, as written to the ``chunks`` index."""

    chunkId: str  # f"{documentId}:{chunkIndex}"
    documentId: str
    userId: str
    chunkIndex: int
    content: str
    embedding: tuple[float, ...]
    metadata: ChunkMetadata
    uploadDate: str  # ISO 8601
    createdAt: str  # ISO 8601


@dataclass(frozen=True)
class MemoryVector:
    """One user memory with its embedding, as written to the ``memories`` index."""

    memoryId: str
    userId: str
    type: str
    content: str
    embedding: tuple[float, ...]
    relevanceScore: float
    createdAt: str


@dataclass(frozen=True)
class SearchFilters:
    """The caller's optional filters. ``userId`` is never one of them: the index always adds it."""

    documentIds: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    fileType: str | None = None
    uploadedAfter: datetime | None = None
    uploadedBefore: datetime | None = None


@dataclass(frozen=True)
class ChunkHit:
    chunkId: str
    documentId: str
    chunkIndex: int
    content: str
    score: float
    metadata: ChunkMetadata


@dataclass(frozen=True)
class MemoryHit:
    memoryId: str
    type: str
    content: str
    score: float
    relevanceScore: float


class Embedder(Protocol):
    """Turns texts into L2-normalized vectors of ``dimension`` floats, in input order."""

    @property
    def dimension(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> list[tuple[float, ...]]: ...


class VectorIndex(Protocol):
    """User-scoped vector storage. Every read is filtered by ``user_id`` inside the knn query."""

    def replace_document_chunks(
        self, user_id: str, document_id: str, chunks: Sequence[ChunkVector]
    ) -> None:
        """Delete every vector of the document, then write ``chunks`` (idempotent re-ingestion)."""
        ...

    def delete_document(self, user_id: str, document_id: str) -> None: ...

    def update_document_fields(self, user_id: str, document_id: str, fields: DocumentFields) -> int:
        """Give every vector of the document these tags, title and file type (embeddings
        unchanged); idempotent. Returns how many vectors the document has."""
        ...

    def search_chunks(
        self,
        user_id: str,
        vector: Sequence[float],
        k: int,
        filters: SearchFilters | None = None,
    ) -> list[ChunkHit]: ...

    def put_memory(self, memory: MemoryVector) -> None:
        """Delete any earlier vector of the memory, then write it."""
        ...

    def delete_memory(self, user_id: str, memory_id: str) -> None: ...

    def search_memories(self, user_id: str, vector: Sequence[float], k: int) -> list[MemoryHit]: ...


class SweepableIndex(Protocol):
    """What the delayed second delete pass needs of an index (both indexes provide it)."""

    def delete_document(self, user_id: str, document_id: str) -> None: ...

    def delete_memory(self, user_id: str, memory_id: str) -> None: ...

    def document_vector_owners(self, written_since: str | None = None) -> Iterator[tuple[str, str]]:
        """Each distinct ``(user_id, document_id)`` that has chunk vectors, written at or after
        ``written_since`` (ISO 8601) when given: what the orphan sweep checks."""
        ...

    def memory_vector_owners(self) -> Iterator[tuple[str, str]]:
        """Each distinct ``(user_id, memory_id)`` that has a memory vector."""
        ...


class SweepableVectorIndex(VectorIndex, SweepableIndex, Protocol):
    """Both protocols: what :func:`strata.search.factory.build_vector_index` returns."""
