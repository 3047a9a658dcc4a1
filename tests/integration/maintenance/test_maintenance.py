"""The maintenance sweeps on moto: stuck documents end in error with their owner told, orphans
go, young things stay, figures are counted through indexes (never a Scan)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from strata.clock import Clock, ManualClock, SystemClock, format_timestamp
from strata.config import Settings
from strata.maintenance.factory import wire_maintenance
from strata.maintenance.sweeps import PROCESSING_TIMED_OUT, UPLOAD_NEVER_ARRIVED, Maintenance
from strata.models import DocumentStatus
from strata.store.factory import Repositories
from tests.integration.maintenance.conftest import OWNER, World, backdate_objects, hours_ago
from tests.integration.store.conftest import claims
from tests.support.request_counter import RequestCounter
from tests.unit.search.builders import chunk, memory

# What the maintenance role may call on the table (infra/stacks/maintenance.py TABLE_ACTIONS).
READ_AND_CONDITIONAL_WRITES = {"Query", "GetItem", "BatchGetItem", "UpdateItem", "DeleteItem"}


def maintenance(
    world: World, settings: Settings | None = None, clock: Clock | None = None
) -> Maintenance:
    at = clock or SystemClock()
    return wire_maintenance(
        settings or world.settings, table=world.table(at), s3=world.s3, index=world.index, clock=at
    )


def status_of(repos: Repositories, document_id: str, user: str = OWNER) -> DocumentStatus:
    return repos.documents.get(user, document_id, consistent=True).status


def test_a_stuck_upload_and_a_stuck_processing_document_end_in_error_with_the_owner_told(
    world: World,
) -> None:
    # Given (with 15-minute links, 30-minute deliveries x 5 and a 15-minute margin)
    # an upload whose link expired two hours ago and one created five minutes ago,
    never_arrived = world.create(hours_ago(2), "lost.pdf")
    fresh_upload = world.create(hours_ago(5 / 60))
    # a document processing with no word for three hours and one that progressed an hour ago,
    hung = world.start_processing(world.create(hours_ago(4), "hung.pdf"), hours_ago(3))
    working = world.start_processing(world.create(hours_ago(4)), hours_ago(1))
    # and an old document that is ready
    done = world.finish(
        world.start_processing(world.create(hours_ago(9)), hours_ago(9)), hours_ago(8)
    )

    # When maintenance runs, counting its DynamoDB requests
    with RequestCounter(world.ddb) as counts:
        report = maintenance(world).run()

    # Then the two stuck documents are errors saying why, and the others are untouched
    repos = world.repos()
    assert (report.uploads_expired, report.processing_timed_out) == (1, 1)
    lost = repos.documents.get(OWNER, never_arrived.document_id)
    assert lost.status is DocumentStatus.ERROR
    assert lost.processing_status.error_message == UPLOAD_NEVER_ARRIVED
    timed_out = repos.documents.get(OWNER, hung.document_id)
    assert timed_out.status is DocumentStatus.ERROR
    assert timed_out.processing_status.error_message == PROCESSING_TIMED_OUT
    assert status_of(repos, fresh_upload.document_id) is DocumentStatus.UPLOADING
    assert status_of(repos, working.document_id) is DocumentStatus.PROCESSING
    assert status_of(repos, done.document_id) is DocumentStatus.READY
    # And, once the streams function has seen the changes, the owner has one error
    # notification per swept document, naming it
    world.tell_owners()
    listed = repos.notifications.list_notifications(OWNER, limit=10).items
    notes = [n for n in listed if n.type.value == "ERROR"]
    assert sorted((n.type.value, n.data["fileId"]) for n in notes) == sorted(
        [("ERROR", never_arrived.document_id), ("ERROR", hung.document_id)]
    )
    assert {n.message for n in notes} == {
        f"lost.pdf: {UPLOAD_NEVER_ARRIVED}",
        f"hung.pdf: {PROCESSING_TIMED_OUT}",
    }
    # And every read went through a key or an index: no Scan
    assert set(counts.by_operation) <= READ_AND_CONDITIONAL_WRITES
    assert "Scan" not in counts.by_operation
    assert report.failed_steps == []


def test_a_second_run_changes_nothing_more(world: World) -> None:
    # Given a stuck upload swept once
    stuck = world.create(hours_ago(2))
    maintenance(world).run()
    # When maintenance runs again
    report = maintenance(world).run()
    # Then nothing is swept twice and the owner was told once
    assert (report.uploads_expired, report.processing_timed_out) == (0, 0)
    world.tell_owners()
    notes = world.repos().notifications.list_notifications(OWNER, limit=10).items
    assert [n.data["fileId"] for n in notes] == [stuck.document_id]


def test_orphan_objects_older_than_a_day_go_and_young_or_owned_ones_stay(world: World) -> None:
    # Given objects of a deleted document, two days old (with an artifact and processed output),
    gone = "documents/owner-0001/doc-gone/"
    world.put_object(f"{gone}original")
    world.put_object(f"{gone}original", b"second version")
    world.put_object(f"{gone}chunks.jsonl")
    world.put_object("processed/owner-0001/doc-gone/metadata.json")
    backdate_objects(world.bucket, gone, hours_ago(48))
    # an object with no document uploaded an hour ago,
    world.put_object("documents/owner-0001/doc-young/original")
    # and the two-day-old original of a document that exists
    live = world.create(hours_ago(48))
    world.finish(world.start_processing(live, hours_ago(47)), hours_ago(47))
    world.put_object(f"documents/{OWNER}/{live.document_id}/original")
    backdate_objects(world.bucket, f"documents/{OWNER}/{live.document_id}/", hours_ago(48))

    # When maintenance runs
    report = maintenance(world).run()

    # Then every version of the deleted document's objects is gone, the rest remain
    assert report.orphan_documents_deleted == 1
    assert world.keys() == sorted(
        [
            "documents/owner-0001/doc-young/original",
            f"documents/{OWNER}/{live.document_id}/original",
        ]
    )


def test_vectors_without_a_document_or_memory_are_counted_then_deleted(world: World) -> None:
    # Given vectors written an hour ago: of a document that exists, of one that does not, and
    # of a memory that does not
    written = format_timestamp(hours_ago(1))
    live = world.create(hours_ago(1 / 60))
    world.index.replace_document_chunks(
        OWNER, live.document_id, [chunk(OWNER, live.document_id, 0, "kept", upload_date=written)]
    )
    world.index.replace_document_chunks(
        OWNER,
        "doc-deleted",
        [chunk(OWNER, "doc-deleted", n, f"stale {n}", upload_date=written) for n in range(3)],
    )
    world.index.put_memory(memory(OWNER, "memory-gone", "likes tea"))
    # When maintenance runs
    report = maintenance(world).run()
    # Then the deleted document's vectors are counted and deleted, the memory's too; the rest stay
    assert report.quality is not None
    assert report.quality.vectors_without_document == 1
    figures = dict(report.metrics())
    assert (figures["VectorsWithoutDocument"], figures["VectorsWithoutMemory"]) == (1, 1)
    assert world.index.chunk_count(OWNER, "doc-deleted") == 0
    assert world.index.memory_count(OWNER) == 0
    assert world.index.chunk_count(OWNER, live.document_id) == 1


def test_retention_is_off_by_default_and_deletes_old_documents_when_set(world: World) -> None:
    # Given a document uploaded 40 days ago (with its object and vectors) and one 10 days ago
    old = world.finish(
        world.start_processing(world.create(hours_ago(40 * 24)), hours_ago(40 * 24)),
        hours_ago(40 * 24),
    )
    recent = world.create(hours_ago(10 * 24))
    world.put_object(f"documents/{OWNER}/{old.document_id}/original")
    world.index.replace_document_chunks(
        OWNER, old.document_id, [chunk(OWNER, old.document_id, 0, "old")]
    )

    # When maintenance runs with the default settings, then with a 30-day retention
    assert maintenance(world).run().documents_retired == 0
    assert status_of(world.repos(), old.document_id) is DocumentStatus.READY
    retained = world.settings.model_copy(update={"document_retention_days": 30})
    report = maintenance(world, retained).run()

    # Then only the old document went: its item, its objects and its vectors
    assert report.documents_retired == 1
    repos = world.repos()
    assert repos.documents.existing([(OWNER, old.document_id), (OWNER, recent.document_id)]) == {
        (OWNER, recent.document_id)
    }
    assert world.keys() == []
    assert world.index.chunk_count(OWNER, old.document_id) == 0


def test_data_quality_counts_users_documents_errors_and_processing_time(world: World) -> None:
    # Given two users, and documents: one ready 90 s after upload (an hour ago), one errored,
    # one uploading
    now = datetime.now(UTC)
    repos = world.repos()
    repos.users.upsert_from_claims(claims(OWNER, "owner@example.com"))
    repos.users.upsert_from_claims(claims("other-0002", "other@example.com"))
    uploaded = now - timedelta(hours=1)
    ready = world.create(uploaded)
    world.start_processing(ready, uploaded + timedelta(seconds=10))
    world.finish(ready, uploaded + timedelta(seconds=90))
    failed = world.create(hours_ago(2))
    world.documents_at(hours_ago(2)).transition(OWNER, failed.document_id, DocumentStatus.ERROR)
    world.create(now - timedelta(minutes=1))

    # When the figures are measured (at a fixed time)
    quality = maintenance(world, clock=ManualClock(now)).measure()

    # Then they count what the table holds
    assert quality.users == 2
    assert quality.documents_by_status == {"uploading": 1, "processing": 0, "ready": 1, "error": 1}
    assert quality.processing_errors == 1
    assert quality.average_processing_seconds == pytest.approx(90, abs=1)
