"""The one wrapper around DynamoDB's low-level client. Nothing else in Strata calls DynamoDB.

It keeps ``createdAt``/``updatedAt``/``version`` on every write, maps every client failure to
:mod:`strata.errors` once, signs pagination tokens, retries unprocessed batch items with jittered
backoff, and counts requests, failures and latency.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from boto3.dynamodb.conditions import Attr, ConditionBase
from botocore.exceptions import BotoCoreError, ClientError

from strata.clock import Clock, format_timestamp
from strata.errors import Conflict, NotFound, StrataError, Throttled, ValidationError
from strata.store.codec import Item, deserialize_item, serialize_item
from strata.store.errors import ConditionFailed, error_code, map_client_error
from strata.store.expressions import Expression
from strata.store.keys import HEALTH, ItemKey
from strata.store.metrics import RequestMetrics
from strata.store.paging import DONE, ItemPage, ShardRun, merge_runs
from strata.store.requests import (
    ENTITY_LIMIT,
    MAX_PAGE_SIZE,
    UPDATE_SIZE_CHECK_BYTES,
    QuerySpec,
    check_limit,
    checked_size,
    conditions,
    new_item_only,
    query_request,
    stamped,
    start_key,
    transaction_item,
    update_request,
    update_weight,
    updated_item,
)
from strata.store.tokens import TokenSigner, binding_for
from strata.store.transactions import (
    MAX_TRANSACTION_ACTIONS,
    TxAction,
    cancellation_error,
    landed_earlier,
    retried,
    transaction_landed_earlier,
)

BATCH_GET_SIZE = 100
BATCH_WRITE_SIZE = 25
_PASS_THROUGH = frozenset({"ConditionalCheckFailedException", "TransactionCanceledException"})


@dataclass(frozen=True)
class Health:
    healthy: bool
    latency_ms: float
    error: str | None = None


class Table:
    """The main table. Production wiring: :func:`strata.store.factory.build_table`."""

    def __init__(
        self,
        client: Any,
        name: str,
        signer: TokenSigner,
        clock: Clock,
        *,
        metrics: RequestMetrics | None = None,
        batch_attempts: int = 8,
        backoff_base_seconds: float = 0.05,
        backoff_cap_seconds: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.name = name
        self.clock = clock
        self.metrics = metrics or RequestMetrics()
        self._signer = signer
        self._batch_attempts = batch_attempts
        self._backoff_base = backoff_base_seconds
        self._backoff_cap = backoff_cap_seconds
        self._sleep = sleep

    def now_text(self) -> str:
        return format_timestamp(self.clock.now())

    # Single items --------------------------------------------------------------------------
    def get(
        self, key: ItemKey, *, consistent: bool = False, projection: Sequence[str] = ()
    ) -> Item | None:
        """GetItem: 1 request (eventually consistent unless ``consistent``: DynamoDB's default,
        so the flag is sent only when it is set, as for a query)."""
        request: dict[str, Any] = {"Key": serialize_item(key.to_item())}
        if consistent:
            request["ConsistentRead"] = True
        if projection:
            expression = Expression()
            request["ProjectionExpression"] = expression.projection(projection)
            request.update(expression.request_parts())
        raw = self._call("GetItem", **request).get("Item")
        return deserialize_item(raw) if raw else None

    def create(self, key: ItemKey, attributes: Mapping[str, Any], *, what: str = "item") -> Item:
        """PutItem only if absent (version 1, timestamps set): 1 request. Exists -> Conflict,
        unless what exists is this very item
        (:func:`~strata.store.transactions.landed_earlier`)."""
        item = stamped(key, attributes, self.now_text(), create=True)
        condition, names = new_item_only()
        try:
            self._call(
                "PutItem",
                Item=serialize_item(item),
                ConditionExpression=condition,
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
                ExpressionAttributeNames=dict(names),
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                found = exc.response.get("Item")
                if (
                    retried(exc.response)
                    and found
                    and landed_earlier(item, deserialize_item(found))
                ):
                    return item
                raise Conflict(f"the {what} already exists") from None
            raise map_client_error(exc, "PutItem") from exc
        return item

    def put(
        self,
        key: ItemKey,
        attributes: Mapping[str, Any],
        *,
        expected_version: int | None = None,
        what: str = "item",
    ) -> Item:
        """PutItem replacing the whole item (version + 1, createdAt kept): 1 request."""
        item = stamped(key, attributes, self.now_text(), create=False)
        item["version"] = (expected_version or int(attributes.get("version", 0))) + 1
        request: dict[str, Any] = {"Item": serialize_item(item)}
        if expected_version is not None:
            expression = Expression()
            request["ConditionExpression"] = expression.condition(
                Attr("version").eq(expected_version)
            )
            request["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
            request.update(expression.request_parts())
        try:
            self._call("PutItem", **request)
        except ClientError as exc:
            raise self._conditional(exc, "PutItem", expected_version, True, what) from exc
        return item

    def update(
        self,
        key: ItemKey,
        *,
        set_values: Mapping[str, Any] | None = None,
        add_values: Mapping[str, int | float] | None = None,
        remove: Sequence[str] = (),
        if_absent: Mapping[str, Any] | None = None,
        expected_version: int | None = None,
        condition: ConditionBase | None = None,
        must_exist: bool = True,
        what: str = "item",
    ) -> Item:
        """UpdateItem returning the new item (updatedAt set, version + 1): 1 request.

        Absent and ``must_exist`` -> NotFound; stale ``expected_version`` -> Conflict with
        ``details.currentVersion``; another failed ``condition`` -> :class:`ConditionFailed`.

        An update writing more than ``UPDATE_SIZE_CHECK_BYTES`` first reads the item (+1
        consistent GetItem) and refuses, before the write, a result its entity could not be
        read back as (ValidationError). A concurrent write between the two can only be another
        update, itself checked the same way when it is large.
        """
        if update_weight(set_values, if_absent) > UPDATE_SIZE_CHECK_BYTES:
            current = self.get(key, consistent=True)
            if current is not None:
                checked_size(
                    updated_item(
                        current,
                        set_values={**(set_values or {}), "updatedAt": self.now_text()},
                        remove=remove,
                        if_absent=if_absent,
                    ),
                    ENTITY_LIMIT,
                )
        request = update_request(
            Expression(),
            key,
            self.now_text(),
            set_values=set_values,
            add_values=add_values,
            remove=remove,
            if_absent=if_absent,
            expected_version=expected_version,
            condition=condition,
            must_exist=must_exist,
        )
        request["ReturnValues"] = "ALL_NEW"
        request["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        try:
            response = self._call("UpdateItem", **request)
        except ClientError as exc:
            raise self._conditional(exc, "UpdateItem", expected_version, must_exist, what) from exc
        return deserialize_item(response["Attributes"])

    def delete(
        self,
        key: ItemKey,
        *,
        expected_version: int | None = None,
        condition: ConditionBase | None = None,
        must_exist: bool = False,
        what: str = "item",
    ) -> Item | None:
        """DeleteItem returning the old item (None if there was none): 1 request."""
        request: dict[str, Any] = {
            "Key": serialize_item(key.to_item()),
            "ReturnValues": "ALL_OLD",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        combined = conditions(expected_version, condition, must_exist)
        if combined is not None:
            expression = Expression()
            request["ConditionExpression"] = expression.condition(combined)
            request.update(expression.request_parts())
        try:
            response = self._call("DeleteItem", **request)
        except ClientError as exc:
            raise self._conditional(exc, "DeleteItem", expected_version, must_exist, what) from exc
        raw = response.get("Attributes")
        return deserialize_item(raw) if raw else None

    # Queries -------------------------------------------------------------------------------
    def query(self, spec: QuerySpec, *, limit: int = 50, next_token: str | None = None) -> ItemPage:
        """One Query of up to ``limit`` items (fewer if a filter drops some): 1 request."""
        check_limit(limit)
        binding = binding_for(self.name, spec.index, [spec.partition], forward=spec.forward)
        start = start_key(spec, self._signer.decode(next_token, binding)) if next_token else None
        items, last_key = self._query_once(spec, limit=limit, start=start)
        token = self._signer.encode(last_key, binding) if last_key else None
        return ItemPage(items=items, next_token=token)

    def query_merged(
        self, specs: Sequence[QuerySpec], *, limit: int = 50, next_token: str | None = None
    ) -> ItemPage:
        """Sharded partitions merged in sort-key order: 1 Query per shard not yet exhausted.

        Each shard's position is the last item of it that made the page, so no item is skipped
        or repeated across pages.
        """
        check_limit(limit)
        if not specs or len({(s.index, s.forward) for s in specs}) != 1:
            raise ValueError("merged queries need one index and one direction")
        first = specs[0]
        partitions = [s.partition for s in specs]
        binding = binding_for(self.name, first.index, partitions, forward=first.forward)
        state: dict[str, Any] = dict.fromkeys(partitions)
        if next_token:
            decoded = self._signer.decode(next_token, binding)
            if not isinstance(decoded, dict) or set(decoded) != set(state):
                raise ValidationError("nextToken is not valid for this list")
            state = decoded
        runs: list[ShardRun] = []
        for spec in specs:
            position = state[spec.partition]
            if position != DONE:
                start = start_key(spec, position) if position else None
                runs.append(ShardRun(spec, *self._query_once(spec, limit=limit, start=start)))
        items, state = merge_runs(runs, state, limit=limit)
        done = all(value == DONE for value in state.values())
        token = None if done else self._signer.encode(state, binding)
        return ItemPage(items=items, next_token=token)

    def query_all(self, spec: QuerySpec, *, page_size: int = MAX_PAGE_SIZE) -> Iterator[Item]:
        """Every item of the partition: 1 request per ``page_size`` items (or per 1 MB)."""
        start: dict[str, Any] | None = None
        while True:
            request = query_request(spec, limit=page_size, start=start)
            response = self._call("Query", **request)
            yield from (deserialize_item(raw) for raw in response.get("Items", []))
            start = response.get("LastEvaluatedKey")
            if not start:
                return

    def count(self, spec: QuerySpec) -> int:
        """Select=COUNT over the partition: 1 request per 1 MB of matching items."""
        total = 0
        start: dict[str, Any] | None = None
        while True:
            request = query_request(spec, limit=None, start=start)
            request["Select"] = "COUNT"
            response = self._call("Query", **request)
            total += int(response.get("Count", 0))
            start = response.get("LastEvaluatedKey")
            if not start:
                return total

    # Batches and transactions --------------------------------------------------------------
    def batch_get(self, keys: Sequence[ItemKey], *, consistent: bool = False) -> list[Item]:
        """BatchGetItem, 100 keys a request, unprocessed keys retried with backoff.

        ceil(n / 100) requests plus retries. Returns the items found, in key order.
        """
        unique = list(dict.fromkeys(keys))
        found: dict[ItemKey, Item] = {}
        for first in range(0, len(unique), BATCH_GET_SIZE):
            chunk = unique[first : first + BATCH_GET_SIZE]
            pending: list[dict[str, Any]] = [serialize_item(k.to_item()) for k in chunk]
            for attempt in range(self._batch_attempts):
                request = {self.name: {"Keys": pending, "ConsistentRead": consistent}}
                response = self._call("BatchGetItem", RequestItems=request)
                for raw in response.get("Responses", {}).get(self.name, []):
                    item = deserialize_item(raw)
                    found[ItemKey.of(item)] = item
                pending = response.get("UnprocessedKeys", {}).get(self.name, {}).get("Keys", [])
                if not pending:
                    break
                self._backoff(attempt)
            else:
                raise Throttled(
                    "the data store kept deferring reads; retry shortly",
                    details={"operation": "BatchGetItem", "unprocessed": len(pending)},
                )
        return [found[k] for k in unique if k in found]

    def batch_write(
        self, *, puts: Sequence[Mapping[str, Any]] = (), deletes: Sequence[ItemKey] = ()
    ) -> None:
        """BatchWriteItem, 25 writes a request, unprocessed items retried with backoff.

        ceil(n / 25) requests plus retries. Puts are raw items (with their keys), written as is.
        """
        writes: list[dict[str, Any]] = [
            {"PutRequest": {"Item": serialize_item(checked_size(dict(item)))}} for item in puts
        ]
        writes += [{"DeleteRequest": {"Key": serialize_item(k.to_item())}} for k in deletes]
        for first in range(0, len(writes), BATCH_WRITE_SIZE):
            pending = writes[first : first + BATCH_WRITE_SIZE]
            for attempt in range(self._batch_attempts):
                response = self._call("BatchWriteItem", RequestItems={self.name: pending})
                pending = response.get("UnprocessedItems", {}).get(self.name, [])
                if not pending:
                    break
                self._backoff(attempt)
            else:
                raise Throttled(
                    "the data store kept deferring writes; retry shortly",
                    details={"operation": "BatchWriteItem", "unprocessed": len(pending)},
                )

    def transact(
        self, actions: Sequence[TxAction], *, client_token: str | None = None
    ) -> dict[str, Item]:
        """TransactWriteItems, all or nothing: 1 request (2 write units per item).

        Returns the items written by labelled puts, by label. Failed conditions ->
        :class:`TransactionFailed` naming the labels of the failed actions.
        """
        if not actions or len(actions) > MAX_TRANSACTION_ACTIONS:
            raise ValueError(f"a transaction has 1 to {MAX_TRANSACTION_ACTIONS} actions")
        if len({a.key for a in actions}) != len(actions):
            raise ValueError("a transaction may touch each item only once")
        now = self.now_text()
        entries = [transaction_item(self.name, a, now) for a in actions]
        request: dict[str, Any] = {"TransactItems": [entry for entry, _ in entries]}
        if client_token:
            request["ClientRequestToken"] = client_token
        try:
            self._call("TransactWriteItems", **request)
        except ClientError as exc:
            if error_code(exc) != "TransactionCanceledException":
                raise map_client_error(exc, "TransactWriteItems") from exc
            error = cancellation_error(exc.response, actions)
            written = [item for _, item in entries]
            if not (retried(exc.response) and transaction_landed_earlier(error, actions, written)):
                raise error from exc
        return {
            action.label: written
            for action, (_, written) in zip(actions, entries, strict=True)
            if written is not None and action.label
        }

    def health(self) -> Health:
        """A timed GetItem of a fixed key: 1 request. Never raises."""
        started = time.perf_counter()
        try:
            self.get(HEALTH)
        except StrataError as exc:
            return Health(healthy=False, latency_ms=_elapsed(started), error=exc.type)
        return Health(healthy=True, latency_ms=_elapsed(started))

    def execute(self, operation: str, **request: Any) -> dict[str, Any]:
        """One request of ``operation`` with its errors mapped and counted in :attr:`metrics`.

        For the store's own request builders (scans, bulk operations); 1 request.
        """
        return self._call(operation, **request)

    # Internals -----------------------------------------------------------------------------
    def _call(self, operation: str, **request: Any) -> dict[str, Any]:
        if operation not in ("BatchGetItem", "BatchWriteItem", "TransactWriteItems"):
            request["TableName"] = self.name
        method = getattr(self.client, _METHODS[operation])
        started = time.perf_counter()
        try:
            response: dict[str, Any] = method(**request)
        except ClientError as exc:
            self.metrics.record(operation, _elapsed(started), failed=True)
            if error_code(exc) in _PASS_THROUGH:
                raise
            raise map_client_error(exc, operation) from exc
        except BotoCoreError as exc:
            self.metrics.record(operation, _elapsed(started), failed=True)
            raise map_client_error(exc, operation) from exc
        self.metrics.record(operation, _elapsed(started), failed=False)
        return response

    def _conditional(
        self,
        exc: ClientError,
        operation: str,
        expected_version: int | None,
        must_exist: bool,
        what: str,
    ) -> StrataError:
        if error_code(exc) != "ConditionalCheckFailedException":
            return map_client_error(exc, operation)
        raw = exc.response.get("Item")
        current = deserialize_item(raw) if raw else None
        if current is None and must_exist:
            return NotFound(f"the {what} does not exist")
        if expected_version is not None and current and current.get("version") != expected_version:
            return Conflict(
                f"the {what} was changed by someone else; reload it and retry",
                details={"currentVersion": current.get("version")},
            )
        return ConditionFailed(f"the {what} is not in a state that allows this", current=current)

    def _query_once(
        self, spec: QuerySpec, *, limit: int, start: dict[str, Any] | None
    ) -> tuple[list[Item], Item | None]:
        response = self._call("Query", **query_request(spec, limit=limit, start=start))
        items = [deserialize_item(raw) for raw in response.get("Items", [])]
        raw_last = response.get("LastEvaluatedKey")
        return items, (deserialize_item(raw_last) if raw_last else None)

    def _backoff(self, attempt: int) -> None:
        ceiling = min(self._backoff_cap, self._backoff_base * (2**attempt))
        self._sleep(random.uniform(0, ceiling))  # noqa: S311 - jitter, not cryptography


def _elapsed(started: float) -> float:
    return (time.perf_counter() - started) * 1000


_METHODS = {
    "GetItem": "get_item",
    "PutItem": "put_item",
    "UpdateItem": "update_item",
    "DeleteItem": "delete_item",
    "Query": "query",
    "Scan": "scan",
    "BatchGetItem": "batch_get_item",
    "BatchWriteItem": "batch_write_item",
    "TransactWriteItems": "transact_write_items",
}


__all__ = ["ConditionFailed", "Health", "ItemPage", "QuerySpec", "Table"]
