"""Local backups: a compressed snapshot of the table (and the bucket's current objects), its
restore, and the fingerprint (item counts per entity + a content checksum) that verifies one.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ops import jsonl
from strata.store.bulk import BulkRepository
from strata.store.codec import Item

SNAPSHOT = "snapshot"
OBJECT = "$object"
MANIFEST = "$manifest"


@dataclass
class Fingerprint:
    """What two copies of a table must share: per-entity counts and one content checksum.

    The checksum hashes the sorted digests of every item's canonical JSON, so it does not
    depend on the order a scan returns items in.
    """

    counts: Counter[str] = field(default_factory=Counter)
    checksum: str = ""

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @classmethod
    def of(cls, items: Iterable[Item], tick: Callable[[], None] | None = None) -> Fingerprint:
        counts: Counter[str] = Counter()
        digests: list[bytes] = []
        for item in items:
            counts[str(item.get("entity", "(none)"))] += 1
            digests.append(hashlib.sha256(jsonl.dumps(item).encode()).digest())
            if tick is not None:
                tick()
        whole = hashlib.sha256()
        for digest in sorted(digests):
            whole.update(digest)
        return cls(counts=counts, checksum=whole.hexdigest())

    def to_dict(self) -> dict[str, Any]:
        return {"counts": dict(self.counts), "checksum": self.checksum, "items": self.total}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fingerprint:
        return cls(counts=Counter(data["counts"]), checksum=str(data["checksum"]))


def compare(left: Fingerprint, right: Fingerprint) -> list[tuple[str, int, int]]:
    """(entity, left count, right count) for every entity, differences first."""
    entities = sorted(set(left.counts) | set(right.counts))
    rows = [(e, left.counts[e], right.counts[e]) for e in entities]
    return sorted(rows, key=lambda row: row[1] == row[2])


def snapshot_name(table: str, at: datetime) -> str:
    return f"{SNAPSHOT}-{table}-{at.strftime('%Y%m%dT%H%M%S')}.jsonl.gz"


def create(
    path: Path,
    *,
    table: str,
    items: Iterable[Item],
    s3: Any,
    bucket: str | None,
    tick: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Write the snapshot; returns its manifest. Objects: 1 ListObjectsV2 per 1,000 keys + 1
    GetObject each (the bucket's current objects, for a local stack's small bucket)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    kept: list[Item] = []

    def counted() -> Iterator[Item]:
        for item in items:
            kept.append(item)
            if tick is not None:
                tick()
            yield item

    objects = 0
    with gzip.open(path, "wt", encoding="utf-8") as out:
        header = {
            jsonl.HEADER: SNAPSHOT,
            "version": 1,
            "table": table,
            "bucket": bucket,
            "createdAt": datetime.now(UTC).isoformat(),
        }
        out.write(json.dumps(header) + "\n")
        for item in counted():
            out.write(jsonl.dumps(item) + "\n")
        for entry in _objects(s3, bucket):
            out.write(json.dumps({OBJECT: entry}) + "\n")
            objects += 1
        manifest = {**Fingerprint.of(kept).to_dict(), "objects": objects}
        out.write(json.dumps({MANIFEST: manifest}) + "\n")
    return manifest


def _objects(s3: Any, bucket: str | None) -> Iterator[dict[str, Any]]:
    if not bucket:
        return
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for entry in page.get("Contents", []):
            response = s3.get_object(Bucket=bucket, Key=entry["Key"])
            with response["Body"] as body:
                data = body.read()
            yield {
                "key": entry["Key"],
                "contentType": response.get("ContentType", "application/octet-stream"),
                "body": base64.b64encode(data).decode(),
            }


@dataclass
class Snapshot:
    header: dict[str, Any]
    manifest: dict[str, Any]
    path: Path

    def items(self) -> Iterator[Item]:
        for line in self._lines():
            if jsonl.HEADER not in line and OBJECT not in line and MANIFEST not in line:
                yield jsonl.decode(line)

    def objects(self) -> Iterator[dict[str, Any]]:
        for line in self._lines():
            if OBJECT in line:
                yield line[OBJECT]

    def _lines(self) -> Iterator[dict[str, Any]]:
        with gzip.open(self.path, "rt", encoding="utf-8") as source:
            for line in source:
                if line.strip():
                    yield json.loads(line)


def open_snapshot(path: Path) -> Snapshot:
    header: dict[str, Any] = {}
    manifest: dict[str, Any] = {}
    with gzip.open(path, "rt", encoding="utf-8") as source:
        for line in source:
            value = json.loads(line)
            if jsonl.HEADER in value:
                header = value
            elif MANIFEST in value:
                manifest = value[MANIFEST]
    if header.get(jsonl.HEADER) != SNAPSHOT or not manifest:
        raise ValueError(f"{path} is not a complete Strata snapshot")
    return Snapshot(header, manifest, path)


def restore(
    snapshot: Snapshot,
    bulk: BulkRepository,
    *,
    s3: Any,
    bucket: str | None,
    batch_size: int = 500,
    tick: Callable[[int], None] | None = None,
) -> tuple[int, int]:
    """Write the snapshot's items (1 BatchWriteItem per 25) and objects (1 PutObject each)."""
    written = 0
    batch: list[Item] = []
    for item in snapshot.items():
        batch.append(item)
        if len(batch) >= batch_size:
            bulk.put_items(batch)
            written += len(batch)
            if tick is not None:
                tick(len(batch))
            batch = []
    if batch:
        bulk.put_items(batch)
        written += len(batch)
        if tick is not None:
            tick(len(batch))
    objects = 0
    for entry in snapshot.objects() if bucket else ():
        s3.put_object(
            Bucket=bucket,
            Key=entry["key"],
            Body=base64.b64decode(entry["body"]),
            ContentType=entry["contentType"],
        )
        objects += 1
    return written, objects
