"""The ledger of applied data migrations (``SYSTEM`` / ``MIGRATION#<version>``), in order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from boto3.dynamodb.conditions import Attr

from strata.errors import Conflict
from strata.store import keys
from strata.store.base import Repository
from strata.store.expressions import SortCondition
from strata.store.requests import QuerySpec
from strata.store.transactions import TxPut


@dataclass(frozen=True)
class AppliedMigration:
    version: str
    description: str
    applied_at: str
    items: int


class MigrationRepository(Repository):
    def record(self, version: str, description: str, *, items: int) -> AppliedMigration:
        """Mark a migration applied, once: 1 PutItem. Already applied -> Conflict."""
        try:
            item = self._table.create(
                keys.migration(version),
                {
                    "entity": "MIGRATION",
                    "migrationVersion": version,
                    "description": description,
                    "items": items,
                },
                what="migration",
            )
        except Conflict:
            raise Conflict(f"migration {version} was already applied") from None
        return _applied(item)

    def forget(self, version: str) -> None:
        """Mark a migration no longer applied (it was rolled back): 1 DeleteItem."""
        self._table.delete(keys.migration(version))

    def applied(self) -> list[AppliedMigration]:
        """Every applied migration, in version order: 1 Query (consistent)."""
        spec = QuerySpec(keys.SYSTEM, sort=SortCondition.begins_with("MIGRATION#"), consistent=True)
        return [_applied(item) for item in self._table.query_all(spec)]


def _applied(item: dict[str, Any]) -> AppliedMigration:
    return AppliedMigration(
        version=str(item["migrationVersion"]),
        description=str(item.get("description", "")),
        applied_at=str(item["createdAt"]),
        items=int(item.get("items", 0)),
    )


class MigrationLock(Repository):
    """The lock item (``SYSTEM`` / ``LOCK#MIGRATIONS``) a migration run holds while it works.

    A lease: a run that died leaves a lock that expires after ``lease_seconds``, so the next
    run can take it without a manual step.
    """

    def acquire(self, owner: str, *, lease_seconds: int = 900) -> None:
        """1 conditional put (a one-action TransactWriteItems), only if no live lock exists.
        Held by another run -> Conflict naming its owner."""
        now = int(self._now().timestamp())
        condition = Attr("PK").not_exists() | Attr("expiresAt").lt(now)
        attributes = {"entity": "MIGRATION_LOCK", "owner": owner, "expiresAt": now + lease_seconds}
        try:
            self._table.transact([TxPut(keys.MIGRATION_LOCK, attributes, condition=condition)])
        except Conflict:
            current = self._table.get(keys.MIGRATION_LOCK, consistent=True) or {}
            raise Conflict(
                f"another migration run holds the lock ({current.get('owner', 'unknown')})",
                details={"owner": current.get("owner"), "expiresAt": current.get("expiresAt")},
            ) from None

    def release(self, owner: str) -> None:
        """1 DeleteItem, only if ``owner`` still holds the lock."""
        try:
            self._table.delete(keys.MIGRATION_LOCK, condition=Attr("owner").eq(owner))
        except Conflict:
            return

    def holder(self) -> str | None:
        """1 consistent GetItem."""
        item = self._table.get(keys.MIGRATION_LOCK, consistent=True)
        return str(item["owner"]) if item else None
