"""Local stand-ins for Bedrock and OpenSearch: a lexical embedder and an exact in-memory index.

They serve the tests and the local stack. The embedder is *lexical*, not semantic: two texts are
similar when they share words and word pairs, never because they mean the same thing. The index
has the OpenSearch index's semantics (user filter first, then the caller's filters, replace =
delete then write, scores are cosine similarities) so code tested against it behaves the same in
AWS.
"""

from __future__ import annotations

import hashlib
import math
import operator
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import replace
from functools import partial
from itertools import pairwise
from typing import Any

from strata.errors import ValidationError
from strata.search.rows import VectorRows
from strata.search.rules import check_chunks_belong, check_k, chunk_matches
from strata.search.tokens import tokenize
from strata.search.types import (
    ChunkHit,
    ChunkVector,
    DocumentFields,
    MemoryHit,
    MemoryVector,
    SearchFilters,
)

_BIGRAM_WEIGHT = 0.5
# Gives an empty text a unit vector of its own (a zero vector cannot be normalized).
_EMPTY_FEATURE = "\x00empty"


class LocalLexicalEmbedder:
    """A deterministic, L2-normalized *lexical* embedder (the hashing trick; no model, no network).

    Each word and each pair of adjacent words is hashed (BLAKE2b, so the result is the same in
    every process) to one of ``dimension`` buckets with a +1/-1 sign; counts are damped with
    ``1 + log(tf)`` and bigrams weigh half as much as words. Texts sharing vocabulary score high;
    synonyms and paraphrases do not. Good enough to make search and answers testable offline.
    """

    def __init__(self, dimension: int = 256) -> None:
        if dimension < 8:
            raise ValueError("dimension must be at least 8")
        self._dimension = dimension

    @property
    def dimension(self) -> int:
        return self._dimension

    def embed(self, texts: Sequence[str]) -> list[tuple[float, ...]]:
        return [self._embed_one(text) for text in texts]

    def _embed_one(self, text: str) -> tuple[float, ...]:
        tokens = tokenize(text)
        features: Counter[str] = Counter(tokens)
        weights: dict[str, float] = {
            token: 1.0 + math.log(count) for token, count in features.items()
        }
        bigrams = Counter(f"{a} {b}" for a, b in pairwise(tokens))
        for bigram, count in bigrams.items():
            weights[bigram] = _BIGRAM_WEIGHT * (1.0 + math.log(count))
        if not weights:
            weights[_EMPTY_FEATURE] = 1.0
        vector = [0.0] * self._dimension
        for feature, weight in weights.items():
            bucket, sign = self._bucket(feature)
            vector[bucket] += sign * weight
        norm = math.sqrt(sum(v * v for v in vector))
        if norm == 0.0:  # every feature cancelled out in colliding buckets
            bucket, _ = self._bucket(_EMPTY_FEATURE)
            vector[bucket], norm = 1.0, 1.0
        return tuple(v / norm for v in vector)

    def _bucket(self, feature: str) -> tuple[int, float]:
        digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
        value = int.from_bytes(digest, "big")
        return (value >> 1) % self._dimension, 1.0 if value & 1 else -1.0


def unit(vector: Sequence[float]) -> tuple[float, ...]:
    """``vector`` scaled to length 1 (a zero vector stays zero)."""
    norm = math.sqrt(sum(map(operator.mul, vector, vector)))
    return tuple(v / norm for v in vector) if norm else tuple(vector)


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    if len(a) != len(b):
        raise ValueError("vectors differ in dimension")
    return dot(unit(a), unit(b))


def dot(a: Sequence[float], b: Sequence[float]) -> float:
    return float(sum(map(operator.mul, a, b)))


class LocalVectorIndex:
    """Exact cosine search over vectors held in memory; thread-safe; same semantics as
    :class:`strata.search.opensearch.OpenSearchVectorIndex`.

    Each user's vectors are one float32 matrix (:class:`strata.search.rows.VectorRows`): a query
    is one matrix-vector product and a partial sort. ``dimension``, when given, is enforced on
    every write and query, as OpenSearch's mapping does; without it, each user's first vector
    sets the dimension of that user's vectors.
    """

    def __init__(self, dimension: int | None = None) -> None:
        self._dimension = dimension
        self._lock = threading.RLock()
        # user id -> rows keyed by (document id, chunk id), and document id -> its keys
        self._chunks: dict[str, VectorRows[ChunkVector]] = {}
        self._documents: dict[str, dict[str, list[tuple[str, str]]]] = {}
        # user id -> rows keyed by memory id
        self._memories: dict[str, VectorRows[MemoryVector]] = {}

    # Writes -----------------------------------------------------------------------------------

    def replace_document_chunks(
        self, user_id: str, document_id: str, chunks: Sequence[ChunkVector]
    ) -> None:
        check_chunks_belong(user_id, document_id, chunks)
        for chunk in chunks:
            self._check_dimension(chunk.embedding)
        with self._lock:
            self._drop_document(user_id, document_id)
            if not chunks:
                return
            rows = self._chunks.get(user_id)
            if rows is None:
                rows = VectorRows(len(chunks[0].embedding), _without_embedding)
                self._chunks[user_id] = rows
            self._check_rows(rows, chunks[0].embedding)
            latest = {(document_id, chunk.chunkId): chunk for chunk in chunks}  # last one wins
            rows.add([(key, chunk, chunk.embedding) for key, chunk in latest.items()])
            self._documents.setdefault(user_id, {})[document_id] = list(latest)

    def delete_document(self, user_id: str, document_id: str) -> None:
        with self._lock:
            self._drop_document(user_id, document_id)

    def update_document_fields(self, user_id: str, document_id: str, fields: DocumentFields) -> int:
        with self._lock:
            keys = self._documents.get(user_id, {}).get(document_id, [])
            rows = self._chunks.get(user_id)
            for key in keys:
                assert rows is not None  # a user with documents has rows
                chunk = rows.get(key)
                metadata = replace(
                    chunk.metadata,
                    tags=fields.tags,
                    title=fields.title,
                    fileType=fields.fileType or chunk.metadata.fileType,
                )
                rows.set_item(key, replace(chunk, metadata=metadata))
            return len(keys)

    def put_memory(self, memory: MemoryVector) -> None:
        self._check_dimension(memory.embedding)
        with self._lock:
            rows = self._memories.get(memory.userId)
            if rows is None:
                rows = VectorRows(len(memory.embedding), _memory_without_embedding)
                self._memories[memory.userId] = rows
            self._check_rows(rows, memory.embedding)
            rows.add([(memory.memoryId, memory, memory.embedding)])

    def delete_memory(self, user_id: str, memory_id: str) -> None:
        with self._lock:
            rows = self._memories.get(user_id)
            if rows is not None:
                rows.remove(memory_id)

    # Reads ------------------------------------------------------------------------------------

    def search_chunks(
        self,
        user_id: str,
        vector: Sequence[float],
        k: int,
        filters: SearchFilters | None = None,
    ) -> list[ChunkHit]:
        check_k(k)
        self._check_dimension(vector)
        wanted = filters or SearchFilters()
        admit = None if wanted == SearchFilters() else partial(_admits, wanted)
        with self._lock:
            rows = self._chunks.get(user_id)
            if rows is None:
                return []
            self._check_rows(rows, vector)
            scored = rows.top(vector, k, _chunk_id, admit)
        return [
            ChunkHit(
                chunkId=chunk.chunkId,
                documentId=chunk.documentId,
                chunkIndex=chunk.chunkIndex,
                content=chunk.content,
                score=score,
                metadata=chunk.metadata,
            )
            for score, chunk in scored
        ]

    def search_memories(self, user_id: str, vector: Sequence[float], k: int) -> list[MemoryHit]:
        check_k(k)
        self._check_dimension(vector)
        with self._lock:
            rows = self._memories.get(user_id)
            if rows is None:
                return []
            self._check_rows(rows, vector)
            scored = rows.top(vector, k, _memory_id)
        return [
            MemoryHit(
                memoryId=memory.memoryId,
                type=memory.type,
                content=memory.content,
                score=score,
                relevanceScore=memory.relevanceScore,
            )
            for score, memory in scored
        ]

    # The second delete pass ----------------------------------------------------------------

    def document_vector_owners(self, written_since: str | None = None) -> Iterator[tuple[str, str]]:
        with self._lock:
            owners = [
                (user_id, document_id)
                for user_id, documents in self._documents.items()
                for document_id, keys in documents.items()
                if written_since is None
                or any(self._chunks[user_id].get(key).createdAt >= written_since for key in keys)
            ]
        return iter(sorted(owners))

    def memory_vector_owners(self) -> Iterator[tuple[str, str]]:
        with self._lock:
            owners = [
                (user_id, memory.memoryId)
                for user_id, rows in self._memories.items()
                for memory in rows.items()
            ]
        return iter(sorted(owners))

    # Inspection (local only: tests and the local stack) ---------------------------------------

    def chunk_count(self, user_id: str, document_id: str | None = None) -> int:
        with self._lock:
            documents = self._documents.get(user_id, {})
            if document_id is not None:
                return len(documents.get(document_id, []))
            return sum(len(keys) for keys in documents.values())

    def memory_count(self, user_id: str) -> int:
        with self._lock:
            rows = self._memories.get(user_id)
            return 0 if rows is None else len(rows)

    def all_chunks(self) -> list[ChunkVector]:
        """Every chunk of every user (the local stack saves them across restarts)."""
        with self._lock:
            return [
                self._chunks[user_id].item_with_embedding(key, _with_embedding)
                for user_id, documents in self._documents.items()
                for keys in documents.values()
                for key in keys
            ]

    def all_memories(self) -> list[MemoryVector]:
        """Every memory of every user (the local stack saves them across restarts)."""
        with self._lock:
            return [
                rows.item_with_embedding(memory.memoryId, _memory_with_embedding)
                for rows in self._memories.values()
                for memory in rows.items()
            ]

    def _check_dimension(self, vector: Sequence[float]) -> None:
        if self._dimension is not None and len(vector) != self._dimension:
            raise ValidationError(
                "vector has the wrong dimension",
                details={"expected": self._dimension, "actual": len(vector)},
            )

    def _check_rows(self, rows: VectorRows[Any], vector: Sequence[float]) -> None:
        if len(vector) != rows.dimension:
            raise ValidationError(
                "vector has the wrong dimension",
                details={"expected": rows.dimension, "actual": len(vector)},
            )

    def _drop_document(self, user_id: str, document_id: str) -> None:
        keys = self._documents.get(user_id, {}).pop(document_id, [])
        rows = self._chunks.get(user_id)
        for key in keys:
            assert rows is not None  # a user with documents has rows
            rows.remove(key)


def _admits(filters: SearchFilters, chunk: ChunkVector) -> bool:
    return chunk_matches(chunk, filters)


def _chunk_id(chunk: ChunkVector) -> str:
    return chunk.chunkId


def _memory_id(memory: MemoryVector) -> str:
    return memory.memoryId


def _without_embedding(chunk: ChunkVector) -> ChunkVector:
    return replace(chunk, embedding=())


def _with_embedding(chunk: ChunkVector, embedding: tuple[float, ...]) -> ChunkVector:
    return replace(chunk, embedding=embedding)


def _memory_without_embedding(memory: MemoryVector) -> MemoryVector:
    return replace(memory, embedding=())


def _memory_with_embedding(memory: MemoryVector, embedding: tuple[float, ...]) -> MemoryVector:
    return replace(memory, embedding=embedding)
