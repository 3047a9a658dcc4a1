"""A user's whole footprint in the table: export it, or erase it (right to be forgotten).

The footprint is the user's partition (profile, sessions, documents, memories,
notifications), each session's history partition, their group memberships (GSI1), their
connections (GSI1) and their email uniqueness item. Audit entries are kept until their retention
ends: they record what happened, not the user's content. Objects in S3 and vectors are not
table items: the erasure service (``strata.services.erasure``) deletes them before it calls this.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from strata.store import keys
from strata.store.base import Repository
from strata.store.codec import Item
from strata.store.requests import QuerySpec
from strata.store.transactions import TransactionFailed, TxDelete, TxUpdate

_INTERNAL = frozenset({"PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "GSI3PK", "GSI3SK"})


@dataclass
class UserExport:
    """Every item of the user, grouped by entity type, without key attributes."""

    user_id: str
    items: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(len(group) for group in self.items.values())


@dataclass(frozen=True)
class ErasureReport:
    items_deleted: int
    memberships_removed: int


class UserDataRepository(Repository):
    def export(self, user_id: str) -> UserExport:
        """1 Query per 1,000 items of the user's partition + 1 Query per chat session + 1 Query
        on GSI1 for memberships + 1 for connections + 1 GetItem for the email item."""
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for item in self._footprint(user_id):
            grouped[str(item.get("entity", "UNKNOWN"))].append(
                {k: v for k, v in item.items() if k not in _INTERNAL}
            )
        return UserExport(user_id=user_id, items=dict(grouped))

    def items(self, user_id: str) -> Iterator[Item]:
        """The footprint as whole items, keys included (an operator's export that can be
        imported again): the reads of :meth:`export`."""
        return self._footprint(user_id)

    def erase(self, user_id: str) -> ErasureReport:
        """Delete the footprint: the reads of :meth:`export`, then 1 TransactWriteItems per
        membership (member item + the group's memberCount), 1 BatchWriteItem per 25 other
        items and 1 for the profile, deleted last. Safe to repeat."""
        memberships: list[keys.ItemKey] = []
        others: list[keys.ItemKey] = []
        for item in self._footprint(user_id):
            target = memberships if item.get("entity") == "GROUP_MEMBER" else others
            target.append(keys.ItemKey.of(item))
        for member in memberships:
            try:
                self._table.transact(
                    [
                        TxDelete(member),
                        TxUpdate(
                            keys.ItemKey(member.pk, keys.METADATA),
                            add_values={"stats.memberCount": -1},
                        ),
                    ]
                )
            except TransactionFailed:  # the group itself is gone: nothing to uncount
                others.append(member)
        # The profile goes last: a run cut short leaves it, so a rerun still finds the user.
        profile = keys.user_profile(user_id)
        self._table.batch_write(deletes=[key for key in others if key != profile])
        if profile in others:
            self._table.batch_write(deletes=[profile])
        return ErasureReport(
            items_deleted=len(others) + len(memberships), memberships_removed=len(memberships)
        )

    def _footprint(self, user_id: str) -> Iterator[Item]:
        email: str | None = None
        sessions: list[str] = []
        for item in self._table.query_all(QuerySpec(keys.user_partition(user_id))):
            if item["SK"] == keys.PROFILE:
                email = str(item.get("email", "")) or None
            elif str(item["SK"]).startswith(keys.SESSION_PREFIX):
                sessions.append(str(item["SK"]).removeprefix(keys.SESSION_PREFIX))
            yield item
        for session_id in sessions:
            yield from self._table.query_all(QuerySpec(keys.session_partition(user_id, session_id)))
        yield from self._table.query_all(QuerySpec(keys.user_groups(user_id), index="GSI1"))
        yield from self._table.query_all(QuerySpec(keys.user_connections(user_id), index="GSI1"))
        if email:
            unique = self._table.get(keys.email_unique(email), consistent=True)
            if unique is not None and unique.get("userId") == user_id:
                yield unique


__all__ = ["ErasureReport", "UserDataRepository", "UserExport"]
