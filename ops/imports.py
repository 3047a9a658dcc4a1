"""``strata import sqlite|jsonl`` and ``strata export jsonl``."""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table as RichTable

from ops import jsonl
from ops.console import INTERRUPTED, Checkpoint, console, progress, summary, timed
from ops.context import target_of
from ops.legacy.analyze import analyze, as_rows, suggest
from ops.legacy.load import (
    BatchFailed,
    ImportOptions,
    Interrupted,
    RowsRejected,
    SqliteImporter,
)
from ops.legacy.mapping import Mapping

import_app = typer.Typer(help="Bring data in: a legacy SQLite database or a JSONL export.")
export_app = typer.Typer(help="Take data out as JSON Lines.")


@import_app.command("sqlite")
def import_sqlite(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Legacy database")],
    mapping: Annotated[Path | None, typer.Option(help="Mapping file (JSON)")] = None,
    analyze_only: Annotated[
        bool, typer.Option("--analyze", help="Describe the database and suggest a mapping")
    ] = False,
    dry_run: Annotated[bool, typer.Option(help="Check every row, write nothing")] = False,
    batch_size: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
    parallelism: Annotated[int, typer.Option(min=1, max=64)] = 4,
    validate: Annotated[bool, typer.Option(help="Read back counts and a sample")] = False,
    continue_on_error: Annotated[
        bool, typer.Option(help="Load the good rows; bad rows go to --rejected")
    ] = False,
    rejected: Annotated[Path, typer.Option(help="Rejected rows (JSONL)")] = Path("rejected.jsonl"),
    resume: Annotated[bool, typer.Option(help="Go on from the checkpoint")] = False,
    checkpoint: Annotated[Path | None, typer.Option(help="Checkpoint file")] = None,
) -> None:
    """Import a legacy SQLite database through Strata's models, keys and uniqueness rules."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    if analyze_only:
        _analyze(connection, mapping)
        return
    if mapping is None:
        console.print("[red]--mapping is required (write one with --analyze --mapping FILE)[/]")
        raise typer.Exit(2)
    plan = Mapping.load(mapping)
    problems = plan.problems()
    if problems:
        for problem in problems:
            console.print(f"[red]mapping: {problem}[/]")
        raise typer.Exit(2)
    target = target_of(ctx)
    options = ImportOptions(
        batch_size=batch_size,
        parallelism=parallelism,
        dry_run=dry_run,
        continue_on_error=continue_on_error,
        resume=resume,
        validate=validate,
        rejected_path=rejected,
        checkpoint_path=checkpoint or path.with_suffix(".strata-checkpoint.json"),
    )
    before = target.table.metrics.total_requests
    with progress() as bar, timed() as clock:
        importer = SqliteImporter(
            connection,
            plan,
            target.bulk,
            bucket=target.settings.bucket_name,
            source=str(path.resolve()),
            options=options,
            progress=bar,
        )
        try:
            report = importer.run()
        except RowsRejected as exc:
            _show_rejections(exc.rejected, rejected)
            console.print("[red]nothing written: fix the rows or pass --continue-on-error[/]")
            raise typer.Exit(1) from None
        except BatchFailed as exc:
            console.print(
                f"[red]a batch failed: {exc}; checkpoint saved to {exc.checkpoint}; fix the "
                "cause and rerun with --resume[/]",
                soft_wrap=True,
            )
            raise typer.Exit(1) from None
        except Interrupted as exc:
            console.print(
                f"[yellow]interrupted: checkpoint saved to {exc}; rerun with --resume[/]",
                soft_wrap=True,
            )
            raise typer.Exit(INTERRUPTED) from None
    requests = target.table.metrics.total_requests - before
    rows = {f"rows {e}": f"{report.accepted[e]:,}/{report.rows[e]:,}" for e in report.rows}
    summary(
        "import (dry run)" if dry_run else "import",
        {
            **rows,
            "rejected rows": len(report.rejected),
            "items written": report.items_written,
            "requests": requests,
            "seconds": f"{clock['seconds']:.1f}",
            "items/s": f"{report.items_written / max(clock['seconds'], 1e-9):,.0f}",
            "resumed from": report.resumed_from or "-",
        },
    )
    if report.rejected:
        console.print(f"rejected rows: {rejected}")
    if validate and not dry_run:
        _show_validation(report.validation)
        if not report.valid:
            raise typer.Exit(1)


def _analyze(connection: sqlite3.Connection, mapping: Path | None) -> None:
    reports = analyze(connection)
    table = RichTable(title="legacy database")
    for column in ("table", "rows", "columns", "foreign keys"):
        table.add_column(column, overflow="fold")
    for report in reports:
        row = as_rows(report)
        table.add_row(*(str(row[c]) for c in ("table", "rows", "columns", "foreign keys")))
    console.print(table)
    for report in reports:
        for finding in report.findings:
            console.print(f"[yellow]{report.name}: {finding}[/]", soft_wrap=True)
    suggestion = suggest(reports)
    console.print("suggested mapping:")
    sys.stdout.write(suggestion.dump() + "\n")
    if mapping is not None and not mapping.exists():
        mapping.write_text(suggestion.dump() + "\n", encoding="utf-8")
        console.print(
            f"written to {mapping}: review it, then import with --mapping {mapping}", soft_wrap=True
        )


def _show_rejections(rejected: Sequence[dict[str, Any]], path: Path) -> None:
    table = RichTable(title=f"{len(rejected)} rejected row(s) (all in {path})")
    for column in ("entity", "key", "reason"):
        table.add_column(column)
    for rejection in rejected[:20]:
        table.add_row(rejection["entity"], str(rejection["key"]), rejection["reason"])
    console.print(table)


def _show_validation(validation: dict[str, dict[str, int]]) -> None:
    table = RichTable(title="validation")
    columns = ("expected", "found", "missing", "sampled", "different")
    table.add_column("entity")
    for column in columns:
        table.add_column(column, justify="right")
    for entity, figures in validation.items():
        table.add_row(entity, *(f"{figures[c]:,}" for c in columns))
    console.print(table)


@import_app.command("jsonl")
def import_jsonl(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    batch_size: Annotated[int, typer.Option(min=1, max=10_000)] = 500,
    resume: Annotated[bool, typer.Option(help="Skip the items the checkpoint says are in")] = False,
) -> None:
    """Write every item of an export back, as it was (1 BatchWriteItem per 25 items).

    After every batch the checkpoint (``<file>.checkpoint.json``) counts the items written; Ctrl-C
    leaves it, and ``--resume`` skips them (writing an item twice would leave one item anyway)."""
    target = target_of(ctx)
    checkpoint = Checkpoint(path.with_suffix(path.suffix + ".checkpoint.json"))
    state = (checkpoint.load() if resume else None) or {}
    skip = int(state.get("written", 0)) if state.get("file") == str(path.resolve()) else 0
    total = jsonl.count_lines(path)
    written = skip
    with progress() as bar, timed() as clock:
        task = bar.add_task("importing items", total=total, completed=skip)
        batch: list[dict[str, Any]] = []
        try:
            for position, item in enumerate(jsonl.read(path)):
                if position < skip:
                    continue
                batch.append(item)
                if len(batch) >= batch_size:
                    target.bulk.put_items(batch)
                    written += len(batch)
                    checkpoint.save({"file": str(path.resolve()), "written": written})
                    bar.advance(task, len(batch))
                    batch = []
            if batch:
                target.bulk.put_items(batch)
                written += len(batch)
                bar.advance(task, len(batch))
        except KeyboardInterrupt:
            checkpoint.save({"file": str(path.resolve()), "written": written})
            console.print(f"[yellow]interrupted after {written:,} items; rerun with --resume[/]")
            raise typer.Exit(INTERRUPTED) from None
    checkpoint.clear()
    summary(
        "import jsonl",
        {
            "items written": written - skip,
            "skipped (resumed)": skip,
            "seconds": f"{clock['seconds']:.1f}",
        },
    )


@export_app.command("jsonl")
def export_jsonl(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write")] = Path(
        "strata-export.jsonl"
    ),
    user: Annotated[str | None, typer.Option(help="One user's data only (by sub)")] = None,
    segments: Annotated[int, typer.Option(min=1, max=64, help="Parallel scan segments")] = 4,
) -> None:
    """The whole table, or one user's data (the data-subject export), as JSON Lines."""
    target = target_of(ctx)
    with progress() as bar, output.open("w", encoding="utf-8") as out:
        task = bar.add_task("exporting items", total=None)
        count = jsonl.export(
            out,
            table=target.settings.table_name,
            bulk=target.bulk,
            user_data=target.repositories.user_data,
            user=user,
            segments=segments,
            on_item=lambda: bar.advance(task),
        )
    summary("export", {"items": count, "file": str(output)})
    if count == 0 and user:
        console.print(json.dumps({"warning": f"no items for user {user}"}))


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
    app.add_typer(export_app, name="export")
