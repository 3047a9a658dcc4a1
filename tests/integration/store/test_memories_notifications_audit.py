"""Memories by type, notifications with TTL and a sparse unread index, audit entries."""

from __future__ import annotations

from datetime import timedelta

import pytest

from strata.clock import ManualClock
from strata.errors import Conflict, NotFound
from strata.models import (
    AuditRecord,
    MemoryCreate,
    MemoryType,
    MemoryUpdate,
    NotificationCreate,
    NotificationType,
)
from strata.store.factory import Repositories


def test_memories_crud_and_by_type(repos: Repositories, clock: ManualClock) -> None:
    # Given memories of two types
    created = []
    for n, memory_type in enumerate(
        [MemoryType.CONVERSATION, MemoryType.KNOWLEDGE, MemoryType.CONVERSATION]
    ):
        created.append(
            repos.memories.create(
                "u1",
                MemoryCreate(
                    type=memory_type, content={"summary": f"fact {n}"}, relevance_score=0.5 + n / 10
                ),
            )
        )
        clock.advance(timedelta(minutes=1))

    # Then they list all together or by type, newest first
    assert [m.memory_id for m in repos.memories.list_memories("u1").items] == [
        m.memory_id for m in created
    ]
    conversations = repos.memories.list_by_type("u1", MemoryType.CONVERSATION)
    assert [m.content for m in conversations.items] == [
        {"summary": "fact 2"},
        {"summary": "fact 0"},
    ]

    # And they update with a version and delete
    updated = repos.memories.update(
        "u1",
        created[1].memory_id,
        MemoryUpdate(content="plain text", relevance_score=0.95),
        expected_version=1,
    )
    assert (updated.content, updated.relevance_score) == ("plain text", 0.95)
    with pytest.raises(Conflict):
        repos.memories.update(
            "u1", created[1].memory_id, MemoryUpdate(relevance_score=0.1), expected_version=1
        )
    assert repos.memories.delete("u1", created[1].memory_id).content == "plain text"
    with pytest.raises(NotFound):
        repos.memories.get("u1", created[1].memory_id)
    assert repos.memories.list_by_type("u1", MemoryType.KNOWLEDGE).items == []


def test_notifications_unread_index_and_ttl(repos: Repositories, clock: ManualClock) -> None:
    # Given a persistent notification and two that expire
    keep = repos.notifications.create(
        "u1",
        NotificationCreate(
            type=NotificationType.SUCCESS,
            title="Ready",
            message="Your document is ready",
            data={"action": "show-file-preview", "fileId": "d1"},
            is_persistent=True,
        ),
    )
    clock.advance(timedelta(seconds=1))
    brief = repos.notifications.create("u1", NotificationCreate(title="Hi", message="Welcome"))
    clock.advance(timedelta(seconds=1))
    newest = repos.notifications.create("u1", NotificationCreate(title="New", message="Feature"))
    assert keep.expires_at is None
    assert brief.expires_at == keep.created_at + timedelta(days=30, seconds=1)

    # Then they list newest first, all unread
    assert [n.title for n in repos.notifications.list_notifications("u1").items] == [
        "New",
        "Hi",
        "Ready",
    ]
    assert repos.notifications.unread_count("u1") == 3

    # When one is read (twice), it leaves the unread index only
    read = repos.notifications.mark_read("u1", brief.notification_id)
    repos.notifications.mark_read("u1", brief.notification_id)
    assert (read.read, read.read_at) == (True, clock.now())
    assert [n.title for n in repos.notifications.unread("u1").items] == ["New", "Ready"]
    assert repos.notifications.unread_count("u1") == 2

    # And after 30 days the expiring ones vanish from every read, before the TTL sweep
    clock.advance(timedelta(days=31))
    assert [n.title for n in repos.notifications.list_notifications("u1").items] == ["Ready"]
    assert repos.notifications.unread_count("u1") == 1
    with pytest.raises(NotFound):
        repos.notifications.get("u1", newest.notification_id)
    assert repos.notifications.get("u1", keep.notification_id).data["fileId"] == "d1"


def test_mark_all_read_and_delete(repos: Repositories) -> None:
    for n in range(4):
        repos.notifications.create("u1", NotificationCreate(title=f"n{n}", message="m"))
    assert repos.notifications.mark_all_read("u1") == 4
    assert repos.notifications.unread_count("u1") == 0
    first = repos.notifications.list_notifications("u1").items[0]
    repos.notifications.delete("u1", first.notification_id)
    with pytest.raises(NotFound):
        repos.notifications.delete("u1", first.notification_id)
    with pytest.raises(NotFound):
        repos.notifications.mark_read("u1", first.notification_id)


def test_audit_by_entity_and_by_day(repos: Repositories, clock: ManualClock) -> None:
    # Given ten entries over two documents, and one the next day
    for n in range(10):
        repos.audit.append(
            AuditRecord(
                actor_id="u1",
                action="document.update",
                entity_type="DOCUMENT",
                entity_id=f"d{n % 2}",
                details={"n": n},
            )
        )
        clock.advance(timedelta(seconds=1))
    day = clock.now().date()
    clock.advance(timedelta(days=1))
    later = repos.audit.append(
        AuditRecord(action="document.delete", entity_type="DOCUMENT", entity_id="d0")
    )
    assert later.expires_at == later.timestamp + timedelta(days=365)

    # Then one entity's history is newest first, and a day reads in time order across shards
    history = repos.audit.for_entity("DOCUMENT", "d0")
    assert [e.details.get("n") for e in history.items] == [None, 8, 6, 4, 2, 0]
    seen: list[int] = []
    token = None
    while True:
        page = repos.audit.for_day(day, limit=4, next_token=token)
        seen += [e.details["n"] for e in page.items]
        if (token := page.next_token) is None:
            break
    assert seen == list(range(10))
