"""The bucket's objects as they were at a time, from their versions (the bucket is versioned).

For each key, the version current at that time is the newest version or delete marker made at
or before it. When that is not the current version, it is copied over the key (a new version,
so the restore itself can be undone). Keys created later are reported, and deleted only with
``prune``. Cost: 1 ListObjectVersions per 1,000 versions + 1 CopyObject or DeleteObject per
changed key.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class ObjectRestoreReport:
    unchanged: int = 0
    restored: list[str] = field(default_factory=list)
    newer: list[str] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)


def restore_objects_as_of(
    s3: Any,
    bucket: str,
    at: datetime,
    *,
    prefix: str = "",
    prune: bool = False,
    dry_run: bool = False,
) -> ObjectRestoreReport:
    versions: dict[str, list[dict[str, Any]]] = defaultdict(list)
    paginator = s3.get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        for entry in page.get("Versions", []):
            versions[entry["Key"]].append({**entry, "marker": False})
        for entry in page.get("DeleteMarkers", []):
            versions[entry["Key"]].append({**entry, "marker": True})
    report = ObjectRestoreReport()
    for key, entries in sorted(versions.items()):
        entries.sort(key=lambda e: e["LastModified"], reverse=True)
        current = next((e for e in entries if e.get("IsLatest")), entries[0])
        then = next((e for e in entries if e["LastModified"] <= at), None)
        if then is None or then["marker"]:
            if current["marker"]:
                report.unchanged += 1
                continue
            report.newer.append(key)
            if prune:
                report.pruned.append(key)
                if not dry_run:
                    s3.delete_object(Bucket=bucket, Key=key)
            continue
        if then["VersionId"] == current["VersionId"]:
            report.unchanged += 1
            continue
        report.restored.append(key)
        if not dry_run:
            s3.copy_object(
                Bucket=bucket,
                Key=key,
                CopySource={"Bucket": bucket, "Key": key, "VersionId": then["VersionId"]},
            )
    return report
