"""Price an environment's inventory: idle per month, per 1,000 documents, per 10,000 searches.

Four figures per environment, each item by item:

- ``idle``: a month with no requests and nothing stored (what the templates cost by existing);
- ``ingest``: one-time cost of ingesting 1,000 documents;
- ``holding``: monthly cost of keeping those 1,000 documents (averaged over ``months_held``,
  after the lifecycle transitions and with the backup copies the plan keeps);
- ``searches``: 10,000 searches; ``answers``: what answering them with the model adds;
  ``streamed``: what streaming those answers over the WebSocket API adds.

List prices, no free tiers (an account's free tier is shared by everything in it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ops.cost.idle import idle_items
from ops.cost.inventory import Inventory
from ops.cost.pricer import LineItem, Pricer
from ops.cost.prices import PriceTable
from ops.cost.usage import (
    answer_items,
    holding_items,
    ingest_items,
    search_items,
    streamed_items,
)
from ops.cost.workload import Workload


@dataclass(frozen=True)
class Estimate:
    environment: str
    shape: str
    vector_store: str
    idle: tuple[LineItem, ...]
    ingest: tuple[LineItem, ...]
    holding: tuple[LineItem, ...]
    searches: tuple[LineItem, ...]
    answers: tuple[LineItem, ...]
    streamed: tuple[LineItem, ...]

    @staticmethod
    def total(items: Iterable[LineItem]) -> float:
        return sum(item.usd for item in items)


def estimate(
    inventory: Inventory, prices: PriceTable, workload: Workload, shape: str = "as synthesized"
) -> Estimate:
    pricer = Pricer(inventory, prices, workload)
    return Estimate(
        environment=inventory.environment,
        shape=shape,
        vector_store=inventory.vector_store,
        idle=tuple(idle_items(pricer)),
        ingest=tuple(ingest_items(pricer)),
        holding=tuple(holding_items(pricer)),
        searches=tuple(search_items(pricer)),
        answers=tuple(answer_items(pricer)),
        streamed=tuple(streamed_items(pricer)),
    )


def anchors_shape(inventory: Inventory) -> Inventory:
    """The anchors' default deployment: one OpenSearch Serverless collection, standby on."""
    return inventory.with_collection(standby=True)
