"""One DynamoDB stream record of the main table, as the reactions see it.

A :class:`Change` holds the record's id, what happened (insert, modify, remove), both images as
plain Python values (the store's codec), the time of the write and whether TTL made it. Reactions
derive ids from :attr:`Change.event_id` (:meth:`Change.derived_id`), so a replayed record writes
the same items again instead of new ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from strata.ids import derived_id
from strata.store.codec import Item, deserialize_item

Action = Literal["insert", "modify", "remove"]
_ACTIONS: dict[str, Action] = {"INSERT": "insert", "MODIFY": "modify", "REMOVE": "remove"}
TTL_PRINCIPAL = "dynamodb.amazonaws.com"

# Attributes every write touches: they never make a change worth reacting to by themselves.
STAMPS = frozenset({"updatedAt", "version", "updatedBy"})


class MalformedRecord(ValueError):
    """A stream record without the fields every record of the main table carries."""


@dataclass(frozen=True)
class Change:
    event_id: str
    action: Action
    keys: Item
    old: Item | None
    new: Item | None
    at: datetime
    by_ttl: bool = False

    @property
    def image(self) -> Item:
        """The item after the write, or before it for a removal."""
        return self.new or self.old or self.keys

    @property
    def entity(self) -> str:
        return str(self.image.get("entity", ""))

    @property
    def actor(self) -> str | None:
        """Who made the write (``updatedBy`` of the new image); None for automatic writes and
        for removals (a deletion carries no attributes)."""
        if self.new is None:
            return None
        value = self.new.get("updatedBy")
        return str(value) if value else None

    def value(self, path: str, *, old: bool = False) -> Any:
        """A dotted attribute of the new (or old) image; None when absent."""
        current: Any = self.old if old else self.new
        for part in path.split("."):
            if not isinstance(current, Mapping):
                return None
            current = current.get(part)
        return current

    def changed(self) -> list[str]:
        """The attributes that differ between the images, sorted; map attributes one level
        deep (``metadata.tags``). For an insert or a removal: every attribute of the image."""
        return changed_attributes(self.old or {}, self.new or {})

    def touches(self, names: Iterable[str]) -> bool:
        """Whether any of ``names`` (top-level or dotted) changed."""
        wanted = set(names)
        return any(name in wanted or name.split(".", 1)[0] in wanted for name in self.changed())

    def derived_id(self, purpose: str) -> str:
        """A ULID at the write's time, the same for every delivery of this record."""
        return derived_id(self.at, f"{self.event_id}/{purpose}")


def changed_attributes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    names: set[str] = set()
    for name in set(old) | set(new):
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        if isinstance(before, Mapping) and isinstance(after, Mapping):
            names.update(
                f"{name}.{inner}"
                for inner in set(before) | set(after)
                if before.get(inner) != after.get(inner)
            )
        else:
            names.add(name)
    return sorted(names)


def change_from_record(record: Mapping[str, Any]) -> Change:
    """A :class:`Change` from one record in the shape Lambda delivers (and ``get_records``
    returns): ``eventID``, ``eventName``, ``dynamodb.{Keys, NewImage, OldImage,
    ApproximateCreationDateTime}``, ``userIdentity`` for TTL removals."""
    try:
        data = record["dynamodb"]
        action = _ACTIONS[str(record["eventName"])]
        event_id = str(record["eventID"])
        keys = deserialize_item(data["Keys"])
    except (KeyError, TypeError) as exc:
        raise MalformedRecord(f"not a stream record of the main table: {exc!r}") from None
    new = deserialize_item(data["NewImage"]) if data.get("NewImage") else None
    old = deserialize_item(data["OldImage"]) if data.get("OldImage") else None
    identity = record.get("userIdentity") or {}
    return Change(
        event_id=event_id,
        action=action,
        keys=keys,
        old=old,
        new=new,
        at=_written_at(new, data.get("ApproximateCreationDateTime")),
        by_ttl=identity.get("principalId") == TTL_PRINCIPAL,
    )


def _written_at(new: Item | None, approximate: Any) -> datetime:
    """The item's own ``updatedAt`` (microseconds) when it has one, else the record's time."""
    stamp = (new or {}).get("updatedAt")
    if isinstance(stamp, str):
        try:
            return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(UTC)
        except ValueError:
            pass
    if isinstance(approximate, datetime):
        return approximate.astimezone(UTC)
    if isinstance(approximate, int | float | str):
        try:
            return datetime.fromtimestamp(float(approximate), UTC)
        except ValueError:
            pass
    raise MalformedRecord("the record carries no time")
