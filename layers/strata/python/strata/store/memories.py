"""User memories, listed all together or by type."""

from __future__ import annotations

from strata.errors import NotFound
from strata.ids import new_id
from strata.models.base import Page
from strata.models.memories import MemoryCreate, MemoryType, MemoryUpdate, UserMemory
from strata.store import keys
from strata.store.base import Repository, attributes, changes, draft, entity, page_of
from strata.store.expressions import SortCondition
from strata.store.requests import QuerySpec


class MemoryRepository(Repository):
    def create(self, user_id: str, data: MemoryCreate) -> UserMemory:
        """1 PutItem."""
        now = self._now()
        memory = draft(UserMemory, now, memory_id=new_id(now), user_id=user_id, **data.model_dump())
        item = self._table.create(
            keys.memory(user_id, memory.memory_id),
            attributes(
                memory,
                entity="MEMORY",
                GSI1PK=keys.user_memories_of_type(user_id, memory.type.value),
                GSI1SK=self._now_text(),
            ),
            what="memory",
        )
        return entity(UserMemory, item)

    def get(self, user_id: str, memory_id: str) -> UserMemory:
        """1 GetItem. Absent -> NotFound."""
        item = self._table.get(keys.memory(user_id, memory_id))
        if item is None:
            raise NotFound("memory not found")
        return entity(UserMemory, item)

    def list_memories(
        self, user_id: str, *, limit: int = 50, next_token: str | None = None
    ) -> Page[UserMemory]:
        """All of a user's memories, oldest first (ids are ULIDs): 1 Query."""
        spec = QuerySpec(
            keys.user_partition(user_id), sort=SortCondition.begins_with(keys.MEMORY_PREFIX)
        )
        return page_of(UserMemory, self._table.query(spec, limit=limit, next_token=next_token))

    def list_by_type(
        self,
        user_id: str,
        memory_type: MemoryType,
        *,
        newest_first: bool = True,
        limit: int = 50,
        next_token: str | None = None,
    ) -> Page[UserMemory]:
        """A user's memories of one type by creation time: 1 Query on GSI1."""
        spec = QuerySpec(
            keys.user_memories_of_type(user_id, memory_type.value),
            index="GSI1",
            forward=not newest_first,
        )
        return page_of(UserMemory, self._table.query(spec, limit=limit, next_token=next_token))

    def update(
        self,
        user_id: str,
        memory_id: str,
        update: MemoryUpdate,
        *,
        expected_version: int | None = None,
    ) -> UserMemory:
        """1 UpdateItem. Absent -> NotFound; stale version -> Conflict."""
        item = self._table.update(
            keys.memory(user_id, memory_id),
            set_values=changes(update),
            expected_version=expected_version,
            what="memory",
        )
        return entity(UserMemory, item)

    def delete(self, user_id: str, memory_id: str) -> UserMemory:
        """1 DeleteItem returning what was deleted. Absent -> NotFound."""
        old = self._table.delete(keys.memory(user_id, memory_id), must_exist=True, what="memory")
        if old is None:
            raise NotFound("memory not found")
        return entity(UserMemory, old)
