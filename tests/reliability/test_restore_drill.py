"""Issue 15, point 8: the restore drill, with the operations CLI (`strata`, ops/).

Data is made the way users make it (tests/reliability/workload.py: sessions with questions and
answers, documents uploaded and ingested, the stream's counters and notifications), on the
moto-backed environment the CLI targets (the same kind of target as the local stack's). Then
``strata backup create`` snapshots it; the environment is destroyed (the table deleted, every
object version and delete marker removed, the vector index emptied); ``strata backup restore``
puts the table and the objects back and ``strata reindex`` the vectors (which no backup holds:
they are rebuilt from the stored chunks and embeddings). Item counts and checksums per entity,
every object's bytes and every document's vectors are compared with what was there before, and
``strata backup verify`` and ``strata verify --only data`` must agree.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import boto3
from typer.testing import CliRunner

from ops.cli import app as strata
from ops.target import Target
from tests.reliability.frame import Reliability
from tests.reliability.platform import IngestPlatform
from tests.reliability.workload import APP, FaultyPlatform, run_workload, scan

runner = CliRunner()


def cli(target: Target, *args: str) -> str:
    result = runner.invoke(strata, list(args), obj=target)
    assert result.exit_code == 0, f"strata {' '.join(args)}:\n{result.output}"
    return result.output


def per_entity(platform: IngestPlatform) -> dict[str, tuple[int, str]]:
    """Item count and an order-independent checksum of the items, per entity."""
    digests: dict[str, list[str]] = {}
    for item in scan(platform):
        text = json.dumps(item, sort_keys=True, default=str)
        digests.setdefault(str(item.get("entity")), []).append(
            hashlib.sha256(text.encode()).hexdigest()
        )
    return {
        entity: (len(found), hashlib.sha256("".join(sorted(found)).encode()).hexdigest())
        for entity, found in digests.items()
    }


def objects(platform: IngestPlatform) -> dict[str, str]:
    """Every current object's key and the SHA-256 of its bytes."""
    s3, bucket = platform.bucket.s3, platform.settings.bucket_name
    found: dict[str, str] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for entry in page.get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=entry["Key"])["Body"].read()
            found[entry["Key"]] = hashlib.sha256(body).hexdigest()
    return found


def vectors(platform: IngestPlatform, documents: dict[str, str]) -> dict[str, int]:
    return {doc: platform.vectors_of(user, doc) for doc, user in documents.items()}


def destroy(platform: IngestPlatform, documents: dict[str, str]) -> None:
    """The table, every version of every object, and the vectors: gone."""
    dynamodb = platform.server.client("dynamodb")
    dynamodb.delete_table(TableName=platform.settings.table_name)
    dynamodb.get_waiter("table_not_exists").wait(TableName=platform.settings.table_name)
    s3, bucket = platform.bucket.s3, platform.settings.bucket_name
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        doomed = [
            {"Key": v["Key"], "VersionId": v["VersionId"]}
            for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        if doomed:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": doomed, "Quiet": True})
    for document_id, user_id in documents.items():
        platform.index.delete_document(user_id, document_id)


def test_backup_destroy_restore_gives_back_every_entity_object_and_vector(
    faulty: FaultyPlatform, reliability: Reliability, tmp_path: Path
) -> None:
    platform = faulty.platform
    # Given an environment with what users make: profiles, an application, sessions with
    # questions and answers, ingested documents, notifications, counters, audit entries
    admin = faulty.account("ADMIN")
    users = [faulty.account("GENERAL") for _ in range(reliability.pick(1, 10))]
    app_id = faulty.once("POST", "/applications", admin, APP).json()["appId"]
    made = run_workload(faulty, users, app_id, reliability.pick(1, 5), reliability.pick(1, 3))
    platform.ingest_until_settled(platform.upload_messages(len(made.documents)))
    assert platform.pump_streams() == 0
    assert set(faulty.responses) <= {200, 201}
    before = per_entity(platform), objects(platform), vectors(platform, made.documents)
    assert all(before[2].values())
    target = Target(
        name="drill",
        settings=platform.settings,
        session=boto3.Session(region_name=platform.settings.region),
        endpoint_url=platform.server.endpoint,
        vector_index_factory=lambda: platform.index,
    )
    # When it is backed up with the CLI
    cli(target, "backup", "create", "--dir", str(tmp_path))
    [snapshot] = list(tmp_path.glob("snapshot-*.jsonl.gz"))
    # And destroyed
    destroy(platform, made.documents)
    assert objects(platform) == {}
    # And restored into a table of the same name, and its vectors rebuilt
    cli(target, "backup", "restore", "--from", str(snapshot), "--into", target.settings.table_name)
    cli(target, "reindex")
    # Then every entity has its items back, each one equal, and every object and vector
    after = per_entity(platform), objects(platform), vectors(platform, made.documents)
    assert after[0] == before[0]
    assert after[1] == before[1]
    assert after[2] == before[2]
    # And the CLI's own checks agree
    assert "equal" in cli(target, "backup", "verify", "--against", str(snapshot))
    cli(target, "verify", "--only", "data")
    counts = Counter({entity: count for entity, (count, _) in before[0].items()})
    lost = sum(
        1
        for what in range(3)
        for key in set(before[what]) | set(after[what])
        if before[what].get(key) != after[what].get(key)
    )
    reliability.record(
        "8",
        "backup, destroy, restore",
        injected="table deleted, every object version deleted, vector index emptied",
        volume=f"{sum(counts.values())} items of {len(counts)} entities, "
        f"{len(before[1])} objects, {sum(before[2].values())} vectors",
        lost=lost,
        items_by_entity=dict(sorted(counts.items())),
        snapshot_bytes=snapshot.stat().st_size,
    )
