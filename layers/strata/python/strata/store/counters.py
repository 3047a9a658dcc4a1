"""Counters kept from the stream: the platform's stats item and daily usage of applications.

Every counted stream record is applied in one transaction with a marker item named after the
record (``EVENT#<id>``, expiring after two days, longer than a record can be retried): a replayed
record finds its marker and adds nothing, so the counts stay exact under Lambda's retries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from strata.clock import epoch_seconds
from strata.models.applications import UserUsage
from strata.store import keys
from strata.store.base import Repository, entity
from strata.store.expressions import SortCondition
from strata.store.requests import QuerySpec
from strata.store.transactions import TransactionFailed, TxAction, TxPut, TxUpdate

MARKER_LIFETIME = timedelta(days=2)
MARKER = "marker"


@dataclass(frozen=True)
class UsageDelta:
    """What one record adds to one usage item (an application's or a user's day)."""

    key: keys.ItemKey
    identity: Mapping[str, Any]  # written once, when the day's item is created
    counters: Mapping[str, int]


@dataclass(frozen=True)
class CounterDelta:
    """Everything one stream record adds: to the stats item and to usage items."""

    stats: Mapping[str, int] = field(default_factory=dict)
    usage: tuple[UsageDelta, ...] = ()

    def is_empty(self) -> bool:
        return not any(self.stats.values()) and not self.usage


class CounterRepository(Repository):
    def stats(self) -> dict[str, int]:
        """Every platform counter: 1 GetItem (zeros before the first counted record)."""
        item = self._table.get(keys.STATS) or {}
        return {name: int(value) for name, value in item.items() if _is_counter(name, value)}

    def apply(self, record_id: str, delta: CounterDelta) -> bool:
        """Add ``delta`` once per record: 1 TransactWriteItems (marker + stats + usage items).

        Returns False, adding nothing, when the record was counted before.
        """
        if delta.is_empty():
            return False
        expires = epoch_seconds(self._now() + MARKER_LIFETIME)
        actions: list[TxAction] = [
            TxPut(
                keys.stream_marker(record_id),
                {"entity": "STREAM_MARKER", "ttl": expires},
                create=True,
                label=MARKER,
            )
        ]
        stats = {name: value for name, value in delta.stats.items() if value}
        if stats:
            actions.append(
                TxUpdate(
                    keys.STATS,
                    add_values=stats,
                    if_absent={"entity": "STATS", "createdAt": self._now_text()},
                    must_exist=False,
                )
            )
        for usage in delta.usage:
            actions.append(
                TxUpdate(
                    usage.key,
                    add_values=dict(usage.counters),
                    if_absent={**usage.identity, "createdAt": self._now_text()},
                    must_exist=False,
                )
            )
        try:
            self._table.transact(actions)
        except TransactionFailed as exc:
            if MARKER in exc.failed:
                return False
            raise
        return True

    def user_usage(self, user_id: str, first_day: date, last_day: date) -> list[UserUsage]:
        """A user's daily counters in a date range, oldest first: 1 Query (up to 1,000 days)."""
        low, high = keys.user_usage(user_id, first_day), keys.user_usage(user_id, last_day)
        spec = QuerySpec(low.pk, sort=SortCondition.between(low.sk, high.sk))
        return [entity(UserUsage, item) for item in self._table.query_all(spec)]


_NOT_COUNTERS = frozenset({"version"})


def _is_counter(name: str, value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and name not in _NOT_COUNTERS


__all__ = ["CounterDelta", "CounterRepository", "UsageDelta"]
