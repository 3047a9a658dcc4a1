"""Transaction actions and the meaning of a cancelled transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from boto3.dynamodb.conditions import ConditionBase

from strata.errors import Conflict, StrataError, Throttled, ValidationError
from strata.store.codec import Item, deserialize_item, serialize_item
from strata.store.keys import ItemKey

MAX_TRANSACTION_ACTIONS = 100


@dataclass(frozen=True)
class TxPut:
    """Write a whole item. ``create`` adds ``attribute_not_exists(PK)`` and stamps version 1.

    ``stamp=False`` writes the attributes as given (an import keeps the legacy timestamps).
    """

    key: ItemKey
    attributes: Mapping[str, Any]
    create: bool = False
    condition: ConditionBase | None = None
    label: str = ""
    stamp: bool = True


@dataclass(frozen=True)
class TxUpdate:
    key: ItemKey
    set_values: Mapping[str, Any] = field(default_factory=dict)
    add_values: Mapping[str, int | float] = field(default_factory=dict)
    remove: Sequence[str] = ()
    expected_version: int | None = None
    condition: ConditionBase | None = None
    must_exist: bool = True
    label: str = ""
    if_absent: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TxDelete:
    key: ItemKey
    expected_version: int | None = None
    condition: ConditionBase | None = None
    must_exist: bool = False
    label: str = ""


@dataclass(frozen=True)
class TxCheck:
    key: ItemKey
    condition: ConditionBase
    label: str = ""


TxAction = TxPut | TxUpdate | TxDelete | TxCheck


class TransactionFailed(Conflict):
    """A transaction was cancelled because conditions failed.

    ``failed`` names the labels of the actions whose condition failed; ``current`` holds, for
    each of those, the item as it was (None when it did not exist).
    """

    def __init__(
        self, message: str, *, failed: Sequence[str], current: Mapping[str, Item | None]
    ) -> None:
        super().__init__(message, details={"failed": list(failed)})
        self.failed = tuple(failed)
        self.current = dict(current)


def cancellation_error(response: Mapping[str, Any], actions: Sequence[TxAction]) -> StrataError:
    """Turn ``TransactionCanceledException`` cancellation reasons into one Strata error."""
    reasons: list[dict[str, Any]] = list(response.get("CancellationReasons") or [])
    codes = [str(r.get("Code", "None")) for r in reasons]
    failed: list[str] = []
    current: dict[str, Item | None] = {}
    for index, reason in enumerate(reasons):
        if reason.get("Code") == "ConditionalCheckFailed" and index < len(actions):
            label = actions[index].label or f"action{index}"
            failed.append(label)
            raw = reason.get("Item")
            current[label] = deserialize_item(raw) if raw else None
    if failed:
        return TransactionFailed(
            "the change conflicts with the current data", failed=failed, current=current
        )
    if any(code in ("ThrottlingError", "ProvisionedThroughputExceeded") for code in codes):
        return Throttled("the data store is busy; retry shortly", details={"reasons": codes})
    if "ValidationError" in codes:
        return ValidationError("the change is not valid", details={"reasons": codes})
    return Conflict("a concurrent change got there first; retry", details={"reasons": codes})


def retried(response: Mapping[str, Any]) -> bool:
    """Whether botocore sent the request more than once (an answer it did not get: a timeout, a
    5xx, a throttle) before this error came back."""
    return int(response.get("ResponseMetadata", {}).get("RetryAttempts", 0) or 0) > 0


def landed_earlier(written: Item, current: Item | None) -> bool:
    """Whether the item a create found in its way (read back as ``ALL_OLD``) is the very item it
    writes: same key, same fresh timestamps to the microsecond, same everything. Asked only of a
    call botocore retried (:func:`retried`): then an earlier attempt of it landed and only its
    answer was lost (a read timeout or a 500 after the write), so the create succeeded."""
    return current is not None and current == deserialize_item(serialize_item(written))


def transaction_landed_earlier(
    error: StrataError, actions: Sequence[TxAction], written: Sequence[Item | None]
) -> bool:
    """Whether a cancelled transaction of a retried call is one an earlier attempt of it already
    applied: only creates failed, each finding exactly the item it writes. (DynamoDB answers
    such a retry with success itself, by the ClientRequestToken botocore adds, for 10 minutes;
    moto does not.)"""
    if not isinstance(error, TransactionFailed) or not error.failed:
        return False
    created = {
        action.label: item
        for action, item in zip(actions, written, strict=True)
        if isinstance(action, TxPut) and action.create and action.label and item is not None
    }
    return all(
        label in created and landed_earlier(created[label], error.current.get(label))
        for label in error.failed
    )
