"""``strata backup create|list|restore|verify``.

``--kind snapshot`` (the default against the local stack): a compressed snapshot file and its
restore. ``--kind aws`` (the default with ``--env``): an on-demand AWS Backup job, a
point-in-time restore into a new table, and the bucket's objects as of a time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table as RichTable

from infra.names import Output
from ops import snapshot as snapshots
from ops.console import console, progress, summary
from ops.context import target_of
from ops.jsonl import scan_all
from ops.restore_objects import restore_objects_as_of
from ops.target import Target
from strata.schema import MAIN_TABLE
from strata.store.admin import TableAdmin
from strata.store.bulk import BulkRepository

backup_app = typer.Typer(help="Back up, list, restore and verify (snapshot locally, AWS in AWS).")
DEFAULT_DIR = Path(".strata-local") / "backups"


class Kind(StrEnum):
    SNAPSHOT = "snapshot"
    AWS = "aws"


KindOption = Annotated[
    Kind | None, typer.Option(help="snapshot (local default) or aws (--env default)")
]
DirOption = Annotated[Path, typer.Option("--dir", help="Where snapshots are kept")]


def _kind(target: Target, kind: Kind | None) -> Kind:
    return kind or (Kind.SNAPSHOT if target.is_local else Kind.AWS)


@backup_app.command("create")
def create(ctx: typer.Context, kind: KindOption = None, folder: DirOption = DEFAULT_DIR) -> None:
    """Take a backup now."""
    target = target_of(ctx)
    if _kind(target, kind) is Kind.SNAPSHOT:
        path = folder / snapshots.snapshot_name(target.settings.table_name, datetime.now(UTC))
        with progress() as bar:
            task = bar.add_task("snapshot items", total=None)
            manifest = snapshots.create(
                path,
                table=target.settings.table_name,
                items=scan_all(target.bulk, 4),
                s3=target.client("s3"),
                bucket=target.settings.bucket_name,
                tick=lambda: bar.advance(task),
            )
        summary(
            "snapshot",
            {
                "file": str(path),
                "items": manifest["items"],
                "objects": manifest["objects"],
                "checksum": manifest["checksum"],
            },
        )
        return
    backup = target.client("backup")
    jobs = {}
    for what, arn_output in (
        ("table", Output.MAIN_TABLE_ARN),
        ("bucket", Output.DOCUMENTS_BUCKET_ARN),
    ):
        response = backup.start_backup_job(
            BackupVaultName=target.output(Output.BACKUP_VAULT),
            ResourceArn=target.output(arn_output),
            IamRoleArn=target.output(Output.BACKUP_ROLE_ARN),
        )
        jobs[f"{what} job"] = response["BackupJobId"]
    summary("AWS Backup on-demand jobs (watch them: strata backup list)", jobs)


@backup_app.command("list")
def list_backups(
    ctx: typer.Context, kind: KindOption = None, folder: DirOption = DEFAULT_DIR
) -> None:
    """Snapshots, or the vault's recovery points and the table's point-in-time window."""
    target = target_of(ctx)
    table = RichTable(title="backups")
    if _kind(target, kind) is Kind.SNAPSHOT:
        for column in ("snapshot", "items", "objects", "checksum"):
            table.add_column(column)
        for path in sorted(folder.glob(f"{snapshots.SNAPSHOT}-*.jsonl.gz")):
            manifest = snapshots.open_snapshot(path).manifest
            table.add_row(
                path.name,
                f"{manifest['items']:,}",
                str(manifest["objects"]),
                manifest["checksum"][:16],
            )
        console.print(table)
        return
    for column in ("resource", "created", "status", "recovery point"):
        table.add_column(column, overflow="fold")
    backup = target.client("backup")
    paginator = backup.get_paginator("list_recovery_points_by_backup_vault")
    for page in paginator.paginate(BackupVaultName=target.output(Output.BACKUP_VAULT)):
        for point in page.get("RecoveryPoints", []):
            table.add_row(
                point.get("ResourceArn", ""),
                str(point.get("CreationDate", "")),
                point.get("Status", ""),
                point.get("RecoveryPointArn", ""),
            )
    console.print(table)
    enabled, earliest, latest = TableAdmin(target.client("dynamodb")).point_in_time_recovery(
        target.settings.table_name
    )
    console.print(
        f"point-in-time recovery: {'on' if enabled else 'OFF'}; restorable from "
        f"{earliest} to {latest}",
        soft_wrap=True,
    )


@backup_app.command("restore")
def restore(
    ctx: typer.Context,
    kind: KindOption = None,
    source: Annotated[Path | None, typer.Option("--from", help="Snapshot file")] = None,
    at: Annotated[str | None, typer.Option(help="Point in time (ISO 8601; default latest)")] = None,
    into: Annotated[str | None, typer.Option(help="New table to restore into")] = None,
    replace: Annotated[bool, typer.Option(help="Snapshot into a non-empty table: wipe it")] = False,
    objects: Annotated[bool, typer.Option(help="Also restore the bucket's objects")] = True,
    prune: Annotated[bool, typer.Option(help="Delete objects created after --at")] = False,
    dry_run: Annotated[bool, typer.Option(help="Report what would change")] = False,
) -> None:
    """Restore a snapshot, or the table at a point in time into a new table and the objects."""
    target = target_of(ctx)
    if _kind(target, kind) is Kind.SNAPSHOT:
        _restore_snapshot(target, source, into, replace=replace, objects=objects)
        return
    moment = datetime.fromisoformat(at.replace("Z", "+00:00")) if at else None
    name = into or f"{target.settings.table_name}-restored-{datetime.now(UTC):%Y%m%d%H%M%S}"
    rows: dict[str, Any] = {"table restored into": name}
    if not dry_run:
        admin = TableAdmin(target.client("dynamodb"))
        admin.restore_to_point_in_time(target.settings.table_name, name, moment)
        admin.wait_active(name)
    if objects:
        report = restore_objects_as_of(
            target.client("s3"),
            target.settings.bucket_name,
            moment or datetime.now(UTC),
            prune=prune,
            dry_run=dry_run,
        )
        rows |= {
            "objects restored": len(report.restored),
            "objects unchanged": report.unchanged,
            "objects newer than --at": len(report.newer),
            "objects pruned": len(report.pruned),
        }
    summary("restore (dry run)" if dry_run else "restore", rows)
    console.print(
        f"next: strata backup verify --against {name}; then point the stacks at it", soft_wrap=True
    )


def _restore_snapshot(
    target: Target, source: Path | None, into: str | None, *, replace: bool, objects: bool
) -> None:
    if source is None:
        console.print("[red]--from SNAPSHOT is required for a snapshot restore[/]")
        raise typer.Exit(2)
    snapshot = snapshots.open_snapshot(source)
    admin = TableAdmin(target.client("dynamodb"))
    name = into or target.settings.table_name
    if into and not admin.exists(into):
        admin.create(MAIN_TABLE, into)
    bulk = BulkRepository(target.table_named(name), target.table.clock)
    existing = next(iter(bulk.scan(projection=("PK", "SK"))), None)
    if existing is not None:
        if not replace:
            console.print(f"[red]{name} is not empty: pass --replace to wipe it first[/]")
            raise typer.Exit(1)
        from strata.store.keys import ItemKey  # noqa: PLC0415

        bulk.delete_keys([ItemKey.of(i) for i in bulk.scan(projection=("PK", "SK"))])
    with progress() as bar:
        task = bar.add_task("restoring items", total=int(snapshot.manifest["items"]))
        items, restored_objects = snapshots.restore(
            snapshot,
            bulk,
            s3=target.client("s3"),
            bucket=target.settings.bucket_name if objects else None,
            tick=lambda n: bar.advance(task, n),
        )
    summary("snapshot restored", {"table": name, "items": items, "objects": restored_objects})


@backup_app.command("verify")
def verify(
    ctx: typer.Context,
    against: Annotated[str, typer.Option(help="Restored table name, or a snapshot file")],
    table: Annotated[
        str | None, typer.Option(help="Table to check (default: the target's)")
    ] = None,
) -> None:
    """Compare item counts per entity and a content checksum; exit 1 on any difference."""
    target = target_of(ctx)
    left_bulk = (
        BulkRepository(target.table_named(table), target.table.clock) if table else (target.bulk)
    )
    with progress() as bar:
        task = bar.add_task("checksumming", total=None)
        left = snapshots.Fingerprint.of(scan_all(left_bulk, 4), lambda: bar.advance(task))
        if Path(against).exists():
            right = snapshots.Fingerprint.from_dict(snapshots.open_snapshot(Path(against)).manifest)
        else:
            other = BulkRepository(target.table_named(against), target.table.clock)
            right = snapshots.Fingerprint.of(scan_all(other, 4), lambda: bar.advance(task))
    report = RichTable(title=f"{table or target.settings.table_name} vs {against}")
    for column in ("entity", "table", "copy", ""):
        report.add_column(column)
    for entity, mine, theirs in snapshots.compare(left, right):
        report.add_row(entity, f"{mine:,}", f"{theirs:,}", "" if mine == theirs else "DIFFERS")
    console.print(report)
    same = left.checksum == right.checksum and left.counts == right.counts
    console.print(
        f"checksum {left.checksum[:16]} vs {right.checksum[:16]}: "
        f"{'equal' if same else 'DIFFERENT'}"
    )
    if not same:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(backup_app, name="backup")
