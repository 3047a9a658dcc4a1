"""A user's export and erasure (every item of theirs, nobody else's); the migration ledger."""

from __future__ import annotations

from typing import Any

import pytest

from strata.errors import Conflict, Throttled
from strata.models import (
    ChatSessionCreate,
    DocumentCreate,
    GroupCreate,
    MemoryCreate,
    MemoryType,
    MessageCreate,
    NotificationCreate,
    VoiceSessionCreate,
)
from strata.store import keys
from strata.store.factory import Repositories
from tests.integration.store.conftest import claims


def give_user_a_footprint(repos: Repositories, user_id: str, email: str) -> None:
    repos.users.upsert_from_claims(claims(user_id, email))
    session = repos.chat.create_session(user_id, ChatSessionCreate(title="chat"))
    for n in range(3):
        repos.chat.append_message(user_id, session.session_id, MessageCreate(content=f"m{n}"))
    repos.chat.create_voice_session(user_id, session.session_id, VoiceSessionCreate())
    repos.documents.create(
        user_id,
        DocumentCreate(file_name="a.pdf", file_type="application/pdf", file_size=10),
        document_id=f"{user_id}-doc",
        s3_bucket="bucket",
        s3_key=f"documents/{user_id}/{user_id}-doc/original",
    )
    repos.memories.create(user_id, MemoryCreate(type=MemoryType.FACT, content="likes tea"))
    repos.notifications.create(user_id, NotificationCreate(title="t", message="m"))
    repos.connections.open(user_id, f"{user_id}-conn")


def test_export_returns_every_item_of_the_user(repos: Repositories) -> None:
    # Given two users with data, one of them in a group owned by the other
    give_user_a_footprint(repos, "alice", "alice@x.io")
    give_user_a_footprint(repos, "bob", "bob@x.io")
    repos.groups.create(GroupCreate(name="G", group_id="G1"), owner_id="bob")
    repos.groups.add_member("G1", "alice")

    # When Alice's data is exported
    export = repos.user_data.export("alice")

    # Then it holds all of hers, grouped by type, without keys, and none of Bob's
    counts = {kind: len(items) for kind, items in export.items.items()}
    assert counts == {
        "USER": 1,
        "CHAT_SESSION": 1,
        "CHAT_MESSAGE": 3,
        "VOICE_SESSION": 1,
        "DOCUMENT": 1,
        "MEMORY": 1,
        "NOTIFICATION": 1,
        "GROUP_MEMBER": 1,
        "CONNECTION": 1,
        "UNIQUE_EMAIL": 1,
    }
    assert export.total == 12
    flat = [item for items in export.items.values() for item in items]
    assert all("PK" not in item and "GSI1PK" not in item for item in flat)
    assert all(item.get("userId", "alice") == "alice" for item in flat)


def test_erase_removes_the_user_and_only_the_user(repos: Repositories) -> None:
    give_user_a_footprint(repos, "alice", "alice@x.io")
    give_user_a_footprint(repos, "bob", "bob@x.io")
    repos.groups.create(GroupCreate(name="G", group_id="G1"), owner_id="bob")
    repos.groups.add_member("G1", "alice")
    bob_before = repos.user_data.export("bob").total

    # When Alice is erased (twice: it is safe to repeat)
    report = repos.user_data.erase("alice")
    again = repos.user_data.erase("alice")

    # Then nothing of hers remains, her membership was uncounted, her email is free
    assert (report.items_deleted, report.memberships_removed) == (12, 1)
    assert again.items_deleted == 0
    assert repos.user_data.export("alice").total == 0
    assert repos.groups.get("G1").stats.member_count == 1
    assert repos.users._table.get(keys.email_unique("alice@x.io")) is None
    assert repos.user_data.export("bob").total == bob_before


def test_an_erasure_cut_short_keeps_the_profile_so_a_rerun_finishes(
    repos: Repositories, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given Alice with more items than one BatchWriteItem deletes (her profile sorts early)
    give_user_a_footprint(repos, "alice", "alice@x.io")
    session = repos.chat.list_sessions("alice").items[0]
    for n in range(25):
        repos.chat.append_message("alice", session.session_id, MessageCreate(content=f"x{n}"))
    table = repos.user_data._table
    original = table._call
    batches = {"n": 0}

    def second_batch_fails(operation: str, **request: Any) -> dict[str, Any]:
        if operation == "BatchWriteItem":
            batches["n"] += 1
            if batches["n"] == 2:
                raise Throttled("the data store is busy; retry shortly")
        return original(operation, **request)

    monkeypatch.setattr(table, "_call", second_batch_fails)

    # When her erasure is cut short after the first batch
    with pytest.raises(Throttled):
        repos.user_data.erase("alice")

    # Then her profile is still there (so a rerun knows her), and a rerun removes everything
    assert repos.users.find("alice") is not None
    monkeypatch.setattr(table, "_call", original)
    repos.user_data.erase("alice")
    assert repos.user_data.export("alice").total == 0


def test_the_migration_ledger_records_each_version_once(repos: Repositories) -> None:
    repos.migrations.record("0002", "backfill status shards", items=12)
    repos.migrations.record("0001", "import legacy users", items=340)
    with pytest.raises(Conflict, match="already applied"):
        repos.migrations.record("0001", "again", items=0)
    assert [(m.version, m.items) for m in repos.migrations.applied()] == [
        ("0001", 340),
        ("0002", 12),
    ]
