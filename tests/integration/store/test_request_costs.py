"""Every read pattern costs exactly what docs/DATA_MODEL.md says, and nothing sends a Scan."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from strata.clock import ManualClock
from strata.models import (
    ApplicationCreate,
    ChatSessionCreate,
    CognitoClaims,
    DocumentCreate,
    DocumentStatus,
    GroupCreate,
    MemoryCreate,
    MemoryType,
    MessageCreate,
    NotificationCreate,
    UsageIncrement,
)
from strata.schema import AUDIT_SHARDS, DOC_STATUS_SHARDS, LOGIN_SHARDS, USER_LIST_SHARDS
from strata.store.factory import Repositories
from tests.integration.store.conftest import claims
from tests.support.request_counter import RequestCounter


def seed(repos: Repositories, clock: ManualClock) -> dict[str, str]:
    ids: dict[str, str] = {}
    for n in range(3):
        repos.users.upsert_from_claims(claims(f"user-{n}", f"user{n}@x.io"))
        repos.users.record_login(f"user-{n}")
    for group_id in ("GENERAL", "DEVELOPERS"):
        repos.groups.create(GroupCreate(name=group_id, group_id=group_id), owner_id="user-0")
    repos.groups.add_member("GENERAL", "user-1")
    for name in ("Chat", "Code", "Docs"):
        app = repos.applications.create(
            ApplicationCreate.model_validate(
                {"name": name, "type": "INBUILT", "config": {"feature": name.lower()}}
            ),
            created_by="user-0",
        )
        ids[name] = app.app_id
        repos.applications.grant("GENERAL", app.app_id, granted_by="user-0")
        repos.applications.grant("DEVELOPERS", app.app_id, granted_by="user-0")
    repos.applications.record_usage(ids["Chat"], date(2026, 3, 1), UsageIncrement())
    session = repos.chat.create_session("user-0", ChatSessionCreate())
    ids["session"] = session.session_id
    for n in range(3):
        repos.chat.append_message("user-0", session.session_id, MessageCreate(content=f"m{n}"))
    repos.documents.create(
        "user-0",
        DocumentCreate(file_name="a.pdf", file_type="application/pdf", file_size=1),
        document_id="doc-1",
        s3_bucket="bucket",
        s3_key="documents/user-0/doc-1/original",
    )
    repos.memories.create("user-0", MemoryCreate(type=MemoryType.FACT, content="tea"))
    ids["notification"] = repos.notifications.create(
        "user-0", NotificationCreate(title="t", message="m")
    ).notification_id
    repos.connections.open("user-0", "conn-1")
    clock.advance(timedelta(seconds=1))
    return ids


def test_each_pattern_costs_what_the_data_model_states(
    repos: Repositories, clock: ManualClock
) -> None:
    # Given a table with a little of everything
    ids = seed(repos, clock)
    session = ids["session"]
    today = clock.now().date()

    # The cost of every pattern, as docs/DATA_MODEL.md lists it
    patterns: dict[str, tuple[Callable[[], Any], dict[str, int]]] = {
        "user by id": (lambda: repos.users.get("user-0"), {"GetItem": 1}),
        "user by email": (lambda: repos.users.get_by_email("user1@x.io"), {"Query": 1}),
        "admin user list page": (repos.users.list_users, {"Query": USER_LIST_SHARDS}),
        "recent logins page": (repos.users.recent_logins, {"Query": LOGIN_SHARDS}),
        "upsert known user": (
            lambda: repos.users.upsert_from_claims(claims("user-0", "user0@x.io")),
            {"GetItem": 1, "UpdateItem": 1},
        ),
        "upsert new user": (
            lambda: repos.users.upsert_from_claims(CognitoClaims(sub="user-9", email="user9@x.io")),
            {"GetItem": 1, "TransactWriteItems": 1},
        ),
        "record login": (lambda: repos.users.record_login("user-0"), {"UpdateItem": 1}),
        "how many users": (repos.users.count, {"Query": USER_LIST_SHARDS}),
        "group": (lambda: repos.groups.get("GENERAL"), {"GetItem": 1}),
        "group list page": (repos.groups.list_groups, {"Query": 1}),
        "group members page": (lambda: repos.groups.members("GENERAL"), {"Query": 1}),
        "a user's groups page": (lambda: repos.groups.groups_of_user("user-0"), {"Query": 1}),
        "add member": (
            lambda: repos.groups.add_member("DEVELOPERS", "user-2"),
            {"GetItem": 1, "TransactWriteItems": 1},
        ),
        "remove member": (
            lambda: repos.groups.remove_member("DEVELOPERS", "user-2"),
            {"TransactWriteItems": 1},
        ),
        "application": (lambda: repos.applications.get(ids["Chat"]), {"GetItem": 1}),
        "application list page": (repos.applications.list_applications, {"Query": 1}),
        "apps visible to 2 groups": (
            lambda: repos.applications.visible_to_groups(["GENERAL", "DEVELOPERS"]),
            {"Query": 2, "BatchGetItem": 1},
        ),
        "grants of a group": (
            lambda: repos.applications.grants_of_group("GENERAL"),
            {"Query": 1},
        ),
        "usage for a date range": (
            lambda: repos.applications.usage(ids["Chat"], date(2026, 3, 1), date(2026, 3, 31)),
            {"Query": 1},
        ),
        "record usage": (
            lambda: repos.applications.record_usage(ids["Chat"], today, UsageIncrement()),
            {"UpdateItem": 1},
        ),
        "chat session": (lambda: repos.chat.get_session("user-0", session), {"GetItem": 1}),
        "sessions by recency page": (lambda: repos.chat.list_sessions("user-0"), {"Query": 1}),
        "messages page": (lambda: repos.chat.messages("user-0", session), {"Query": 1}),
        "append message": (
            lambda: repos.chat.append_message("user-0", session, MessageCreate(content="x")),
            {"TransactWriteItems": 1},
        ),
        "voice sessions of a session": (
            lambda: repos.chat.voice_sessions("user-0", session),
            {"Query": 1},
        ),
        "connection": (lambda: repos.connections.get("conn-1"), {"GetItem": 1}),
        "a user's connections": (lambda: repos.connections.for_user("user-0"), {"Query": 1}),
        "document": (lambda: repos.documents.get("user-0", "doc-1"), {"GetItem": 1}),
        "documents by date page": (
            lambda: repos.documents.list_documents("user-0", status=DocumentStatus.UPLOADING),
            {"Query": 1},
        ),
        "documents in a status (ops) page": (
            lambda: repos.documents.list_by_status(DocumentStatus.UPLOADING),
            {"Query": DOC_STATUS_SHARDS},
        ),
        "documents in a status uploaded before a time": (
            lambda: list(
                repos.documents.each_in_status(
                    DocumentStatus.UPLOADING, uploaded_before=clock.now()
                )
            ),
            {"Query": DOC_STATUS_SHARDS},
        ),
        "documents in a status, counted": (
            lambda: repos.documents.count_in_status(DocumentStatus.UPLOADING),
            {"Query": DOC_STATUS_SHARDS},
        ),
        "which documents exist": (
            lambda: repos.documents.existing([("user-0", "doc-1"), ("user-0", "doc-404")]),
            {"BatchGetItem": 1},
        ),
        "document transition": (
            lambda: repos.documents.transition("user-0", "doc-1", DocumentStatus.PROCESSING),
            {"UpdateItem": 1},
        ),
        "memories page": (lambda: repos.memories.list_memories("user-0"), {"Query": 1}),
        "memories by type page": (
            lambda: repos.memories.list_by_type("user-0", MemoryType.FACT),
            {"Query": 1},
        ),
        "notifications page": (
            lambda: repos.notifications.list_notifications("user-0"),
            {"Query": 1},
        ),
        "unread notifications page": (lambda: repos.notifications.unread("user-0"), {"Query": 1}),
        "unread count": (lambda: repos.notifications.unread_count("user-0"), {"Query": 1}),
        "mark read": (
            lambda: repos.notifications.mark_read("user-0", ids["notification"]),
            {"UpdateItem": 1},
        ),
        "audit of an entity page": (
            lambda: repos.audit.for_entity("DOCUMENT", "doc-1"),
            {"Query": 1},
        ),
        "audit of a day page": (lambda: repos.audit.for_day(today), {"Query": AUDIT_SHARDS}),
        "export (1 session)": (
            lambda: repos.user_data.export("user-0"),
            {"Query": 1 + 1 + 2, "GetItem": 1},
        ),
        "health check": (repos.table.health, {"GetItem": 1}),
    }

    # When each runs alone, Then it sends exactly the stated requests and never a Scan
    client = repos.table.client
    measured: dict[str, dict[str, int]] = {}
    with RequestCounter(client) as counts:
        for name, (run, _) in patterns.items():
            counts.reset()
            run()
            measured[name] = dict(counts.by_operation)
    mismatches = {
        name: (measured[name], expected)
        for name, (_, expected) in patterns.items()
        if measured[name] != expected
    }
    assert mismatches == {}
    assert not any("Scan" in ops for ops in measured.values())


def test_later_pages_of_sharded_lists_skip_exhausted_shards(
    repos: Repositories, clock: ManualClock
) -> None:
    # Given users in every shard
    for n in range(12):
        repos.users.upsert_from_claims(claims(f"user-{n}", f"user{n}@x.io"))
        clock.advance(timedelta(seconds=1))

    # When the whole list is read in pages of 5
    queries: list[int] = []
    token = None
    with RequestCounter(repos.table.client) as counts:
        while True:
            counts.reset()
            page = repos.users.list_users(limit=5, next_token=token)
            queries.append(counts.by_operation["Query"])
            if (token := page.next_token) is None:
                break

    # Then no page costs more than one Query per shard
    assert queries[0] == USER_LIST_SHARDS
    assert all(q <= USER_LIST_SHARDS for q in queries)
