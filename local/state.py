"""What survives a restart: the tables, the bucket with its versions, the pool's users and the
vector index, saved under ``<state dir>/state`` and loaded at the next start.

Layout: ``state/tables/<name>.jsonl`` (items in DynamoDB JSON), ``state/bucket.json`` (every
object version and delete marker, oldest first, each naming its content in ``blobs/<sha256>``),
``state/users.json``, ``state/vectors.json`` and ``state/secrets.json``. A save is written to
``state.new`` and swapped in, so a crash mid-save keeps the previous one. Blobs are content
addressed and written once; those no state names any more are removed after a save.

Restored S3 versions get new version ids (S3 has no way to set one); nothing in the data refers
to them. Stream records and queued messages are not saved: a clean stop handles them first.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local.aws import EmulatedAws
from local.config import Resources
from local.events import ACCOUNT_ID, REGION
from local.vectors import chunk_from_json, chunk_to_json, memory_from_json, memory_to_json
from strata.search.local import LocalVectorIndex

log = logging.getLogger("local.state")


@dataclass(frozen=True)
class SavedCounts:
    items: int
    objects: int
    users: int
    chunks: int
    memories: int


class StateStore:
    """Saves and loads the local stack's data in one directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.current = root / "state"
        self._blobs = root / "blobs"

    def exists(self) -> bool:
        return (self.current / "secrets.json").is_file()

    def wipe(self) -> None:
        for path in (self.current, self._blobs, self.root / "state.new"):
            shutil.rmtree(path, ignore_errors=True)

    def read_secrets(self) -> dict[str, str]:
        if not self.exists():
            return {}
        data: dict[str, str] = json.loads((self.current / "secrets.json").read_text())
        return data

    # Saving ------------------------------------------------------------------------------------

    def save(
        self,
        aws: EmulatedAws,
        resources: Resources,
        index: LocalVectorIndex,
        secrets: dict[str, str],
    ) -> SavedCounts:
        started = time.monotonic()
        staging = self.root / "state.new"
        shutil.rmtree(staging, ignore_errors=True)
        (staging / "tables").mkdir(parents=True)
        self._blobs.mkdir(parents=True, exist_ok=True)
        items = 0
        for table in (resources.table_name, resources.idempotency_table_name):
            items += self._save_table(aws, table, staging / "tables" / f"{table}.jsonl")
        objects, blobs = self._save_bucket(aws, resources.bucket_name, staging / "bucket.json")
        users = _save_users(resources.user_pool_id, staging / "users.json")
        chunks, memories = _save_vectors(index, staging / "vectors.json")
        _write_json(staging / "secrets.json", secrets)
        os.chmod(staging / "secrets.json", 0o600)
        previous = self.root / "state.old"
        shutil.rmtree(previous, ignore_errors=True)
        if self.current.exists():
            self.current.rename(previous)
        staging.rename(self.current)
        shutil.rmtree(previous, ignore_errors=True)
        for blob in self._blobs.iterdir():
            if blob.name not in blobs:
                blob.unlink()
        counts = SavedCounts(items, objects, users, chunks, memories)
        log.info(
            "state saved in %.0f ms: %d items, %d object versions, %d users, %d chunks",
            (time.monotonic() - started) * 1000,
            items,
            objects,
            users,
            chunks,
        )
        return counts

    def _save_table(self, aws: EmulatedAws, table: str, path: Path) -> int:
        count = 0
        with path.open("w") as out:
            for page in aws.client("dynamodb").get_paginator("scan").paginate(TableName=table):
                for item in page["Items"]:
                    out.write(json.dumps(item) + "\n")
                    count += 1
        return count

    def _save_bucket(self, aws: EmulatedAws, bucket: str, path: Path) -> tuple[int, set[str]]:
        s3 = aws.client("s3")
        entries: list[dict[str, Any]] = []
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
            # S3 lists each key's versions newest first: reversed, they are oldest first.
            for version in reversed(page.get("Versions", [])):
                entries.append({"kind": "version", **_version_fields(version)})
            for marker in reversed(page.get("DeleteMarkers", [])):
                entries.append({"kind": "marker", **_version_fields(marker)})
        blobs: set[str] = set()
        for entry in entries:
            if entry["kind"] != "version":
                continue
            got = s3.get_object(Bucket=bucket, Key=entry["key"], VersionId=entry["versionId"])
            data = got["Body"].read()
            digest = hashlib.sha256(data).hexdigest()
            blob = self._blobs / digest
            if not blob.exists():
                blob.write_bytes(data)
            blobs.add(digest)
            entry.update(
                blob=digest,
                contentType=got.get("ContentType", "binary/octet-stream"),
                metadata=got.get("Metadata", {}),
            )
        # Per key, oldest first and the current one last, so replaying them rebuilds each
        # key's history in order (a stable sort keeps the listing's order within a second).
        entries.sort(key=lambda e: (e["key"], e["isLatest"], e["lastModified"]))
        _write_json(path, entries)
        return len(entries), blobs

    # Loading -----------------------------------------------------------------------------------

    def load(self, aws: EmulatedAws, resources: Resources, index: LocalVectorIndex) -> SavedCounts:
        """Put the saved state into freshly provisioned resources (before any subscription)."""
        items = 0
        for table in (resources.table_name, resources.idempotency_table_name):
            items += self._load_table(aws, table, self.current / "tables" / f"{table}.jsonl")
        objects = self._load_bucket(aws, resources.bucket_name)
        users = _load_users(resources.user_pool_id, self.current / "users.json")
        chunks, memories = _load_vectors(index, self.current / "vectors.json")
        return SavedCounts(items, objects, users, chunks, memories)

    def _load_table(self, aws: EmulatedAws, table: str, path: Path) -> int:
        if not path.exists():
            return 0
        ddb = aws.client("dynamodb")
        count = 0
        for batch in _batches(_read_jsonl(path), 25):
            requests = [{"PutRequest": {"Item": item}} for item in batch]
            pending: dict[str, Any] = {table: requests}
            while pending:
                pending = ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            count += len(batch)
        return count

    def _load_bucket(self, aws: EmulatedAws, bucket: str) -> int:
        path = self.current / "bucket.json"
        if not path.exists():
            return 0
        s3 = aws.client("s3")
        entries: list[dict[str, Any]] = json.loads(path.read_text())
        for entry in entries:
            if entry["kind"] == "marker":
                s3.delete_object(Bucket=bucket, Key=entry["key"])
                continue
            s3.put_object(
                Bucket=bucket,
                Key=entry["key"],
                Body=(self._blobs / entry["blob"]).read_bytes(),
                ContentType=entry["contentType"],
                Metadata=entry["metadata"],
            )
        return len(entries)


def _version_fields(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": entry["Key"],
        "versionId": entry["VersionId"],
        "lastModified": entry["LastModified"].timestamp(),
        "isLatest": bool(entry.get("IsLatest")),
    }


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=1))


def _read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open() as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def _batches(items: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# The user pool: Cognito exports no passwords and never lets a user's ``sub`` be chosen, so its
# users are saved and restored through moto's own objects (the emulator runs in this process).


def _pool(pool_id: str) -> Any:
    from moto.cognitoidp.models import cognitoidp_backends  # noqa: PLC0415

    return cognitoidp_backends[ACCOUNT_ID][REGION].user_pools[pool_id]


def _save_users(pool_id: str, path: Path) -> int:
    pool = _pool(pool_id)
    users = [
        {
            "username": user.username,
            "sub": user.id,
            "password": user.password,
            "status": user.status,
            "enabled": user.enabled,
            "attributes": user.attributes,
            "groups": sorted(group.group_name for group in user.groups),
        }
        for user in list(pool.users.values())
    ]
    _write_json(path, users)
    os.chmod(path, 0o600)
    return len(users)


def _load_users(pool_id: str, path: Path) -> int:
    if not path.exists():
        return 0
    from moto.cognitoidp.models import CognitoIdpUser  # noqa: PLC0415

    pool = _pool(pool_id)
    saved: list[dict[str, Any]] = json.loads(path.read_text())
    for entry in saved:
        user = CognitoIdpUser(
            pool_id, entry["username"], entry["password"], entry["status"], entry["attributes"]
        )
        user.id = entry["sub"]
        user.update_attributes([{"Name": "sub", "Value": entry["sub"]}])
        user.enabled = entry["enabled"]
        pool.users[user.username] = user
        for name in entry["groups"]:
            group = pool.groups[name]
            group.users.add(user)
            user.groups.add(group)
    return len(saved)


def _save_vectors(index: LocalVectorIndex, path: Path) -> tuple[int, int]:
    chunks = index.all_chunks()
    memories = index.all_memories()
    _write_json(
        path,
        {
            "chunks": [chunk_to_json(chunk) for chunk in chunks],
            "memories": [memory_to_json(memory) for memory in memories],
        },
    )
    return len(chunks), len(memories)


def _load_vectors(index: LocalVectorIndex, path: Path) -> tuple[int, int]:
    if not path.exists():
        return 0, 0
    data = json.loads(path.read_text())
    chunks = [chunk_from_json(item) for item in data.get("chunks", [])]
    by_document: dict[tuple[str, str], list[Any]] = {}
    for chunk in chunks:
        by_document.setdefault((chunk.userId, chunk.documentId), []).append(chunk)
    for (user_id, document_id), document_chunks in by_document.items():
        index.replace_document_chunks(user_id, document_id, document_chunks)
    memories = [memory_from_json(item) for item in data.get("memories", [])]
    for memory in memories:
        index.put_memory(memory)
    return len(chunks), len(memories)
