"""Bounds what moto keeps in memory: every model instance it ever made, its shard iterators.

moto appends every instance of every model it ever builds (tables, items, stream records, S3
keys, ...) to its class's ``instances_tracked`` list, for its dashboard only, and never lets go.
DynamoDB deep-copies the whole table for each ``TransactWriteItems`` and the items of each query
result, so the local stack kept a full copy of the table per transaction and grew by megabytes a
request (2 GB after 679 requests). :func:`untrack_models` stops that tracking, process-wide.

moto also keeps every shard iterator it ever issued, forever (``shard_iterators``: one per
``GetShardIterator`` and one more per ``GetRecords``), and each holds the stream shard it was
issued on. A cancelled ``TransactWriteItems`` makes moto put back a deep copy of the table, stream
shard included, so every iterator issued before it keeps a whole discarded copy of the table
alive: the local stack grew by megabytes a request, quadratically. DynamoDB Streams expires an
iterator 15 minutes after issuing it; :class:`StreamIterators` does the same, and points an
iterator of a replaced shard at the table's current one (the copy put back holds the same
records, so it reads the same, and the discarded copy can be freed).
"""

from __future__ import annotations

import time
from typing import Any

from moto.core.common_models import BaseModel
from moto.dynamodbstreams.models import dynamodbstreams_backends

from local.events import ACCOUNT_ID, REGION


def _untracked(cls: type[BaseModel], *args: Any, **kwargs: Any) -> BaseModel:
    return object.__new__(cls)


def untrack_models() -> None:
    """moto's models stop recording their instances (its ``/moto-api/`` dashboard then lists
    none; nothing else reads them but S3's reset, which disposes of keys the collector frees)."""
    BaseModel.__new__ = _untracked  # type: ignore[method-assign]


class StreamIterators:
    """Call :meth:`tidy` after each DynamoDB Streams request, under the DynamoDB lock."""

    LIFETIME_SECONDS = 900.0

    def __init__(self, account_id: str = ACCOUNT_ID, region: str = REGION) -> None:
        self._account_id = account_id
        self._region = region
        self._issued: dict[str, float] = {}

    def _backend(self) -> Any:
        return dynamodbstreams_backends[self._account_id][self._region]

    def tidy(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        backend = self._backend()
        iterators: dict[str, Any] = backend.shard_iterators
        tables: dict[str, Any] = backend.dynamodb.tables
        for arn in list(iterators):
            issued = self._issued.setdefault(arn, now)
            iterator = iterators[arn]
            table = tables.get(iterator.stream_shard.table.name)
            shard = None if table is None else table.stream_shard
            if now - issued > self.LIFETIME_SECONDS or shard is None:
                del iterators[arn]
            elif shard is not iterator.stream_shard and shard.id == iterator.stream_shard.id:
                iterator.stream_shard = shard
        for arn in self._issued.keys() - iterators.keys():
            del self._issued[arn]
