"""Pages of items, and the merge of sharded partitions into one ordered page."""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from strata.store.codec import Item
from strata.store.requests import QuerySpec, position_of

DONE = "done"


@dataclass(frozen=True)
class ItemPage:
    items: list[Item]
    next_token: str | None


@dataclass(frozen=True)
class ShardRun:
    """What one Query of one shard returned."""

    spec: QuerySpec
    items: list[Item]
    last_key: Item | None


def merge_runs(
    runs: Sequence[ShardRun], state: dict[str, Any], *, limit: int
) -> tuple[list[Item], dict[str, Any]]:
    """The first ``limit`` items of all runs in sort-key order, and each shard's new position.

    A shard's position becomes the last of its items that made the page (or its LastEvaluatedKey
    if all did, or DONE if it has no more), so the next page neither skips nor repeats an item.
    """
    if not runs:
        return [], state
    first = runs[0].spec
    sort_name = first.key_names[1]
    tagged = [
        # Every item of an index carries the index's sort key (or it would not be in it).
        [(item[sort_name], n, item) for item in run.items]
        for n, run in enumerate(runs)
    ]
    page = list(heapq.merge(*tagged, key=lambda t: t[0], reverse=not first.forward))[:limit]
    taken = [0] * len(runs)
    for _, run_number, _ in page:
        taken[run_number] += 1
    new_state = dict(state)
    for n, run in enumerate(runs):
        if taken[n] == len(run.items):
            new_state[run.spec.partition] = run.last_key or DONE
        elif taken[n]:
            new_state[run.spec.partition] = position_of(run.spec, run.items[taken[n] - 1])
    return [item for _, _, item in page], new_state
