"""Items <-> JSON Lines, losslessly: one item per line, keys included.

JSON has no sets or bytes; they are written as ``{"$set": [...]}`` / ``{"$binary": base64}``.
The first line is a header naming what was exported. Objects in S3 are included by reference:
a document's item names its bucket and key, and the object stays where it is.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from strata.store.bulk import BulkRepository
from strata.store.codec import Item
from strata.store.user_data import UserDataRepository

HEADER = "$strata"


def encode(value: Any) -> Any:
    if isinstance(value, set | frozenset):
        return {"$set": sorted((encode(v) for v in value), key=json.dumps)}
    if isinstance(value, bytes | bytearray):
        return {"$binary": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [encode(v) for v in value]
    return value


def decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$set"}:
            return {decode(v) for v in value["$set"]}
        if set(value) == {"$binary"}:
            return base64.b64decode(value["$binary"])
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def dumps(item: Item) -> str:
    return json.dumps(encode(item), ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def header(table: str, user: str | None) -> dict[str, Any]:
    return {
        HEADER: "export",
        "version": 1,
        "table": table,
        "user": user,
        "exportedAt": datetime.now(UTC).isoformat(),
    }


def scan_all(bulk: BulkRepository, segments: int) -> Iterator[Item]:
    """The whole table, ``segments`` parallel Scan segments (1 Scan per 1 MB each)."""
    if segments <= 1:
        yield from bulk.scan()
        return
    with ThreadPoolExecutor(max_workers=segments) as pool:
        parts = pool.map(
            lambda n: list(bulk.scan(segment=n, total_segments=segments)), range(segments)
        )
        for part in parts:
            yield from part


def export(
    out: TextIO,
    *,
    table: str,
    bulk: BulkRepository,
    user_data: UserDataRepository,
    user: str | None,
    segments: int = 4,
    on_item: Any = None,
) -> int:
    out.write(json.dumps(header(table, user)) + "\n")
    items: Iterable[Item] = user_data.items(user) if user else scan_all(bulk, segments)
    count = 0
    for item in items:
        out.write(dumps(item) + "\n")
        count += 1
        if on_item is not None:
            on_item()
    return count


def read(path: Path) -> Iterator[Item]:
    """The items of an export file (the header is skipped; blank lines too)."""
    with path.open(encoding="utf-8") as source:
        for number, line in enumerate(source, start=1):
            if not line.strip():
                continue
            value = json.loads(line)
            if not isinstance(value, dict):
                raise ValueError(f"line {number}: not a JSON object")
            if HEADER in value:
                continue
            if "PK" not in value or "SK" not in value:
                raise ValueError(f"line {number}: an item needs PK and SK")
            yield decode(value)


def count_lines(path: Path) -> int:
    with path.open(encoding="utf-8") as source:
        return sum(1 for line in source if line.strip() and HEADER not in line[:20])
