"""What the S3 Vectors index stores and asks: vector keys, metadata, filters, and hits read back.

- Keys are deterministic: ``<userId>/<documentId>#<chunkIndex>`` for a chunk and
  ``<userId>/<memoryId>`` for a memory. Writing a key again replaces its vector, and a document's
  vectors are deleted by their keys: no search is needed to find them. The owner is part of the
  key, so two users' documents can never share (and overwrite) a vector even with the same id.
- Filterable metadata (2 KB per vector in all) holds what queries filter on: ``userId``,
  ``documentId``, ``fileType``, ``tags`` (as short hashes, see :func:`tag_token`; the tags
  themselves are kept in ``detail``), ``uploadedAt`` (epoch seconds: S3 Vectors compares numbers,
  not dates), ``createdAt`` and ``chunkIndex``. The text and what is only displayed are
  non-filterable (``strata.schema``'s ``non_filterable_keys``).
- Scores: the indexes use cosine distance; a hit's score is ``1 - distance``, the cosine.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from strata.errors import ValidationError
from strata.search.rules import as_utc, parse_timestamp
from strata.search.types import (
    ChunkHit,
    ChunkMetadata,
    ChunkVector,
    DocumentFields,
    MemoryHit,
    MemoryVector,
    SearchFilters,
)

# Service limits (docs/SEARCH.md): per call and per vector.
MAX_PUT_VECTORS = 500
MAX_DELETE_KEYS = 500
MAX_GET_KEYS = 100
MAX_TOP_K = 100
MAX_LIST_PAGE = 1000
MAX_REQUEST_BYTES = 20 * 1024 * 1024
MAX_FILTERABLE_BYTES = 2048
MAX_METADATA_BYTES = 40 * 1024
# Put requests are cut below the 20 MiB payload limit, with room for the request's envelope.
PUT_BATCH_BYTES = 16 * 1024 * 1024


def chunk_key(user_id: str, document_id: str, chunk_index: int) -> str:
    return f"{user_id}/{document_id}#{chunk_index}"


def memory_key(user_id: str, memory_id: str) -> str:
    return f"{user_id}/{memory_id}"


def tag_token(tag: str) -> str:
    """A tag as stored for filtering: 12 hex digits of its BLAKE2b hash. Up to 50 tags of 64
    characters would not fit the 2 KB of filterable metadata; 50 tokens take 700 bytes."""
    return hashlib.blake2b(tag.encode("utf-8"), digest_size=6).hexdigest()


def epoch_seconds(timestamp: str) -> float:
    return parse_timestamp(timestamp).timestamp()


def _compact(values: Mapping[str, Any]) -> dict[str, Any]:
    """Metadata without empty values (S3 Vectors metadata has no null)."""
    return {key: value for key, value in values.items() if value is not None and value != []}


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def check_metadata_size(
    key: str, metadata: Mapping[str, Any], non_filterable: Sequence[str]
) -> None:
    """Refuse, before the write, a vector whose metadata the service would refuse."""
    filterable = {name: value for name, value in metadata.items() if name not in non_filterable}
    sizes = {"filterable": len(_json(filterable).encode()), "total": len(_json(metadata).encode())}
    if sizes["filterable"] > MAX_FILTERABLE_BYTES or sizes["total"] > MAX_METADATA_BYTES:
        raise ValidationError(
            "the vector's metadata is larger than S3 Vectors accepts",
            details={
                "key": key,
                **sizes,
                "limits": {"filterable": MAX_FILTERABLE_BYTES, "total": MAX_METADATA_BYTES},
            },
        )


def chunk_record(chunk: ChunkVector) -> dict[str, Any]:
    """The PutVectors entry of one chunk."""
    meta = chunk.metadata
    detail = _compact(
        {
            "chunkId": chunk.chunkId,
            "wordCount": meta.wordCount,
            "charCount": meta.charCount,
            "startPosition": meta.startPosition,
            "endPosition": meta.endPosition,
            "pageNumber": meta.pageNumber,
            "pageEnd": meta.pageEnd,
            "pageStarts": list(meta.pageStarts),
            "tags": list(meta.tags),
            "uploadDate": chunk.uploadDate,
        }
    )
    metadata = _compact(
        {
            "userId": chunk.userId,
            "documentId": chunk.documentId,
            "chunkIndex": chunk.chunkIndex,
            "fileType": meta.fileType,
            "tags": sorted({tag_token(tag) for tag in meta.tags}),
            "uploadedAt": epoch_seconds(chunk.uploadDate),
            "createdAt": chunk.createdAt,
            "content": chunk.content,
            "fileName": meta.fileName,
            "title": meta.title,
            "section": meta.section,
            "detail": _json(detail),
        }
    )
    return {
        "key": chunk_key(chunk.userId, chunk.documentId, chunk.chunkIndex),
        "data": {"float32": [float(value) for value in chunk.embedding]},
        "metadata": metadata,
    }


def with_document_fields(record: Mapping[str, Any], fields: DocumentFields) -> dict[str, Any]:
    """A stored chunk vector (GetVectors with data and metadata) with new tags, title and type."""
    metadata = dict(record.get("metadata") or {})
    detail = json.loads(str(metadata.get("detail") or "{}"))
    detail["tags"] = list(fields.tags)
    metadata["detail"] = _json(_compact(detail))
    metadata["tags"] = sorted({tag_token(tag) for tag in fields.tags})
    metadata["title"] = fields.title
    if fields.fileType:
        metadata["fileType"] = fields.fileType
    return {"key": record["key"], "data": record["data"], "metadata": _compact(metadata)}


def memory_record(memory: MemoryVector) -> dict[str, Any]:
    return {
        "key": memory_key(memory.userId, memory.memoryId),
        "data": {"float32": [float(value) for value in memory.embedding]},
        "metadata": {
            "userId": memory.userId,
            "memoryId": memory.memoryId,
            "type": memory.type,
            "relevanceScore": float(memory.relevanceScore),
            "createdAt": memory.createdAt,
            "content": memory.content,
        },
    }


def chunk_filter(user_id: str, filters: SearchFilters) -> dict[str, Any]:
    """The query's metadata filter: the user's id first, then the caller's filters (any of the
    document ids, any of the tags, the file type, an inclusive upload-date range)."""
    clauses: list[dict[str, Any]] = [{"userId": {"$eq": user_id}}]
    if filters.documentIds:
        clauses.append({"documentId": {"$in": list(filters.documentIds)}})
    if filters.tags:
        clauses.append({"tags": {"$in": sorted({tag_token(tag) for tag in filters.tags})}})
    if filters.fileType is not None:
        clauses.append({"fileType": {"$eq": filters.fileType}})
    if filters.uploadedAfter is not None:
        clauses.append({"uploadedAt": {"$gte": as_utc(filters.uploadedAfter).timestamp()}})
    if filters.uploadedBefore is not None:
        clauses.append({"uploadedAt": {"$lte": as_utc(filters.uploadedBefore).timestamp()}})
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def user_filter(user_id: str) -> dict[str, Any]:
    return {"userId": {"$eq": user_id}}


def score(hit: Mapping[str, Any]) -> float:
    return 1.0 - float(hit.get("distance", 1.0))


def chunk_hit(hit: Mapping[str, Any]) -> ChunkHit:
    metadata = hit.get("metadata") or {}
    detail = json.loads(str(metadata.get("detail") or "{}"))
    document_id = str(metadata.get("documentId", ""))
    chunk_index = int(metadata.get("chunkIndex", 0))
    return ChunkHit(
        chunkId=str(detail.get("chunkId") or f"{document_id}:{chunk_index}"),
        documentId=document_id,
        chunkIndex=chunk_index,
        content=str(metadata.get("content", "")),
        score=score(hit),
        metadata=ChunkMetadata(
            fileName=str(metadata.get("fileName", "")),
            fileType=str(metadata.get("fileType", "")),
            wordCount=int(detail.get("wordCount", 0)),
            charCount=int(detail.get("charCount", 0)),
            startPosition=int(detail.get("startPosition", 0)),
            endPosition=int(detail.get("endPosition", 0)),
            pageNumber=detail.get("pageNumber"),
            section=metadata.get("section"),
            tags=tuple(detail.get("tags") or ()),
            title=metadata.get("title"),
            pageEnd=detail.get("pageEnd"),
            pageStarts=tuple(int(start) for start in detail.get("pageStarts") or ()),
        ),
    )


def memory_hit(hit: Mapping[str, Any]) -> MemoryHit:
    metadata = hit.get("metadata") or {}
    return MemoryHit(
        memoryId=str(metadata.get("memoryId", "")),
        type=str(metadata.get("type", "")),
        content=str(metadata.get("content", "")),
        score=score(hit),
        relevanceScore=float(metadata.get("relevanceScore", 0.0)),
    )


def put_batches(records: Sequence[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """``records`` in PutVectors calls: at most 500 vectors and :data:`PUT_BATCH_BYTES` each."""
    batches: list[list[dict[str, Any]]] = []
    batch: list[dict[str, Any]] = []
    size = 0
    for record in records:
        length = len(_json(record).encode())
        if batch and (len(batch) == MAX_PUT_VECTORS or size + length > PUT_BATCH_BYTES):
            batches.append(batch)
            batch, size = [], 0
        batch.append(record)
        size += length
    if batch:
        batches.append(batch)
    return batches


def slices(items: Sequence[str], size: int) -> list[list[str]]:
    return [list(items[start : start + size]) for start in range(0, len(items), size)]
