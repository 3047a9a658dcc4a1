"""The ledger of applied data migrations (``SYSTEM`` / ``MIGRATION#<version>``), in order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from strata.errors import Conflict
from strata.store import keys
from strata.store.base import Repository
from strata.store.expressions import SortCondition
from strata.store.requests import QuerySpec


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
