"""``strata migrate up|down|status``: versioned data migrations kept in ``migrations/``.

Each migration is a module ``NNNN_name.py`` with ``VERSION``, ``DESCRIPTION``, ``up(context)``
and ``down(context)`` (each returns how many items it changed). Applied migrations are recorded
in the table (``SYSTEM`` / ``MIGRATION#<version>``), in order; a run holds the lock item
(``SYSTEM`` / ``LOCK#MIGRATIONS``) so two runs cannot interleave.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Annotated

import typer
from rich.table import Table as RichTable

from ops.console import console, progress, summary
from ops.context import target_of
from strata.errors import Conflict
from strata.store.bulk import BulkRepository
from strata.store.migrations import MigrationLock, MigrationRepository

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


@dataclass
class MigrationContext:
    """What a migration gets: the table's bulk operations, dry-run, a progress tick."""

    bulk: BulkRepository
    dry_run: bool = False
    advance: Callable[[], None] = lambda: None


@dataclass(frozen=True)
class Migration:
    version: str
    description: str
    module: ModuleType

    def up(self, context: MigrationContext) -> int:
        return int(self.module.up(context))

    def down(self, context: MigrationContext) -> int:
        return int(self.module.down(context))


def discover(folder: Path = MIGRATIONS) -> list[Migration]:
    found = []
    for path in sorted(folder.glob("[0-9][0-9][0-9][0-9]_*.py")):
        spec = importlib.util.spec_from_file_location(f"strata_migration_{path.stem}", path)
        if spec is None or spec.loader is None:
            continue
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        version = str(module.VERSION)
        if not path.name.startswith(version):
            raise ValueError(f"{path.name}: VERSION {version} does not match the file name")
        found.append(Migration(version, str(module.DESCRIPTION), module))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise ValueError("two migrations share a version")
    return found


class Runner:
    def __init__(self, bulk: BulkRepository, ledger: MigrationRepository, lock: MigrationLock):
        self._bulk = bulk
        self._ledger = ledger
        self._lock = lock
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def status(self, available: list[Migration]) -> list[tuple[str, str, str]]:
        applied = {m.version: m for m in self._ledger.applied()}
        rows = [
            (
                m.version,
                m.description,
                applied[m.version].applied_at if m.version in applied else "pending",
            )
            for m in available
        ]
        rows += [
            (v, a.description, f"{a.applied_at} (file missing)")
            for v, a in applied.items()
            if v not in {m.version for m in available}
        ]
        return sorted(rows)

    def up(
        self, available: list[Migration], *, to: str | None, dry_run: bool, tick: Callable[[], None]
    ) -> list[tuple[str, int]]:
        applied = {m.version for m in self._ledger.applied()}
        pending = [
            m for m in available if m.version not in applied and (to is None or m.version <= to)
        ]
        return self._locked(pending, dry_run, tick, forward=True)

    def down(
        self, available: list[Migration], *, to: str | None, dry_run: bool, tick: Callable[[], None]
    ) -> list[tuple[str, int]]:
        """Roll back the newest applied migration, or every one above ``to``."""
        applied = {m.version for m in self._ledger.applied()}
        done = [m for m in reversed(available) if m.version in applied]
        chosen = done[:1] if to is None else [m for m in done if m.version > to]
        return self._locked(chosen, dry_run, tick, forward=False)

    def _locked(
        self, chosen: list[Migration], dry_run: bool, tick: Callable[[], None], *, forward: bool
    ) -> list[tuple[str, int]]:
        results: list[tuple[str, int]] = []
        if not chosen:
            return results
        if not dry_run:
            self._lock.acquire(self.owner)
        try:
            for migration in chosen:
                context = MigrationContext(self._bulk, dry_run=dry_run, advance=tick)
                if forward:
                    changed = migration.up(context)
                    if not dry_run:
                        self._ledger.record(migration.version, migration.description, items=changed)
                else:
                    changed = migration.down(context)
                    if not dry_run:
                        self._ledger.forget(migration.version)
                results.append((migration.version, changed))
        finally:
            if not dry_run:
                self._lock.release(self.owner)
        return results


migrate_app = typer.Typer(help="Versioned data migrations (migrations/ in the repository).")


def _runner(ctx: typer.Context) -> Runner:
    target = target_of(ctx)
    clock = target.repositories.table.clock
    return Runner(target.bulk, target.repositories.migrations, MigrationLock(target.table, clock))


@migrate_app.command("status")
def status(ctx: typer.Context) -> None:
    """Each migration and whether (and when) it was applied."""
    rows = _runner(ctx).status(discover())
    table = RichTable(title="migrations")
    for column in ("version", "description", "applied"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    console.print(table)


Version = Annotated[str | None, typer.Option(help="Stop at this version")]
DryRun = Annotated[bool, typer.Option(help="Count what would change; change nothing")]


@migrate_app.command("up")
def up(ctx: typer.Context, to: Version = None, dry_run: DryRun = False) -> None:
    """Apply the pending migrations in version order."""
    _run(ctx, "up", to, dry_run)


@migrate_app.command("down")
def down(ctx: typer.Context, to: Version = None, dry_run: DryRun = False) -> None:
    """Roll back the newest applied migration (or every one above --to)."""
    _run(ctx, "down", to, dry_run)


def _run(ctx: typer.Context, direction: str, to: str | None, dry_run: bool) -> None:
    runner = _runner(ctx)
    with progress() as bar:
        task = bar.add_task(f"migrate {direction}", total=None)
        try:
            results = getattr(runner, direction)(
                discover(), to=to, dry_run=dry_run, tick=lambda: bar.advance(task)
            )
        except Conflict as exc:
            console.print(f"[red]{exc.message}[/]")
            raise typer.Exit(1) from None
    title = f"migrate {direction}{' (dry run)' if dry_run else ''}"
    summary(title, {v: f"{n:,} item(s)" for v, n in results} or {"nothing to do": "-"})


def register(app: typer.Typer) -> None:
    app.add_typer(migrate_app, name="migrate")
