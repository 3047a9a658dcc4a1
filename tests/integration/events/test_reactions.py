"""Derived data kept true by the streams function: names, vectors, notifications, leftovers."""

from __future__ import annotations

from strata.clock import format_timestamp
from strata.models import (
    ApplicationCreate,
    ApplicationUpdate,
    DocumentCreate,
    DocumentStatus,
    DocumentUpdate,
    GroupCreate,
    GroupUpdate,
    MemoryCreate,
    MemoryType,
    MemoryUpdate,
    ProcessingResult,
    ProcessingStatus,
)
from strata.search.local import LocalLexicalEmbedder
from strata.search.types import ChunkMetadata, ChunkVector, SearchFilters
from tests.integration.events.conftest import Platform

ALICE = "user-alice"
OWNER = "user-owner"


def test_a_renamed_group_and_application_show_the_new_name_everywhere(
    platform: Platform,
) -> None:
    # Given a group with three members, granted an application
    repos = platform.repos
    group = repos.groups.create(GroupCreate(name="Birders", group_id="birders"), owner_id=OWNER)
    for user in ("user-b", "user-c"):
        repos.groups.add_member("birders", user)
    app = repos.applications.create(
        ApplicationCreate.model_validate(
            {"name": "Atlas", "type": "REST", "config": {"endpoint": "https://atlas.example"}}
        ),
        created_by=OWNER,
    )
    repos.applications.grant("birders", app.app_id, granted_by=OWNER)
    platform.pump()
    # When both are renamed
    group = repos.groups.get("birders")
    repos.groups.update(
        "birders", GroupUpdate(name="Heron Watchers"), expected_version=group.version
    )
    repos.applications.update(
        app.app_id, ApplicationUpdate(name="Atlas 2"), expected_version=app.version
    )
    batch = platform.pump()
    # Then every membership, from the group's side and from each user's, carries the new name
    members = repos.groups.members("birders").items
    assert {m.user_id: m.group_name for m in members} == dict.fromkeys(
        (OWNER, "user-b", "user-c"), "Heron Watchers"
    )
    for user in (OWNER, "user-b", "user-c"):
        assert [m.group_name for m in repos.groups.groups_of_user(user).items] == ["Heron Watchers"]
    # And the grant carries the application's new name
    assert [g.app_name for g in repos.applications.grants_of_group("birders")] == ["Atlas 2"]
    # And replaying the batch changes nothing
    assert platform.deliver(batch) == {"batchItemFailures": []}
    assert {m.group_name for m in repos.groups.members("birders").items} == {"Heron Watchers"}


def ready_document_with_vectors(platform: Platform, tags: list[str]) -> str:
    """A ready document of Alice's whose passages are in the index (as ingestion leaves it)."""
    repos = platform.repos
    document = repos.documents.create(
        ALICE,
        DocumentCreate(file_name="birds.md", file_type="text/markdown", file_size=9, tags=tags),
        document_id="doc-birds",
        s3_bucket=platform.settings.bucket_name,
        s3_key="documents/user-alice/doc-birds/original",
    )
    repos.documents.transition(ALICE, "doc-birds", DocumentStatus.PROCESSING)
    repos.documents.complete(
        ALICE,
        "doc-birds",
        ProcessingResult(processing_status=ProcessingStatus(indexed=True), chunk_count=2),
    )
    embedder = LocalLexicalEmbedder(platform.settings.embedding_dimension)
    texts = ["herons nest in colonies", "egrets wade in shallow water"]
    platform.index.replace_document_chunks(
        ALICE,
        "doc-birds",
        [
            ChunkVector(
                chunkId=f"doc-birds:{n}",
                documentId="doc-birds",
                userId=ALICE,
                chunkIndex=n,
                content=text,
                embedding=embedding,
                metadata=ChunkMetadata(
                    fileName="birds.md",
                    fileType="text/markdown",
                    wordCount=4,
                    charCount=len(text),
                    startPosition=0,
                    endPosition=len(text),
                    tags=tuple(tags),
                ),
                uploadDate=format_timestamp(document.upload_date),
                createdAt=format_timestamp(document.created_at),
            )
            for n, (text, embedding) in enumerate(zip(texts, embedder.embed(texts), strict=True))
        ],
    )
    return document.document_id


def tagged(platform: Platform, tag: str) -> list[str]:
    (query,) = LocalLexicalEmbedder(platform.settings.embedding_dimension).embed(["herons"])
    hits = platform.index.search_chunks(ALICE, query, 10, SearchFilters(tags=(tag,)))
    return sorted(hit.chunkId for hit in hits)


def test_a_tag_edit_changes_what_a_tag_filter_finds(platform: Platform) -> None:
    # Given a ready, indexed document tagged "field"
    repos = platform.repos
    ready_document_with_vectors(platform, ["field"])
    platform.pump()
    assert tagged(platform, "field") == ["doc-birds:0", "doc-birds:1"]
    # When its owner retags and retitles it
    current = repos.documents.get(ALICE, "doc-birds")
    repos.documents.update(
        ALICE,
        "doc-birds",
        DocumentUpdate(tags=["wetland"], title="Wading birds"),
        expected_version=current.version,
    )
    platform.pump()
    # Then search under the new tag finds its passages and the old tag finds none
    assert tagged(platform, "wetland") == ["doc-birds:0", "doc-birds:1"]
    assert tagged(platform, "field") == []
    (query,) = LocalLexicalEmbedder(platform.settings.embedding_dimension).embed(["herons"])
    hit = platform.index.search_chunks(ALICE, query, 1)[0]
    assert (hit.metadata.title, hit.metadata.tags) == ("Wading birds", ("wetland",))


def test_a_killed_ingest_still_notifies_the_owner_exactly_once(platform: Platform) -> None:
    # Given ingestion that wrote "ready" and died before anything else
    ready_document_with_vectors(platform, [])
    batch = platform.pump()
    # When the stream batch is delivered again (a retry)
    assert platform.deliver(batch) == {"batchItemFailures": []}
    # Then the owner has exactly one notification, that opens the document
    notes = platform.repos.notifications.list_notifications(ALICE, limit=10).items
    assert [(n.type.value, n.title, n.data["fileId"]) for n in notes] == [
        ("SUCCESS", "Document ready", "doc-birds")
    ]
    assert "2 passages" in notes[0].message


def test_a_failed_document_notifies_its_owner_with_the_reason(platform: Platform) -> None:
    repos = platform.repos
    repos.documents.create(
        ALICE,
        DocumentCreate(file_name="x.pdf", file_type="application/pdf", file_size=9),
        document_id="doc-bad",
        s3_bucket=platform.settings.bucket_name,
        s3_key="documents/user-alice/doc-bad/original",
    )
    repos.documents.transition(
        ALICE, "doc-bad", DocumentStatus.ERROR, error_message="the file is damaged"
    )
    platform.pump()
    (note,) = platform.repos.notifications.list_notifications(ALICE, limit=10).items
    assert (note.type.value, note.message) == ("ERROR", "x.pdf: the file is damaged")


def test_a_removed_document_loses_its_leftover_objects_and_vectors(platform: Platform) -> None:
    # Given a ready document with objects (two versions of its original) and vectors
    document_id = ready_document_with_vectors(platform, [])
    bucket = platform.settings.bucket_name
    for key in ("original", "original", "chunks.jsonl"):
        platform.s3.put_object(
            Bucket=bucket, Key=f"documents/{ALICE}/{document_id}/{key}", Body=b"x"
        )
    platform.s3.put_object(
        Bucket=bucket, Key=f"processed/{ALICE}/{document_id}/metadata.json", Body=b"{}"
    )
    platform.pump()
    # When its item is deleted and nothing else (an API call that timed out after the delete)
    platform.repos.documents.delete(ALICE, document_id)
    platform.pump()
    # Then no object version and no vector of it remains
    listed = platform.s3.list_object_versions(Bucket=bucket)
    assert listed.get("Versions", []) == []
    assert listed.get("DeleteMarkers", []) == []
    assert platform.index.chunk_count(ALICE, document_id) == 0


def test_memories_are_indexed_reindexed_and_unindexed_from_the_stream(
    platform: Platform,
) -> None:
    # Given a memory saved while the index was unreachable (the API's own write was lost)
    repos = platform.repos
    memory = repos.memories.create(
        ALICE, MemoryCreate(type=MemoryType.PREFERENCE, content="prefers egrets")
    )
    embed = LocalLexicalEmbedder(platform.settings.embedding_dimension).embed
    assert platform.index.memory_count(ALICE) == 0
    # When the stream delivers it
    platform.pump()
    # Then it is searchable
    (hit,) = platform.index.search_memories(ALICE, embed(["egrets"])[0], 5)
    assert (hit.memoryId, hit.content) == (memory.memory_id, "prefers egrets")
    # And a change of its content reaches the vector
    repos.memories.update(ALICE, memory.memory_id, MemoryUpdate(content="prefers herons"))
    platform.pump()
    (hit,) = platform.index.search_memories(ALICE, embed(["herons"])[0], 5)
    assert hit.content == "prefers herons"
    # And its removal removes the vector
    repos.memories.delete(ALICE, memory.memory_id)
    platform.pump()
    assert platform.index.memory_count(ALICE) == 0
