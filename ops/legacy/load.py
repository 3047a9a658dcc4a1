"""``strata import sqlite``: two passes over the legacy database, batched parallel writes,
a checkpoint after every batch, rejected rows to a JSONL file.

Every item's key is derived from its legacy row, so writing a row twice leaves one item: a run
resumed from its checkpoint (or simply rerun) never duplicates anything.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from rich.progress import Progress

from ops.console import Checkpoint
from ops.legacy.analyze import quote
from ops.legacy.convert import Converted, Converter, Plan, Rejected
from ops.legacy.mapping import ORDER, EntityName, Mapping
from strata.errors import Conflict, ValidationError
from strata.store import keys
from strata.store.bulk import BulkRepository
from strata.store.codec import Item


class Interrupted(Exception):
    """The run stopped on Ctrl-C after saving its checkpoint."""


class BatchFailed(Exception):
    """A batch could not be written (after the store's retries); the checkpoint is saved."""

    def __init__(self, checkpoint: str, cause: BaseException) -> None:
        super().__init__(f"{cause}")
        self.checkpoint = checkpoint
        self.cause = cause


class RowsRejected(Exception):
    """Rows were rejected and --continue-on-error was not given: nothing was written."""

    def __init__(self, rejected: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(rejected)} row(s) rejected")
        self.rejected = rejected


@dataclass(frozen=True)
class ImportOptions:
    batch_size: int = 100
    parallelism: int = 4
    dry_run: bool = False
    continue_on_error: bool = False
    resume: bool = False
    validate: bool = False
    sample_size: int = 20
    rejected_path: Path = Path("rejected.jsonl")
    checkpoint_path: Path = Path(".strata-import.checkpoint.json")


@dataclass
class ImportReport:
    rows: Counter[str] = field(default_factory=Counter)
    accepted: Counter[str] = field(default_factory=Counter)
    written_rows: Counter[str] = field(default_factory=Counter)
    items_written: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    resumed_from: str | None = None
    validation: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return all(v["missing"] == 0 and v["different"] == 0 for v in self.validation.values())


class SqliteImporter:
    def __init__(
        self,
        connection: sqlite3.Connection,
        mapping: Mapping,
        bulk: BulkRepository,
        *,
        bucket: str,
        source: str,
        options: ImportOptions,
        progress: Progress | None = None,
    ) -> None:
        connection.row_factory = sqlite3.Row
        self._db = connection
        self._mapping = mapping
        self._bulk = bulk
        self._options = options
        self._progress = progress
        self._plan = Plan()
        self._converter = Converter(mapping, self._plan, bucket)
        self._checkpoint = Checkpoint(options.checkpoint_path)
        self._identity = {"source": source, "mapping": mapping.fingerprint()}
        self._entities = [e for e in ORDER if e in mapping.entities]
        self._rejected_keys: set[tuple[str, str]] = set()

    # The run ----------------------------------------------------------------------------------
    def run(self) -> ImportReport:
        report = ImportReport()
        state = self._resume_state()
        late = list(state.get("lateRejections", []))
        for rejection in late:
            self._rejected_keys.add((rejection["entity"], str(rejection["key"])))
        self._learn(report)
        report.rejected.extend(late)
        self._write_rejections(report.rejected)
        if report.rejected and not self._options.continue_on_error:
            raise RowsRejected(report.rejected)
        if self._options.dry_run:
            return report
        report.resumed_from = f"{state['stage']}@{state['position']}" if state else None
        done = list(state.get("done", []))
        for entity in self._entities:
            if entity in done:
                continue
            after = state.get("position") if state.get("stage") == entity else None
            self._write_entity(entity, after, done, report, late)
            done.append(entity)
        self._checkpoint.clear()
        if self._options.validate:
            self._validate(report)
        return report

    def _resume_state(self) -> dict[str, Any]:
        if not self._options.resume:
            self._checkpoint.clear()
            return {}
        state = self._checkpoint.load() or {}
        if state and {k: state.get(k) for k in self._identity} != self._identity:
            raise ValidationError(
                "the checkpoint belongs to another database or mapping; remove it to start over",
                details={"checkpoint": str(self._checkpoint.path)},
            )
        return state

    # Pass one ---------------------------------------------------------------------------------
    def _learn(self, report: ImportReport) -> None:
        if "users" in self._mapping.entities:
            self._plan.taken_emails = self._taken_emails()
        task = self._task("checking rows", sum(self._count(e) for e in self._entities))
        for entity in self._entities:
            for key, row in self._rows(entity, None):
                report.rows[entity] += 1
                if (entity, key) in self._rejected_keys:
                    self._advance(task)
                    continue
                try:
                    self._converter.learn(entity, row)
                    report.accepted[entity] += 1
                except Rejected as exc:
                    self._rejected_keys.add((entity, key))
                    report.rejected.append(_rejection(entity, key, exc.reason, row))
                self._advance(task)

    def _taken_emails(self) -> dict[str, str]:
        """Emails the table already holds and their owners: 1 BatchGetItem per 100 emails."""
        spec = self._mapping.entities["users"]
        column = spec.columns["email"]
        wanted: list[keys.ItemKey] = []
        for (value,) in self._db.execute(
            f"SELECT {quote(column)} FROM {quote(spec.table)}"  # noqa: S608
        ):
            try:
                wanted.append(keys.email_unique(str(value or "")))
            except ValidationError:
                continue
        found = self._bulk.get_items(wanted) if wanted else []
        prefix = keys.UNIQUE_EMAIL_PREFIX
        return {str(item["PK"]).removeprefix(prefix): str(item["userId"]) for item in found}

    # Pass two ---------------------------------------------------------------------------------
    def _write_entity(
        self,
        entity: EntityName,
        after: str | None,
        done: list[str],
        report: ImportReport,
        late: list[dict[str, Any]],
    ) -> None:
        task = self._task(f"writing {entity}", self._count(entity))
        pending: dict[Future[tuple[int, list[dict[str, Any]]]], int] = {}
        finished: dict[int, tuple[str, int]] = {}
        position = after
        next_index = 0
        executor = ThreadPoolExecutor(max_workers=max(1, self._options.parallelism))

        def settle(future: Future[tuple[int, list[dict[str, Any]]]]) -> None:
            nonlocal position, next_index
            index = pending.pop(future)
            items, rejections = future.result()
            report.items_written += items
            late.extend(rejections)
            report.rejected.extend(rejections)
            self._append_rejections(rejections)
            finished[index] = batch_ends[index]
            while next_index in finished:  # the checkpoint moves over completed batches only
                last_key, rows = finished.pop(next_index)
                position = last_key
                report.written_rows[entity] += rows
                self._advance(task, rows)
                next_index += 1
            self._save(entity, position, done, late)

        batch_ends: dict[int, tuple[str, int]] = {}
        try:
            for index, batch in enumerate(self._batches(entity, after)):
                batch_ends[index] = (batch[-1][0], len(batch))
                converted = [(key, self._convert(entity, key, row)) for key, row in batch]
                pending[executor.submit(self._write_batch, entity, converted)] = index
                while len(pending) >= 2 * self._options.parallelism:
                    for future in wait(pending, return_when=FIRST_COMPLETED).done:
                        settle(future)
            while pending:
                for future in wait(pending, return_when=FIRST_COMPLETED).done:
                    settle(future)
        except (KeyboardInterrupt, Exception) as exc:
            # Ctrl-C or a failed batch: let the running batches finish, record the ones that
            # succeeded, and leave the checkpoint so --resume goes on from there.
            executor.shutdown(wait=True, cancel_futures=True)
            for future in [f for f in pending if f.done() and not f.cancelled()]:
                if future.exception() is None:
                    settle(future)
            self._save(entity, position, done, late)
            if isinstance(exc, KeyboardInterrupt):
                raise Interrupted(str(self._checkpoint.path)) from None
            raise BatchFailed(str(self._checkpoint.path), exc) from exc
        executor.shutdown(wait=True)

    def _convert(self, entity: EntityName, key: str, row: sqlite3.Row) -> Converted | None:
        if (entity, key) in self._rejected_keys:
            return None
        try:
            return self._converter.convert(entity, row)
        except Rejected:
            return None

    def _write_batch(
        self, entity: EntityName, rows: list[tuple[str, Converted | None]]
    ) -> tuple[int, list[dict[str, Any]]]:
        items: list[Item] = []
        written = 0
        rejections: list[dict[str, Any]] = []
        for key, converted in rows:
            if converted is None:
                continue
            items.extend(converted.items)
            if converted.user is not None:
                try:
                    self._bulk.create_user(*converted.user)
                    written += 2
                except Conflict as exc:
                    rejections.append(_rejection(entity, key, exc.message, None))
        if items:
            self._bulk.put_items(items)
        return written + len(items), rejections

    def _save(self, entity: str, position: str | None, done: list[str], late: list[Any]) -> None:
        self._checkpoint.save(
            {
                **self._identity,
                "stage": entity,
                "position": position,
                "done": done,
                "lateRejections": late,
            }
        )

    # Validation -------------------------------------------------------------------------------
    def _validate(self, report: ImportReport) -> None:
        """Every accepted row's items are read back (1 BatchGetItem per 100 keys); a random
        sample is compared attribute by attribute."""
        chooser = random.Random(7)  # noqa: S311 - a sample, not a secret
        for entity in self._entities:
            expected: dict[keys.ItemKey, Item] = {}
            for key, row in self._rows(entity, None):
                converted = self._convert(entity, key, row)
                if converted is None:
                    continue
                for item in converted.items + list(converted.user or ()):
                    expected[keys.ItemKey.of(item)] = item
            found = {keys.ItemKey.of(i): i for i in self._bulk.get_items(list(expected))}
            sample = chooser.sample(
                sorted(found, key=str), min(self._options.sample_size, len(found))
            )
            report.validation[entity] = {
                "expected": len(expected),
                "found": len(found),
                "missing": len(expected) - len(found),
                "sampled": len(sample),
                "different": sum(1 for k in sample if found[k] != expected[k]),
            }

    # Rows -------------------------------------------------------------------------------------
    def _count(self, entity: EntityName) -> int:
        table = self._mapping.entities[entity].table
        return int(self._db.execute(f"SELECT COUNT(*) FROM {quote(table)}").fetchone()[0])  # noqa: S608

    def _rows(self, entity: EntityName, after: str | None) -> Iterator[tuple[str, sqlite3.Row]]:
        spec = self._mapping.entities[entity]
        sql = f"SELECT * FROM {quote(spec.table)}"  # noqa: S608
        key = quote(spec.key)
        cursor = (
            self._db.execute(f"{sql} WHERE {key} > ? ORDER BY {key}", (_native(after),))
            if after is not None
            else self._db.execute(f"{sql} ORDER BY {key}")
        )
        for row in cursor:
            yield str(row[spec.key]), row

    def _batches(
        self, entity: EntityName, after: str | None
    ) -> Iterator[list[tuple[str, sqlite3.Row]]]:
        batch: list[tuple[str, sqlite3.Row]] = []
        for pair in self._rows(entity, after):
            batch.append(pair)
            if len(batch) >= self._options.batch_size:
                yield batch
                batch = []
        if batch:
            yield batch

    # Output -----------------------------------------------------------------------------------
    def _write_rejections(self, rejected: list[dict[str, Any]]) -> None:
        if not self._options.continue_on_error and not rejected:
            return
        with self._options.rejected_path.open("w", encoding="utf-8") as out:
            _dump(out, rejected)

    def _append_rejections(self, rejected: list[dict[str, Any]]) -> None:
        if rejected:
            with self._options.rejected_path.open("a", encoding="utf-8") as out:
                _dump(out, rejected)

    def _task(self, description: str, total: int) -> Any:
        return self._progress.add_task(description, total=total) if self._progress else None

    def _advance(self, task: Any, amount: int = 1) -> None:
        if self._progress is not None and task is not None:
            self._progress.advance(task, amount)


def _rejection(entity: str, key: str, reason: str, row: sqlite3.Row | None) -> dict[str, Any]:
    return {
        "entity": entity,
        "key": key,
        "reason": reason,
        "row": {k: row[k] for k in row.keys()} if row is not None else None,  # noqa: SIM118
    }


def _dump(out: TextIO, rejected: list[dict[str, Any]]) -> None:
    for rejection in rejected:
        out.write(json.dumps(rejection, default=str, ensure_ascii=False) + "\n")


def _native(key: str) -> Any:
    """Legacy keys compare as numbers when they are numbers."""
    return int(key) if key.lstrip("-").isdigit() else key
