"""The shapes of DynamoDB requests, built without touching the network.

:mod:`strata.store.table` executes them; keeping the shapes here keeps both modules small and
lets unit tests check a request without a server.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from boto3.dynamodb.conditions import Attr, ConditionBase, Key

from strata.errors import ValidationError
from strata.models.base import KEY_ATTRIBUTES_ALLOWANCE, MAX_ITEM_BYTES, item_size
from strata.schema import MAIN_TABLE
from strata.store.actor import UPDATED_BY, current_actor
from strata.store.codec import Item, serialize_item
from strata.store.expressions import Expression, SortCondition
from strata.store.keys import ItemKey
from strata.store.transactions import TxAction, TxDelete, TxPut, TxUpdate

MAX_PAGE_SIZE = 1000
KEY_NAMES: dict[str | None, tuple[str, str]] = {
    None: ("PK", "SK"),
    **{i.name: (i.partition_key.name, i.sort_key.name) for i in MAIN_TABLE.global_indexes},
}


@dataclass(frozen=True)
class QuerySpec:
    """One partition of the table or of an index, optionally narrowed by its sort key."""

    partition: str
    index: str | None = None
    sort: SortCondition | None = None
    filter: ConditionBase | None = None
    projection: tuple[str, ...] | None = None
    forward: bool = True
    consistent: bool = False

    @property
    def key_names(self) -> tuple[str, str]:
        if self.index not in KEY_NAMES:
            raise ValueError(f"unknown index {self.index}")
        return KEY_NAMES[self.index]


def stamped(key: ItemKey, attributes: Mapping[str, Any], now: str, *, create: bool) -> Item:
    """The item to write: attributes without Nones, its key, its timestamps/version and its
    author (``updatedBy``, the current actor; absent for an automatic write)."""
    item: Item = {k: v for k, v in attributes.items() if v is not None}
    item.update(key.to_item())
    item["updatedAt"] = now
    actor = current_actor()
    if actor is None:
        item.pop(UPDATED_BY, None)
    else:
        item[UPDATED_BY] = actor
    if create:
        item["createdAt"] = now
        item["version"] = 1
    else:
        item.setdefault("createdAt", now)
    return checked_size(item)


@cache
def new_item_only() -> tuple[str, dict[str, str]]:
    """The condition of a create (the partition key must not exist) and its placeholder names,
    rendered once: every create sends the same text and names."""
    expression = Expression()
    condition = expression.condition(Attr("PK").not_exists())
    names: dict[str, str] = expression.request_parts()["ExpressionAttributeNames"]
    return condition, names


def checked_size(item: Item, limit: int = MAX_ITEM_BYTES) -> Item:
    size = item_size(item)
    if size > limit:
        raise ValidationError(
            f"the item would be {size} bytes; DynamoDB stores at most {limit}",
            details={"size": size, "limit": limit},
        )
    return item


# An update carrying more than this (values set) reads the item first and checks the result.
UPDATE_SIZE_CHECK_BYTES = 1024
# What an entity may weigh once read back (its model's own limit; keys come on top).
ENTITY_LIMIT = MAX_ITEM_BYTES - KEY_ATTRIBUTES_ALLOWANCE


def update_weight(set_values: Mapping[str, Any] | None, if_absent: Mapping[str, Any] | None) -> int:
    """The size of what an update writes (its names and values), before it is applied."""
    written = {
        k: v for k, v in {**(set_values or {}), **(if_absent or {})}.items() if v is not None
    }
    return item_size(written)


def updated_item(
    current: Item,
    *,
    set_values: Mapping[str, Any] | None,
    remove: Sequence[str],
    if_absent: Mapping[str, Any] | None,
) -> Item:
    """``current`` as the update would leave it (dotted names reach into maps)."""
    result: Item = dict(current)
    for name, value in (set_values or {}).items():
        _assign(result, name.split("."), value, only_if_absent=False)
    for name in remove:
        _assign(result, name.split("."), None, only_if_absent=False)
    for name, value in (if_absent or {}).items():
        _assign(result, name.split("."), value, only_if_absent=True)
    return result


def _assign(target: dict[str, Any], path: list[str], value: Any, *, only_if_absent: bool) -> None:
    head, *rest = path
    if rest:
        child = target.get(head)
        child = dict(child) if isinstance(child, dict) else {}
        target[head] = child
        _assign(child, rest, value, only_if_absent=only_if_absent)
    elif value is None:
        target.pop(head, None)
    elif not (only_if_absent and head in target):
        target[head] = value


def conditions(
    expected_version: int | None, condition: ConditionBase | None, must_exist: bool
) -> ConditionBase | None:
    parts: list[ConditionBase] = []
    if must_exist:
        parts.append(Attr("PK").exists())
    if expected_version is not None:
        parts.append(Attr("version").eq(expected_version))
    if condition is not None:
        parts.append(condition)
    if not parts:
        return None
    combined = parts[0]
    for part in parts[1:]:
        combined = combined & part
    return combined


def update_request(
    expression: Expression,
    key: ItemKey,
    now: str,
    *,
    set_values: Mapping[str, Any] | None = None,
    add_values: Mapping[str, int | float] | None = None,
    remove: Sequence[str] = (),
    if_absent: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
    condition: ConditionBase | None = None,
    must_exist: bool = True,
    stamp: bool = True,
) -> dict[str, Any]:
    """UpdateItem arguments; a None in ``set_values`` removes that attribute.

    ``stamp`` sets updatedAt, adds 1 to version and records the current actor as ``updatedBy``
    (an automatic write removes it): every edit does; a data migration or a repair of derived
    data does not, so it can be undone to the byte.
    """
    sets = {k: v for k, v in (set_values or {}).items() if v is not None}
    removals = list(remove) + [k for k, v in (set_values or {}).items() if v is None]
    adds = dict(add_values or {})
    if stamp:
        sets["updatedAt"] = now
        adds["version"] = 1
        actor = current_actor()
        if actor is None:
            removals.insert(0, UPDATED_BY)
        else:
            sets[UPDATED_BY] = actor
    request: dict[str, Any] = {
        "Key": serialize_item(key.to_item()),
        "UpdateExpression": expression.update(
            set_values=sets, add_values=adds, remove=removals, if_absent=if_absent
        ),
    }
    combined = conditions(expected_version, condition, must_exist)
    if combined is not None:
        request["ConditionExpression"] = expression.condition(combined)
    request.update(expression.request_parts())
    return request


def transaction_item(table: str, action: TxAction, now: str) -> tuple[dict[str, Any], Item | None]:
    """One entry of TransactItems, and for a put the item it writes."""
    expression = Expression()
    body: dict[str, Any] = {"TableName": table}
    combined: ConditionBase | None
    written: Item | None = None
    if isinstance(action, TxUpdate):
        body.update(
            update_request(
                expression,
                action.key,
                now,
                set_values=action.set_values,
                add_values=action.add_values,
                remove=action.remove,
                if_absent=action.if_absent or None,
                expected_version=action.expected_version,
                condition=action.condition,
                must_exist=action.must_exist,
            )
        )
        kind, combined = "Update", None
    elif isinstance(action, TxPut):
        if action.stamp:
            written = stamped(action.key, action.attributes, now, create=action.create)
        else:
            written = checked_size({**action.attributes, **action.key.to_item()})
        body["Item"] = serialize_item(written)
        combined = conditions(None, action.condition, False)
        if action.create:
            absent = Attr("PK").not_exists()
            combined = absent if combined is None else absent & combined
        kind = "Put"
    elif isinstance(action, TxDelete):
        body["Key"] = serialize_item(action.key.to_item())
        combined = conditions(action.expected_version, action.condition, action.must_exist)
        kind = "Delete"
    else:
        body["Key"] = serialize_item(action.key.to_item())
        combined, kind = action.condition, "ConditionCheck"
    if combined is not None:
        body["ConditionExpression"] = expression.condition(combined)
        body.update(expression.request_parts())
    if "ConditionExpression" in body:
        body["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    return {kind: body}, written


def query_request(
    spec: QuerySpec, *, limit: int | None, start: dict[str, Any] | None
) -> dict[str, Any]:
    partition_name, sort_name = spec.key_names
    expression = Expression()
    key_condition: ConditionBase = Key(partition_name).eq(spec.partition)
    if spec.sort is not None:
        key_condition = key_condition & spec.sort.on(sort_name)
    request: dict[str, Any] = {
        "KeyConditionExpression": expression.condition(key_condition, is_key=True),
        "ScanIndexForward": spec.forward,
    }
    if spec.index:
        request["IndexName"] = spec.index
    elif spec.consistent:
        request["ConsistentRead"] = True
    if spec.filter is not None:
        request["FilterExpression"] = expression.condition(spec.filter)
    if spec.projection:
        request["ProjectionExpression"] = expression.projection(spec.projection)
    if limit is not None:
        request["Limit"] = limit
    if start:
        request["ExclusiveStartKey"] = start
    request.update(expression.request_parts())
    return request


def position_of(spec: QuerySpec, item: Item) -> dict[str, Any]:
    """The resume position just after ``item`` (its table and index keys)."""
    return {name: item[name] for name in {"PK", "SK", *spec.key_names}}


def start_key(spec: QuerySpec, position: Any) -> dict[str, Any]:
    """ExclusiveStartKey from a verified position; it must lie in the queried partition."""
    partition_name, _ = spec.key_names
    if (
        not isinstance(position, dict)
        or set(position) != {"PK", "SK", *spec.key_names}
        or not all(isinstance(v, str) for v in position.values())
        or position[partition_name] != spec.partition
    ):
        raise ValidationError("nextToken is not valid for this list")
    return serialize_item(position)


def check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValidationError(
            f"limit must be between 1 and {MAX_PAGE_SIZE}",
            details={"fields": [{"field": "limit", "message": "out of range"}]},
        )
