"""`strata export jsonl` / `import jsonl` round trips; `strata migrate` up, down, status."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ops.cli import app
from ops.migrate import MigrationContext, Runner, discover
from ops.target import Target
from strata.store import keys
from strata.store.bulk import BulkRepository
from strata.store.migrations import MigrationLock
from tests.integration.ops.seed import seed

runner = CliRunner()


def invoke(target: Target, *args: str) -> Any:
    return runner.invoke(app, list(args), obj=target)


def snapshot(target: Target) -> dict[tuple[str, str], dict[str, Any]]:
    return {(str(i["PK"]), str(i["SK"])): i for i in target.bulk.scan()}


def wipe(target: Target) -> None:
    target.bulk.delete_keys([keys.ItemKey(pk, sk) for pk, sk in snapshot(target)])


def test_export_then_import_round_trips_equal_items(target: Target, tmp_path: Path) -> None:
    # Given a table with users, chats, documents and a group
    seed(target)
    before = snapshot(target)
    out = tmp_path / "export.jsonl"
    # When it is exported, wiped and imported again
    exported = invoke(target, "export", "jsonl", "--output", str(out), "--segments", "2")
    assert exported.exit_code == 0, exported.output
    wipe(target)
    assert snapshot(target) == {}
    imported = invoke(target, "import", "jsonl", str(out))
    # Then every item is back, equal to what it was
    assert imported.exit_code == 0, imported.output
    assert snapshot(target) == before
    header = json.loads(out.read_text().splitlines()[0])
    assert header["$strata"] == "export"


def test_user_export_holds_that_users_data_only_and_imports_back(
    target: Target, tmp_path: Path
) -> None:
    seeded = seed(target)
    sub = seeded.users[1]
    out = tmp_path / "user.jsonl"
    result = invoke(target, "export", "jsonl", "--user", sub, "--output", str(out))
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()[1:]]
    assert lines
    assert all(sub in json.dumps(line) for line in lines)
    entities = {line["entity"] for line in lines}
    assert {"USER", "CHAT_SESSION", "CHAT_MESSAGE", "DOCUMENT", "GROUP_MEMBER"} <= entities
    document = next(line for line in lines if line["entity"] == "DOCUMENT")
    assert document["s3Key"] == f"documents/{sub}/doc-1/original"  # the object, by reference
    before = snapshot(target)
    mine = {k: v for k, v in before.items() if sub in json.dumps(v)}
    target.bulk.delete_keys([keys.ItemKey(*k) for k in mine])
    assert invoke(target, "import", "jsonl", str(out)).exit_code == 0
    assert snapshot(target) == before


def test_migrate_up_then_down_returns_the_table_to_its_start(target: Target) -> None:
    # Given a table written before writers were recorded
    seed(target)
    start = snapshot(target)
    # When the migrations are applied
    up = invoke(target, "migrate", "up")
    assert up.exit_code == 0, up.output
    applied = snapshot(target)
    profile = applied[("USER#user-1", "PROFILE")]
    assert profile["updatedBy"] == "user-1"
    assert profile["version"] == start[("USER#user-1", "PROFILE")]["version"]
    assert ("SYSTEM", "MIGRATION#0001") in applied
    status = invoke(target, "migrate", "status")
    assert "0001" in status.output
    assert "pending" not in status.output
    # And rolled back
    down = invoke(target, "migrate", "down")
    assert down.exit_code == 0, down.output
    # Then the table is exactly what it was
    assert snapshot(target) == start


def test_migrate_dry_run_changes_nothing(target: Target) -> None:
    seed(target)
    start = snapshot(target)
    result = invoke(target, "migrate", "up", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "dry run" in result.output
    assert snapshot(target) == start


def test_a_held_lock_stops_a_second_run(target: Target) -> None:
    seed(target)
    lock = MigrationLock(target.table, target.table.clock)
    lock.acquire("another-run")
    result = invoke(target, "migrate", "up")
    assert result.exit_code == 1
    assert "another-run" in result.output
    assert not any(k[1].startswith("MIGRATION#") for k in snapshot(target))
    lock.release("another-run")
    runner_ = Runner(target.bulk, target.repositories.migrations, lock)
    done = runner_.up(discover(), to=None, dry_run=False, tick=lambda: None)
    assert [version for version, _ in done] == ["0001"]
    assert lock.holder() is None


def test_the_shipped_migration_leaves_recorded_writers_alone(target: Target) -> None:
    seed(target)
    target.bulk.patch(
        keys.user_profile("user-2"),
        set_values={"updatedBy": "admin-9"},
    )
    migration = discover()[0]
    migration.up(MigrationContext(target.bulk))
    migration.down(MigrationContext(target.bulk))
    assert snapshot(target)[("USER#user-2", "PROFILE")]["updatedBy"] == "admin-9"


def test_an_interrupted_jsonl_import_resumes_from_its_checkpoint(
    target: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an export and an empty table
    seed(target)
    before = snapshot(target)
    out = tmp_path / "export.jsonl"
    assert invoke(target, "export", "jsonl", "--output", str(out)).exit_code == 0
    wipe(target)
    original = BulkRepository.put_items
    calls: list[int] = []

    def interrupting(self: BulkRepository, items: Any) -> None:
        calls.append(len(items))
        if len(calls) == 2:
            raise KeyboardInterrupt
        original(self, items)

    # When the import is interrupted (Ctrl-C) during its second batch
    monkeypatch.setattr(BulkRepository, "put_items", interrupting)
    stopped = invoke(target, "import", "jsonl", str(out), "--batch-size", "10")
    assert stopped.exit_code == 130, stopped.output
    assert json.loads(out.with_suffix(".jsonl.checkpoint.json").read_text())["written"] == 10
    monkeypatch.setattr(BulkRepository, "put_items", original)
    # Then --resume writes the rest, and the table is what it was
    resumed = invoke(target, "import", "jsonl", str(out), "--batch-size", "10", "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert snapshot(target) == before
