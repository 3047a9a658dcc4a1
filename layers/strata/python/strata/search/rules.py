"""The rules every vector index applies the same way: who may write a chunk, the bounds of k,
and what the caller's filters mean (OpenSearch's meaning, so the local index matches it)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from strata.errors import ValidationError
from strata.search.types import ChunkVector, SearchFilters

MAX_INDEX_K = 100


def parse_timestamp(value: str) -> datetime:
    """An ISO 8601 timestamp as an aware datetime (naive ones are taken as UTC)."""
    return as_utc(datetime.fromisoformat(value))


def as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def chunk_matches(chunk: ChunkVector, filters: SearchFilters) -> bool:
    """The caller's filters, with OpenSearch's meaning: ``terms`` match any value, ranges are
    inclusive (``gte``/``lte``)."""
    if filters.documentIds and chunk.documentId not in filters.documentIds:
        return False
    if filters.tags and not set(filters.tags) & set(chunk.metadata.tags):
        return False
    if filters.fileType is not None and chunk.metadata.fileType != filters.fileType:
        return False
    if filters.uploadedAfter is None and filters.uploadedBefore is None:
        return True
    uploaded = parse_timestamp(chunk.uploadDate)
    if filters.uploadedAfter is not None and uploaded < as_utc(filters.uploadedAfter):
        return False
    return not (filters.uploadedBefore is not None and uploaded > as_utc(filters.uploadedBefore))


def check_chunks_belong(user_id: str, document_id: str, chunks: Iterable[ChunkVector]) -> None:
    """Refuse to write a chunk under another user's or another document's name."""
    for chunk in chunks:
        if chunk.userId != user_id or chunk.documentId != document_id:
            raise ValidationError(
                "chunk does not belong to the document being written",
                details={"chunkId": chunk.chunkId},
            )


def check_k(k: int) -> None:
    if not 1 <= k <= MAX_INDEX_K:
        raise ValidationError(f"k must be between 1 and {MAX_INDEX_K}", details={"k": k})
