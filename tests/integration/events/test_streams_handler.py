"""The streams function on records read from moto's stream: audit, counters, replays, poison."""

from __future__ import annotations

from datetime import date

from strata.models import (
    ApplicationCreate,
    ChatSessionCreate,
    DocumentCreate,
    DocumentStatus,
    DocumentUpdate,
    GroupCreate,
    MemoryCreate,
    MemoryType,
    MessageCreate,
    ProcessingResult,
    ProcessingStatus,
    TokenUsage,
)
from strata.store.actor import acting_as
from strata.store.counters import CounterDelta
from tests.integration.events.conftest import Platform

ALICE = "user-alice"
ADMIN = "user-admin"


def rest_app(name: str) -> ApplicationCreate:
    return ApplicationCreate.model_validate(
        {"name": name, "type": "REST", "config": {"endpoint": "https://tools.example.com"}}
    )


def some_activity(platform: Platform) -> tuple[str, str, str]:
    """A group, an application, a document, a memory and a chat with a message naming the app."""
    repos = platform.repos
    with acting_as(ADMIN):
        group = repos.groups.create(GroupCreate(name="Readers"), owner_id=ADMIN)
        app = repos.applications.create(rest_app("Tools"), created_by=ADMIN)
    with acting_as(ALICE):
        document = repos.documents.create(
            ALICE,
            DocumentCreate(file_name="a.md", file_type="text/markdown", file_size=10),
            document_id="doc-1",
            s3_bucket=platform.settings.bucket_name,
            s3_key="documents/user-alice/doc-1/original",
        )
        repos.memories.create(ALICE, MemoryCreate(type=MemoryType.FACT, content="likes herons"))
        session = repos.chat.create_session(ALICE, ChatSessionCreate())
        repos.chat.append_message(
            ALICE,
            session.session_id,
            MessageCreate(
                content="summarise my tools",
                metadata={"appId": app.app_id},
                token_usage=TokenUsage(input_tokens=12, output_tokens=30),
            ),
        )
    return group.group_id, app.app_id, document.document_id


def observed(platform: Platform, group_id: str, app_id: str) -> tuple[object, ...]:
    repos = platform.repos
    audit = repos.audit.for_entity("GROUP", group_id).items
    day = platform.repos.audit.for_day(date.today(), limit=100).items
    usage = repos.applications.usage(app_id, date(2000, 1, 1), date(2100, 1, 1))
    mine = repos.counters.user_usage(ALICE, date(2000, 1, 1), date(2100, 1, 1))
    return (
        repos.counters.stats(),
        [(a.action, a.actor_id) for a in audit],
        len(day),
        [(u.message_count, u.input_tokens, u.output_tokens) for u in usage],
        [(u.message_count, u.input_tokens, u.output_tokens) for u in mine],
        platform.index.memory_count(ALICE),
    )


def test_a_batch_counts_audits_and_indexes_and_its_replay_changes_nothing(
    platform: Platform,
) -> None:
    # Given some activity on the table, read back from its stream
    group_id, app_id, _ = some_activity(platform)
    records = platform.tap.take()
    # When the batch reaches the function, and then again (Lambda retries whole batches)
    assert platform.deliver(records) == {"batchItemFailures": []}
    first = observed(platform, group_id, app_id)
    assert platform.deliver(records) == {"batchItemFailures": []}
    # Then the counters, the audit trail, usage and vectors are those of one delivery
    assert observed(platform, group_id, app_id) == first
    stats, group_audit, audit_entries, app_usage, user_usage, memories = first
    assert stats == {
        "groups": 1,
        "applications": 1,
        "documents#uploading": 1,
        "memories": 1,
        "sessions": 1,
        "messages": 1,
    }
    assert group_audit == [("group.created", ADMIN)]
    # group, owner's membership, app, document, memory, session (a message is not audited)
    assert audit_entries == 6
    assert app_usage == [(1, 12, 30)] == user_usage
    assert memories == 1


def test_the_audit_names_actor_and_changed_attributes_but_copies_no_content(
    platform: Platform,
) -> None:
    # Given a document created, retitled and retagged by its owner, then deleted
    repos = platform.repos
    with acting_as(ALICE):
        created = repos.documents.create(
            ALICE,
            DocumentCreate(file_name="n.md", file_type="text/markdown", file_size=5, tags=["a"]),
            document_id="doc-audit",
            s3_bucket=platform.settings.bucket_name,
            s3_key="documents/user-alice/doc-audit/original",
        )
        repos.documents.update(
            ALICE,
            "doc-audit",
            DocumentUpdate(title="Secret plans", tags=["b"]),
            expected_version=created.version,
        )
    # And an automatic status change (no actor), then the owner's delete
    repos.documents.transition(ALICE, "doc-audit", DocumentStatus.PROCESSING)
    with acting_as(ALICE):
        repos.documents.delete(ALICE, "doc-audit")
    # When the stream reaches the function
    platform.pump()
    # Then each write has one entry, newest first, with its actor
    entries = repos.audit.for_entity("DOCUMENT", "doc-audit").items
    assert [(e.action, e.actor_id) for e in entries] == [
        ("document.deleted", None),
        ("document.updated", None),
        ("document.updated", ALICE),
        ("document.created", ALICE),
    ]
    deleted, processing, edited, _ = entries
    # And a change names the attributes that changed; content values are never copied
    assert edited.details["changed"] == ["metadata.tags", "metadata.title"]
    assert "values" not in edited.details
    assert "Secret plans" not in str([e.details for e in entries])
    # While a status change, neither personal nor content, is copied
    assert processing.details["values"] == {"status": {"old": "uploading", "new": "processing"}}
    assert deleted.details["userId"] == ALICE
    # And the entries expire by TTL after the retention period
    assert deleted.expires_at is not None
    assert (deleted.expires_at - deleted.timestamp).days == platform.settings.audit_retention_days


def test_a_poison_record_fails_alone_and_is_reported(platform: Platform) -> None:
    # Given a batch with a memory item no reaction can read between two good records
    repos = platform.repos
    with acting_as(ADMIN):
        repos.groups.create(GroupCreate(name="Before", group_id="before"), owner_id=ADMIN)
    ddb = repos.table.client
    ddb.put_item(
        TableName=repos.table.name,
        Item={
            "PK": {"S": "USER#user-alice"},
            "SK": {"S": "MEMORY#broken"},
            "entity": {"S": "MEMORY"},
            "userId": {"S": ALICE},
            "memoryId": {"S": "broken"},
        },
    )
    with acting_as(ADMIN):
        repos.groups.create(GroupCreate(name="After", group_id="after"), owner_id=ADMIN)
    records = platform.tap.take()
    poison = next(r for r in records if r["dynamodb"]["Keys"]["SK"]["S"] == "MEMORY#broken")
    # When the batch reaches the function
    response = platform.deliver(records)
    # Then only the poison record is reported, by its sequence number
    assert response == {
        "batchItemFailures": [{"itemIdentifier": poison["dynamodb"]["SequenceNumber"]}]
    }
    # And the records around it were handled
    assert repos.counters.stats()["groups"] == 2
    assert [a.action for a in repos.audit.for_entity("GROUP", "after").items] == ["group.created"]


def test_counts_follow_status_changes_and_removals(platform: Platform) -> None:
    # Given a document that goes through processing to ready, and a user who signs in twice
    repos = platform.repos
    repos.documents.create(
        ALICE,
        DocumentCreate(file_name="s.md", file_type="text/markdown", file_size=3),
        document_id="doc-s",
        s3_bucket=platform.settings.bucket_name,
        s3_key="documents/user-alice/doc-s/original",
    )
    repos.documents.transition(ALICE, "doc-s", DocumentStatus.PROCESSING)
    platform.pump()
    repos.documents.complete(
        ALICE, "doc-s", ProcessingResult(processing_status=ProcessingStatus(indexed=True))
    )
    platform.pump()
    stats = repos.counters.stats()
    assert (stats["documents#uploading"], stats["documents#processing"]) == (0, 0)
    assert stats["documents#ready"] == 1
    # When it is deleted
    repos.documents.delete(ALICE, "doc-s")
    platform.pump()
    # Then no status counts it any more
    assert repos.counters.stats()["documents#ready"] == 0


def test_a_counted_record_is_applied_once_even_when_applied_directly_twice(
    platform: Platform,
) -> None:
    # Given a counter delta keyed by a record id
    counters = platform.repos.counters
    delta = CounterDelta(stats={"users": 1})
    # When it is applied twice
    applied = [counters.apply("01JDREPLAYEDRECORD0000000000", delta) for _ in range(2)]
    # Then it counted once
    assert applied == [True, False]
    assert counters.stats() == {"users": 1}
