"""What the local stack holds, read from outside: every item of the main table, every object
version of the documents bucket, and the vector index's counts for the users a suite names.

Suites over HTTP take a :class:`StackState` before and after they send their requests and compare
the two (:func:`changes`): a refused request must leave all three as they were.
"""

from __future__ import annotations

import base64
import json
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

import requests

from tests.support.local_stack import LocalStackProcess

QUIET_TIMEOUT = 30.0


def _canonical(value: Any) -> str:
    def encode(raw: Any) -> Any:
        if isinstance(raw, bytes | bytearray):
            return base64.b64encode(bytes(raw)).decode("ascii")
        raise TypeError(type(raw).__name__)

    return json.dumps(value, sort_keys=True, default=encode)


@dataclass(frozen=True)
class StackState:
    """The table's items by key, the bucket's object versions, the index's counts by user."""

    items: dict[tuple[str, str], str]
    objects: dict[tuple[str, str], str]
    vectors: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def size(self) -> tuple[int, int]:
        return len(self.items), len(self.objects)


def read_state(stack: LocalStackProcess, users: tuple[str, ...] = ()) -> StackState:
    env = stack.runtime["env"]
    items: dict[tuple[str, str], str] = {}
    dynamodb = stack.aws_client("dynamodb")
    for page in dynamodb.get_paginator("scan").paginate(TableName=env["STRATA_TABLE_NAME"]):
        for item in page["Items"]:
            items[(item["PK"]["S"], item["SK"]["S"])] = _canonical(item)
    objects: dict[tuple[str, str], str] = {}
    s3 = stack.aws_client("s3")
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=env["STRATA_BUCKET_NAME"]):
        for version in page.get("Versions", []):
            objects[(version["Key"], version["VersionId"])] = version["ETag"]
        for marker in page.get("DeleteMarkers", []):
            objects[(marker["Key"], marker["VersionId"])] = "delete-marker"
    return StackState(items, objects, {user: vector_counts(stack, user) for user in users})


def vector_counts(stack: LocalStackProcess, user: str) -> dict[str, int]:
    """The user's chunks and memories in the local stack's vector index."""
    quoted = urllib.parse.quote(user, safe="")
    response = requests.get(f"{stack.url}/_local/vectors/users/{quoted}/count", timeout=30)
    response.raise_for_status()
    counts: dict[str, int] = response.json()
    return counts


def quiet_state(stack: LocalStackProcess, users: tuple[str, ...] = ()) -> StackState:
    """The state once two reads a second apart agree (ingestion, streams and maintenance of
    earlier requests have settled), so a comparison sees only what the suite's requests did."""
    deadline = time.monotonic() + QUIET_TIMEOUT
    previous = read_state(stack, users)
    while True:
        time.sleep(1.0)
        current = read_state(stack, users)
        if current == previous or time.monotonic() > deadline:
            return current
        previous = current


@dataclass(frozen=True)
class Changes:
    added: dict[tuple[str, str], str]
    removed: dict[tuple[str, str], str]
    changed: dict[tuple[str, str], tuple[str, str]]
    objects: dict[tuple[str, str], tuple[str | None, str | None]]
    vectors: dict[str, tuple[dict[str, int] | None, dict[str, int] | None]]

    @property
    def count(self) -> int:
        return (
            len(self.added)
            + len(self.removed)
            + len(self.changed)
            + len(self.objects)
            + len(self.vectors)
        )

    def touching(self, *needles: str) -> list[str]:
        """Every change whose key or content names one of ``needles`` (ids, markers)."""
        found: list[str] = []
        for key, text in [*self.added.items(), *self.removed.items()]:
            if any(n in str(key) or n in text for n in needles):
                found.append(f"item {key}: {text[:300]}")
        for key, (before, after) in self.changed.items():
            if any(n in str(key) or n in before or n in after for n in needles):
                found.append(f"item {key}: {before[:300]} -> {after[:300]}")
        found.extend(
            f"object {key}: {change}"
            for key, change in self.objects.items()
            if any(n in str(key) for n in needles)
        )
        found.extend(
            f"vectors of {user}: {change}"
            for user, change in self.vectors.items()
            if any(n in user for n in needles)
        )
        return found


def changes(before: StackState, after: StackState) -> Changes:
    added = {k: v for k, v in after.items.items() if k not in before.items}
    removed = {k: v for k, v in before.items.items() if k not in after.items}
    changed = {
        k: (v, after.items[k])
        for k, v in before.items.items()
        if k in after.items and after.items[k] != v
    }
    objects = {
        k: (before.objects.get(k), after.objects.get(k))
        for k in before.objects.keys() | after.objects.keys()
        if before.objects.get(k) != after.objects.get(k)
    }
    vectors = {
        u: (before.vectors.get(u), after.vectors.get(u))
        for u in before.vectors.keys() | after.vectors.keys()
        if before.vectors.get(u) != after.vectors.get(u)
    }
    return Changes(added, removed, changed, objects, vectors)
