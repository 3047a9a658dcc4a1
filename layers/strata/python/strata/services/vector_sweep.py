"""The delayed second delete pass over the vector index: vectors whose document or memory is gone.

Why a second pass: OpenSearch Serverless makes a write searchable only after a delay, and deletes
find vector ids by searching. A delete that runs right after a write (a document deleted while
its ingestion is finishing, a memory deleted just after an edit) can miss the vectors just
written, and nothing else would ever remove them. The scheduled maintenance function calls
:meth:`VectorSweepService.sweep_orphan_vectors` (built by :func:`build_vector_sweep_service`): it
lists the owners of recent chunk vectors and of every memory vector, and deletes the vectors of
each owner that no longer exists in the table (checked with a consistent read).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Protocol

from strata.clock import Clock, SystemClock, format_timestamp
from strata.config import Settings
from strata.errors import NotFound
from strata.search.types import SweepableIndex

logger = logging.getLogger(__name__)

# Chunk vectors written longer ago than this were swept by an earlier daily run already.
DEFAULT_CHUNK_WINDOW = timedelta(days=3)


class DocumentLookup(Protocol):
    """:class:`strata.store.documents.DocumentRepository`: absent -> ``NotFound``."""

    def get(self, user_id: str, document_id: str, *, consistent: bool = False) -> object: ...


class MemoryLookup(Protocol):
    """:class:`strata.store.memories.MemoryRepository`: absent -> ``NotFound``."""

    def get(self, user_id: str, memory_id: str) -> object: ...


@dataclass(frozen=True)
class SweepReport:
    documentsChecked: int
    documentsSwept: int
    memoriesChecked: int
    memoriesSwept: int


class VectorSweepService:
    """Deletes orphaned vectors; safe to run at any time and as often as wanted."""

    def __init__(
        self,
        index: SweepableIndex,
        documents: DocumentLookup,
        memories: MemoryLookup,
        clock: Clock,
    ) -> None:
        self._index = index
        self._documents = documents
        self._memories = memories
        self._clock = clock

    def sweep_orphan_vectors(
        self, *, chunk_window: timedelta | None = DEFAULT_CHUNK_WINDOW
    ) -> SweepReport:
        """Delete the chunk vectors (written within ``chunk_window``; ``None``: all) of documents
        that no longer exist, and the vectors of memories that no longer exist."""
        since = None if chunk_window is None else format_timestamp(self._clock.now() - chunk_window)
        documents_checked = documents_swept = 0
        for user_id, document_id in self._index.document_vector_owners(since):
            documents_checked += 1
            if not self._document_exists(user_id, document_id):
                self._index.delete_document(user_id, document_id)
                documents_swept += 1
        memories_checked = memories_swept = 0
        for user_id, memory_id in self._index.memory_vector_owners():
            memories_checked += 1
            if not self._memory_exists(user_id, memory_id):
                self._index.delete_memory(user_id, memory_id)
                memories_swept += 1
        report = SweepReport(documents_checked, documents_swept, memories_checked, memories_swept)
        logger.info("orphan vector sweep", extra={"sweep": report.__dict__})
        return report

    def _document_exists(self, user_id: str, document_id: str) -> bool:
        try:
            self._documents.get(user_id, document_id, consistent=True)
        except NotFound:
            return False
        return True

    def _memory_exists(self, user_id: str, memory_id: str) -> bool:
        try:
            self._memories.get(user_id, memory_id)
        except NotFound:
            return False
        return True


@lru_cache(maxsize=2)
def build_vector_sweep_service(settings: Settings) -> VectorSweepService:
    """The production wiring: the configured index over the table's repositories."""
    from strata.search.factory import build_vector_index  # noqa: PLC0415
    from strata.store.factory import build_repositories  # noqa: PLC0415

    repositories = build_repositories(settings)
    return VectorSweepService(
        build_vector_index(settings), repositories.documents, repositories.memories, SystemClock()
    )
