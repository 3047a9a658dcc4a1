"""What every repository shares: entity <-> item mapping, pages, the table and the clock."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from strata.clock import Clock, format_timestamp
from strata.models.base import FOR_WRITE, Entity, Page, validation_error
from strata.store.codec import Item
from strata.store.paging import ItemPage
from strata.store.table import Table

E = TypeVar("E", bound=Entity)

# Attributes the table stamps itself; repositories never pass them in.
_STAMPED = frozenset({"createdAt", "updatedAt", "version"})


class Repository:
    """Base of the repositories: holds the table wrapper and the clock."""

    def __init__(self, table: Table, clock: Clock) -> None:
        self._table = table
        self._clock = clock

    def _now(self) -> datetime:
        return self._clock.now()

    def _now_text(self) -> str:
        return format_timestamp(self._clock.now())


def attributes(model: BaseModel, **extra: Any) -> dict[str, Any]:
    """An entity's stored attributes (camelCase, JSON types, no Nones) plus key attributes."""
    values = model.model_dump(mode="json", exclude_none=True)
    for name in _STAMPED:
        values.pop(name, None)
    values.update({k: v for k, v in extra.items() if v is not None})
    return values


def changes(update: BaseModel) -> dict[str, Any]:
    """The attributes an update input sets: only fields given, and never to None."""
    return update.model_dump(mode="json", exclude_unset=True, exclude_none=True)


def entity(model: type[E], item: Mapping[str, Any]) -> E:
    """An entity from its item (key and index attributes are ignored by the model)."""
    return model.model_validate(item)


def page_of(model: type[E], page: ItemPage) -> Page[E]:
    return Page[model](  # type: ignore[valid-type]
        items=[entity(model, item) for item in page.items], next_token=page.next_token
    )


def draft(model: type[E], now: datetime, **fields: Any) -> E:
    """A validated entity about to be created (timestamps are re-stamped by the table).

    Its fields come from a request that passed its input model; what the entity still refuses
    (free-form JSON too large for one item) is the caller's to fix: a 400, not a 500.
    """
    try:
        return model.model_validate(
            {"created_at": now, "updated_at": now, **fields}, context=FOR_WRITE
        )
    except PydanticValidationError as exc:
        raise validation_error(exc) from None


def is_expired(item: Item, now: datetime) -> bool:
    """Whether an item's TTL has passed (DynamoDB deletes expired items only eventually)."""
    ttl = item.get("ttl")
    return isinstance(ttl, int | float) and ttl <= now.timestamp()
