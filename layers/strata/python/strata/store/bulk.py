"""Whole-table operations for the operations CLI: scans, raw batch writes, repairs.

The API never scans; operators do (export, backup, verify, stats). Everything here goes through
the one table wrapper, so errors are mapped and every request is counted in its metrics.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from boto3.dynamodb.conditions import ConditionBase
from botocore.exceptions import ClientError

from strata.errors import Conflict, NotFound
from strata.store import keys
from strata.store.base import Repository
from strata.store.codec import Item, deserialize_item
from strata.store.errors import ConditionFailed, error_code
from strata.store.expressions import Expression, SortCondition
from strata.store.requests import QuerySpec, update_request
from strata.store.transactions import TransactionFailed, TxPut

SCAN_PAGE = 1000


class BulkRepository(Repository):
    def scan(
        self,
        *,
        segment: int = 0,
        total_segments: int = 1,
        projection: Sequence[str] = (),
        condition: ConditionBase | None = None,
        consistent: bool = False,
    ) -> Iterator[Item]:
        """Every item of one segment of the table: 1 Scan per 1,000 items (or per 1 MB read).

        Run ``total_segments`` segments in parallel to read a large table faster.
        """
        start: dict[str, Any] | None = None
        while True:
            expression = Expression()
            request: dict[str, Any] = {"Limit": SCAN_PAGE, "ConsistentRead": consistent}
            if total_segments > 1:
                request |= {"Segment": segment, "TotalSegments": total_segments}
            if projection:
                request["ProjectionExpression"] = expression.projection(projection)
            if condition is not None:
                request["FilterExpression"] = expression.condition(condition)
            request.update(expression.request_parts())
            if start:
                request["ExclusiveStartKey"] = start
            response = self._table.execute("Scan", **request)
            yield from (deserialize_item(raw) for raw in response.get("Items", []))
            start = response.get("LastEvaluatedKey")
            if not start:
                return

    def partition(self, partition_key: str, *, consistent: bool = True) -> Iterator[Item]:
        """Every item of one partition: 1 Query per 1,000 items."""
        return self._table.query_all(QuerySpec(partition_key, consistent=consistent))

    def count(self, partition_key: str, *, sort_prefix: str = "") -> int:
        """Items of a partition (optionally under a sort-key prefix): 1 Query per 1 MB."""
        sort = SortCondition.begins_with(sort_prefix) if sort_prefix else None
        return self._table.count(QuerySpec(partition_key, sort=sort, consistent=True))

    def put_items(self, items: Sequence[Mapping[str, Any]]) -> None:
        """Write whole items as they are (keys included): 1 BatchWriteItem per 25, unprocessed
        items retried with backoff."""
        self._table.batch_write(puts=items)

    def delete_keys(self, doomed: Sequence[keys.ItemKey]) -> None:
        """1 BatchWriteItem per 25 keys, unprocessed keys retried with backoff."""
        self._table.batch_write(deletes=doomed)

    def get_items(self, wanted: Sequence[keys.ItemKey]) -> list[Item]:
        """1 BatchGetItem per 100 keys (consistent), unprocessed keys retried."""
        return self._table.batch_get(wanted, consistent=True)

    def create_user(self, profile: Item, unique: Item) -> bool:
        """A profile with its email uniqueness item, all or nothing: 1 TransactWriteItems.

        True when written; False when this very user is already there (a resumed run);
        an email that belongs to another user -> Conflict.
        """
        profile_key, unique_key = keys.ItemKey.of(profile), keys.ItemKey.of(unique)
        try:
            self._table.transact(
                [
                    TxPut(profile_key, profile, create=True, label="profile", stamp=False),
                    TxPut(unique_key, unique, create=True, label="email", stamp=False),
                ]
            )
        except TransactionFailed as exc:
            owner = (exc.current.get("email") or {}).get("userId")
            if "email" in exc.failed and owner != profile["userId"]:
                raise Conflict(
                    f"email already belongs to user {owner}", details={"owner": owner}
                ) from None
            return False
        return True

    def patch(
        self,
        key: keys.ItemKey,
        *,
        set_values: Mapping[str, Any] | None = None,
        remove: Sequence[str] = (),
        condition: ConditionBase | None = None,
    ) -> bool:
        """Change attributes without touching updatedAt or version (a migration or a repair of
        derived data, not an edit): 1 UpdateItem. False when the item is absent or
        ``condition`` does not hold."""
        request = update_request(
            Expression(),
            key,
            "",
            set_values=set_values,
            remove=remove,
            condition=condition,
            must_exist=True,
            stamp=False,
        )
        try:
            self._table.execute("UpdateItem", **request)
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def delete_if(self, key: keys.ItemKey, condition: ConditionBase | None = None) -> bool:
        """1 DeleteItem; False when absent or ``condition`` does not hold."""
        try:
            return self._table.delete(key, condition=condition, must_exist=True) is not None
        except (ConditionFailed, NotFound):
            return False


__all__ = ["BulkRepository"]
