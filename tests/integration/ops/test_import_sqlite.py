"""`strata import sqlite`: analyze, map, reject bad rows, interrupt, resume, validate."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ops.cli import app
from ops.target import Target
from strata.errors import Unavailable
from strata.store.bulk import BulkRepository

runner = CliRunner()

ACCEPTED_ITEMS = 172  # 10 users x 2, 3 groups x 2, 21 members, 20 sessions, 100 messages, 5 docs


def invoke(target: Target, *args: str) -> Any:
    return runner.invoke(app, list(args), obj=target)


def analyzed_mapping(target: Target, legacy_db: Path, tmp_path: Path) -> Path:
    mapping = tmp_path / "mapping.json"
    result = invoke(
        target, "import", "sqlite", str(legacy_db), "--analyze", "--mapping", str(mapping)
    )
    assert result.exit_code == 0, result.output
    data = json.loads(mapping.read_text())
    data["entities"]["documents"]["values"] = {"status": {"processed": "ready"}}
    mapping.write_text(json.dumps(data))
    return mapping


def entities(target: Target) -> Counter[str]:
    return Counter(str(item.get("entity")) for item in target.bulk.scan())


def test_analyze_reports_tables_faults_and_a_usable_mapping(
    target: Target, legacy_db: Path, tmp_path: Path
) -> None:
    # Given a legacy database with a duplicate e-mail and dangling references
    mapping = tmp_path / "suggested.json"
    # When it is analyzed
    result = invoke(
        target, "import", "sqlite", str(legacy_db), "--analyze", "--mapping", str(mapping)
    )
    # Then tables, counts, foreign keys and faults are reported, and the mapping is suggested
    assert result.exit_code == 0, result.output
    for expected in ("circle_members", "conversations", "duplicate email", "names no users.id"):
        assert expected in result.output
    suggested = json.loads(mapping.read_text())["entities"]
    assert suggested["groups"]["table"] == "circles"
    assert suggested["messages"]["columns"]["sessionId"] == "conversation_id"
    assert suggested["documents"]["columns"]["fileType"] == "mime_type"


def test_bad_rows_stop_the_import_before_anything_is_written(
    target: Target, legacy_db: Path, tmp_path: Path
) -> None:
    mapping = analyzed_mapping(target, legacy_db, tmp_path)
    rejected = tmp_path / "rejected.jsonl"
    result = invoke(
        target,
        "import",
        "sqlite",
        str(legacy_db),
        "--mapping",
        str(mapping),
        "--rejected",
        str(rejected),
    )
    assert result.exit_code == 1
    assert "nothing written" in result.output
    assert entities(target) == Counter()
    assert len(rejected.read_text().splitlines()) == 6


def test_dry_run_checks_every_row_and_writes_nothing(
    target: Target, legacy_db: Path, tmp_path: Path
) -> None:
    mapping = analyzed_mapping(target, legacy_db, tmp_path)
    rejected = tmp_path / "rejected.jsonl"
    result = invoke(
        target,
        "import",
        "sqlite",
        str(legacy_db),
        "--mapping",
        str(mapping),
        "--dry-run",
        "--continue-on-error",
        "--rejected",
        str(rejected),
    )
    assert result.exit_code == 0, result.output
    assert entities(target) == Counter()
    reasons = {
        (r["entity"], r["key"]): r["reason"]
        for r in map(json.loads, rejected.read_text().splitlines())
    }
    assert "duplicate email" in reasons[("users", "12")]
    assert "email" in reasons[("users", "11")]
    assert "no imported user legacy-999" in reasons[("memberships", "25")]
    assert "no imported session" in reasons[("messages", "101")]
    assert ("messages", "102") in reasons
    assert ("documents", "6") in reasons


def test_interrupted_import_resumes_without_duplicates_and_validates(
    target: Target, legacy_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an import whose third batch write is interrupted (Ctrl-C)
    mapping = analyzed_mapping(target, legacy_db, tmp_path)
    rejected = tmp_path / "rejected.jsonl"
    checkpoint = tmp_path / "import.checkpoint.json"
    args = [
        "import",
        "sqlite",
        str(legacy_db),
        "--mapping",
        str(mapping),
        "--batch-size",
        "10",
        "--parallelism",
        "2",
        "--continue-on-error",
        "--rejected",
        str(rejected),
        "--checkpoint",
        str(checkpoint),
    ]
    original = BulkRepository.put_items
    calls = Counter[str]()

    def interrupting(self: BulkRepository, items: Any) -> None:
        calls["put"] += 1
        if calls["put"] == 3:
            raise KeyboardInterrupt
        original(self, items)

    monkeypatch.setattr(BulkRepository, "put_items", interrupting)
    first = invoke(target, *args)
    assert first.exit_code == 130, first.output
    assert "--resume" in first.output
    state = json.loads(checkpoint.read_text())
    assert state["stage"] == "memberships"
    partial = sum(entities(target).values())
    assert 0 < partial < ACCEPTED_ITEMS
    monkeypatch.setattr(BulkRepository, "put_items", original)

    # When it is resumed (and validated)
    second = invoke(target, *args, "--resume", "--validate")

    # Then everything accepted is there once, the rejected rows are reported, the API reads it
    assert second.exit_code == 0, second.output
    assert "memberships@" in second.output
    assert not checkpoint.exists()
    counted = entities(target)
    assert sum(counted.values()) == ACCEPTED_ITEMS
    assert counted["USER"] == 10
    assert counted["UNIQUE_EMAIL"] == 10
    assert counted["GROUP_MEMBER"] == 24
    assert counted["CHAT_MESSAGE"] == 100
    assert len(rejected.read_text().splitlines()) == 6
    repos = target.repositories
    assert repos.users.get_by_email("person3@example.com").user_id == "legacy-3"
    group = repos.groups.get("legacy-1")
    assert group.stats.member_count == 8
    assert len(repos.groups.members("legacy-1").items) == 8
    sessions = repos.chat.list_sessions("legacy-2").items
    assert len(sessions) == 2
    assert sessions[0].message_count == 5
    history = repos.chat.messages("legacy-2", sessions[0].session_id).items
    assert [m.content for m in history] == sorted(m.content for m in history)
    assert repos.documents.get("legacy-3", "legacy-3").status.value == "ready"

    # And a rerun of the whole import leaves the same items (writes are idempotent)
    third = invoke(target, *args)
    assert third.exit_code == 0, third.output
    assert sum(entities(target).values()) == ACCEPTED_ITEMS


def test_a_failed_batch_leaves_a_checkpoint_to_resume_from(
    target: Target, legacy_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a mapping of users, groups and memberships, and a store that fails once
    mapping = analyzed_mapping(target, legacy_db, tmp_path)
    data = json.loads(mapping.read_text())
    data["entities"] = {k: data["entities"][k] for k in ("users", "groups", "memberships")}
    mapping.write_text(json.dumps(data))
    checkpoint = tmp_path / "checkpoint.json"
    args = [
        "import",
        "sqlite",
        str(legacy_db),
        "--mapping",
        str(mapping),
        "--batch-size",
        "5",
        "--parallelism",
        "1",
        "--continue-on-error",
        "--checkpoint",
        str(checkpoint),
        "--rejected",
        str(tmp_path / "rejected.jsonl"),
    ]
    original = BulkRepository.put_items
    calls = Counter[str]()

    def failing(self: BulkRepository, items: Any) -> None:
        calls["put"] += 1
        if calls["put"] == 2:
            raise Unavailable("the data store failed (500)")
        original(self, items)

    monkeypatch.setattr(BulkRepository, "put_items", failing)
    # When the import meets the failure
    failed = invoke(target, *args)
    # Then it stops with exit 1 naming the checkpoint, and --resume finishes the job
    assert failed.exit_code == 1, failed.output
    assert "rerun with --resume" in failed.output
    assert json.loads(checkpoint.read_text())["stage"] == "memberships"
    resumed = invoke(target, *args, "--resume", "--validate")
    assert resumed.exit_code == 0, resumed.output
    assert entities(target)["GROUP_MEMBER"] == 24
