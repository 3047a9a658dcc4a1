"""Memories: the owner's alone, and searchable. Every create/update/delete also (re)indexes the
memory's vector at once, so the owner's next search sees it; if that fails the memory is still
saved and the failure is logged and counted (graceful degradation). The stream function
is the guarantee: it indexes every inserted or changed memory and deletes the vector of every
removed one, with retries (``strata.events``), so a vector lost here is repaired without a hand.
"""

from __future__ import annotations

from strata.auth import Caller
from strata.clock import format_timestamp
from strata.models import MemoryCreate, MemoryType, MemoryUpdate, Page, UserMemory, memory_text
from strata.search.types import Embedder, MemoryVector, VectorIndex
from strata.services.degradation import DegradationReporter
from strata.services.storable import ensure_storable
from strata.store.memories import MemoryRepository

INDEXING = "MemoryIndexing"


class MemoryService:
    def __init__(
        self,
        memories: MemoryRepository,
        embedder: Embedder,
        index: VectorIndex,
        reporter: DegradationReporter,
    ) -> None:
        self._memories = memories
        self._embedder = embedder
        self._index = index
        self._reporter = reporter

    def list_memories(
        self,
        caller: Caller,
        limit: int,
        next_token: str | None,
        memory_type: MemoryType | None,
    ) -> Page[UserMemory]:
        if memory_type is None:
            return self._memories.list_memories(caller.user_id, limit=limit, next_token=next_token)
        return self._memories.list_by_type(
            caller.user_id, memory_type, limit=limit, next_token=next_token
        )

    def create(self, caller: Caller, data: MemoryCreate) -> UserMemory:
        ensure_storable(data)
        memory = self._memories.create(caller.user_id, data)
        self._put_vector(memory)
        return memory

    def get(self, caller: Caller, memory_id: str) -> UserMemory:
        return self._memories.get(caller.user_id, memory_id)

    def update(
        self, caller: Caller, memory_id: str, update: MemoryUpdate, expected: int | None
    ) -> UserMemory:
        ensure_storable(update)
        memory = self._memories.update(caller.user_id, memory_id, update, expected_version=expected)
        if update.content is not None or update.relevance_score is not None:
            self._put_vector(memory)
        return memory

    def delete(self, caller: Caller, memory_id: str) -> None:
        self._memories.delete(caller.user_id, memory_id)
        try:
            self._index.delete_memory(caller.user_id, memory_id)
        except Exception as exc:  # degrade: the memory is gone; a stray vector is reported
            self._reporter.report(INDEXING, exc)

    def _put_vector(self, memory: UserMemory) -> None:
        try:
            index_memory(memory, self._embedder, self._index)
        except Exception as exc:  # degrade: the memory is saved; the stream indexes it again
            self._reporter.report(INDEXING, exc)


def index_memory(memory: UserMemory, embedder: Embedder, index: VectorIndex) -> None:
    """Embed the memory's text and (re)place its vector: 1 embedding + 1 index write."""
    text = memory_text(memory.content)
    (embedding,) = embedder.embed([text])
    index.put_memory(memory_vector(memory, text, embedding))


def memory_vector(memory: UserMemory, text: str, embedding: tuple[float, ...]) -> MemoryVector:
    """The index's record of ``memory``: its embedded ``text`` and ``embedding``."""
    return MemoryVector(
        memoryId=memory.memory_id,
        userId=memory.user_id,
        type=memory.type.value,
        content=text,
        embedding=embedding,
        relevanceScore=memory.relevance_score,
        createdAt=format_timestamp(memory.created_at),
    )
