"""The JSON bodies the OpenSearch index sends and reads: vector documents, knn queries, bulk
NDJSON, and the reading of hits (score conversion, duplicate removal)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from strata.errors import ValidationError
from strata.schema import VECTOR_FIELD
from strata.search.rules import as_utc
from strata.search.types import ChunkVector, MemoryVector, SearchFilters


def score_to_cosine(score: float) -> float:
    """Invert OpenSearch's faiss inner-product score transform."""
    return score - 1.0 if score >= 1.0 else 1.0 - 1.0 / score


def chunk_document(chunk: ChunkVector) -> dict[str, Any]:
    meta = chunk.metadata
    return {
        "chunkId": chunk.chunkId,
        "documentId": chunk.documentId,
        "userId": chunk.userId,
        "chunkIndex": chunk.chunkIndex,
        "content": chunk.content,
        VECTOR_FIELD: list(chunk.embedding),
        "metadata": {
            "fileName": meta.fileName,
            "fileType": meta.fileType,
            "pageNumber": meta.pageNumber,
            "section": meta.section,
            "wordCount": meta.wordCount,
            "charCount": meta.charCount,
            "startPosition": meta.startPosition,
            "endPosition": meta.endPosition,
            "tags": list(meta.tags),
            "title": meta.title,
            "pageEnd": meta.pageEnd,
            "pageStarts": list(meta.pageStarts),
        },
        "uploadDate": chunk.uploadDate,
        "createdAt": chunk.createdAt,
    }


def memory_document(memory: MemoryVector) -> dict[str, Any]:
    return {
        "memoryId": memory.memoryId,
        "userId": memory.userId,
        "type": memory.type,
        "content": memory.content,
        VECTOR_FIELD: list(memory.embedding),
        "relevanceScore": float(memory.relevanceScore),  # the index maps it dynamically: a float
        "createdAt": memory.createdAt,
    }


def chunk_filter_clauses(user_id: str, filters: SearchFilters) -> list[dict[str, Any]]:
    """The knn ``filter``: the user's term first, then the caller's filters."""
    clauses: list[dict[str, Any]] = [{"term": {"userId": user_id}}]
    if filters.documentIds:
        clauses.append({"terms": {"documentId": list(filters.documentIds)}})
    if filters.tags:
        clauses.append({"terms": {"metadata.tags": list(filters.tags)}})
    if filters.fileType is not None:
        clauses.append({"term": {"metadata.fileType": filters.fileType}})
    bounds: dict[str, str] = {}
    if filters.uploadedAfter is not None:
        bounds["gte"] = as_utc(filters.uploadedAfter).isoformat()
    if filters.uploadedBefore is not None:
        bounds["lte"] = as_utc(filters.uploadedBefore).isoformat()
    if bounds:
        clauses.append({"range": {"uploadDate": bounds}})
    return clauses


def knn_query(vector: Sequence[float], k: int, clauses: list[dict[str, Any]]) -> dict[str, Any]:
    knn = {"vector": list(vector), "k": k, "filter": {"bool": {"filter": clauses}}}
    return {
        "size": k,
        "_source": {"excludes": [VECTOR_FIELD]},
        "query": {"knn": {VECTOR_FIELD: knn}},
    }


def ndjson(lines: Sequence[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(line, separators=(",", ":")).encode() + b"\n" for line in lines)


def split_bulk(pairs: Sequence[bytes], max_bytes: int) -> Iterator[bytes]:
    """Group pre-serialized bulk entries (action line + source line) into bodies of at most
    ``max_bytes``; an entry that cannot fit alone is refused rather than sent to fail."""
    batch: list[bytes] = []
    size = 0
    for pair in pairs:
        if len(pair) > max_bytes:
            raise ValidationError(
                "a vector document is larger than one bulk request may be",
                details={"bytes": len(pair), "limit": max_bytes},
            )
        if batch and size + len(pair) > max_bytes:
            yield b"".join(batch)
            batch, size = [], 0
        batch.append(pair)
        size += len(pair)
    if batch:
        yield b"".join(batch)


def unique_hits(hits: Sequence[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """``hits`` (best first) with one hit per ``key`` (``chunkId``, ``memoryId``): a write
    repeated before a delete pass could see it leaves duplicates. Among duplicates the most
    recently written (``createdAt``) source wins, at the best one's rank and score."""
    kept: dict[str, dict[str, Any]] = {}
    for hit in hits:
        name = str(hit["_source"][key])
        best = kept.get(name)
        if best is None:
            kept[name] = hit
        elif str(hit["_source"].get("createdAt", "")) > str(best["_source"].get("createdAt", "")):
            kept[name] = {**best, "_source": hit["_source"]}
    return list(kept.values())
