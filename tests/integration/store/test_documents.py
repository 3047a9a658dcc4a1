"""Documents: created uploading, listed by date with filters, guarded status transitions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from strata.clock import ManualClock
from strata.errors import Conflict, NotFound
from strata.models import (
    Document,
    DocumentCreate,
    DocumentStatus,
    DocumentUpdate,
    ProcessingResult,
    ProcessingStatus,
    SearchableContent,
)
from strata.store.factory import Repositories


def upload(
    repos: Repositories,
    user_id: str,
    document_id: str,
    file_type: str = "application/pdf",
    **fields: object,
) -> Document:
    data = DocumentCreate.model_validate(
        {"fileName": f"{document_id}.bin", "fileType": file_type, "fileSize": 1024, **fields}
    )
    return repos.documents.create(
        user_id,
        data,
        document_id=document_id,
        s3_bucket="bucket",
        s3_key=f"documents/{user_id}/{document_id}/original",
    )


def test_a_document_starts_uploading_with_its_metadata(repos: Repositories) -> None:
    document = upload(repos, "u1", "d1", title="Q1 report", tags=["finance"])
    assert document.status is DocumentStatus.UPLOADING
    assert (document.metadata.title, document.metadata.tags) == ("Q1 report", ["finance"])
    assert repos.documents.get("u1", "d1") == document
    with pytest.raises(Conflict):
        upload(repos, "u1", "d1")
    with pytest.raises(NotFound):
        repos.documents.get("u2", "d1")


def test_the_pipeline_moves_through_guarded_transitions(repos: Repositories) -> None:
    upload(repos, "u1", "d1")

    # uploading -> ready skips processing: refused with the current status
    with pytest.raises(Conflict) as caught:
        repos.documents.transition("u1", "d1", DocumentStatus.READY)
    assert caught.value.details["currentStatus"] == "uploading"

    # uploading -> processing -> ready with results
    processing = repos.documents.transition("u1", "d1", DocumentStatus.PROCESSING)
    assert processing.status is DocumentStatus.PROCESSING
    with pytest.raises(Conflict):  # a second ingestion of the same upload loses
        repos.documents.transition("u1", "d1", DocumentStatus.PROCESSING)
    ready = repos.documents.complete(
        "u1",
        "d1",
        ProcessingResult(
            processing_status=ProcessingStatus(
                text_extracted=True, chunks_created=True, vectors_generated=True, indexed=True
            ),
            page_count=3,
            word_count=900,
            chunk_count=4,
            language="en",
            searchable_content=SearchableContent(preview="Quarterly...", keywords=["revenue"]),
            detected_file_type="application/pdf",
        ),
    )
    assert ready.status is DocumentStatus.READY
    assert ready.processing_status.indexed
    assert (ready.metadata.page_count, ready.metadata.chunk_count) == (3, 4)
    assert ready.searchable_content.keywords == ["revenue"]

    # ready -> processing again (reindex) resets the flags; processing -> error keeps a message
    again = repos.documents.transition("u1", "d1", DocumentStatus.PROCESSING)
    assert not again.processing_status.indexed
    failed = repos.documents.transition(
        "u1", "d1", DocumentStatus.ERROR, error_message="the PDF is encrypted"
    )
    assert failed.processing_status.error_message == "the PDF is encrypted"
    with pytest.raises(NotFound):
        repos.documents.transition("u1", "missing", DocumentStatus.PROCESSING)


def test_listing_by_upload_date_with_filters(repos: Repositories, clock: ManualClock) -> None:
    # Given five uploads of two types, one of them processed
    for n in range(5):
        file_type = "text/plain" if n % 2 else "application/pdf"
        upload(repos, "u1", f"d{n}", file_type=file_type)
        clock.advance(timedelta(minutes=1))
    upload(repos, "u2", "other")
    repos.documents.transition("u1", "d2", DocumentStatus.PROCESSING)

    # Then the newest come first, pages continue, and filters narrow the list
    first = repos.documents.list_documents("u1", limit=3)
    rest = repos.documents.list_documents("u1", limit=3, next_token=first.next_token)
    assert [d.document_id for d in first.items + rest.items] == ["d4", "d3", "d2", "d1", "d0"]
    oldest = repos.documents.list_documents("u1", newest_first=False, limit=1)
    assert oldest.items[0].document_id == "d0"
    texts = repos.documents.list_documents("u1", file_type="TEXT/PLAIN", limit=10)
    assert [d.document_id for d in texts.items] == ["d3", "d1"]
    processing = repos.documents.list_documents(
        "u1", status=DocumentStatus.PROCESSING, file_type="application/pdf"
    )
    assert [d.document_id for d in processing.items] == ["d2"]


def test_operations_list_a_status_across_users(repos: Repositories, clock: ManualClock) -> None:
    # Given uploads of several users, some of which moved on
    for n in range(7):
        upload(repos, f"user-{n % 3}", f"doc-{n}")
        clock.advance(timedelta(seconds=10))
    for n in (1, 4):
        repos.documents.transition(f"user-{n % 3}", f"doc-{n}", DocumentStatus.PROCESSING)

    # When operations ask for stuck uploads, oldest first, three at a time
    seen: list[str] = []
    token = None
    while True:
        page = repos.documents.list_by_status(DocumentStatus.UPLOADING, limit=3, next_token=token)
        seen += [d.document_id for d in page.items]
        if (token := page.next_token) is None:
            break

    # Then every user's uploading documents come in upload order, and only those
    assert seen == ["doc-0", "doc-2", "doc-3", "doc-5", "doc-6"]
    in_progress = repos.documents.list_by_status(DocumentStatus.PROCESSING)
    assert [d.document_id for d in in_progress.items] == ["doc-1", "doc-4"]


def test_owner_edits_and_deletion(repos: Repositories) -> None:
    document = upload(repos, "u1", "d1")
    edited = repos.documents.update(
        "u1",
        "d1",
        DocumentUpdate(title="Renamed", tags=["a", "b"]),
        expected_version=document.version,
    )
    assert (edited.metadata.title, edited.metadata.tags) == ("Renamed", ["a", "b"])
    with pytest.raises(Conflict):
        repos.documents.update(
            "u1", "d1", DocumentUpdate(title="x"), expected_version=document.version
        )
    deleted = repos.documents.delete("u1", "d1")
    assert deleted.metadata.title == "Renamed"
    with pytest.raises(NotFound):
        repos.documents.delete("u1", "d1")


def _indexed(title: str | None) -> ProcessingResult:
    return ProcessingResult(
        processing_status=ProcessingStatus(
            text_extracted=True, chunks_created=True, vectors_generated=True, indexed=True
        ),
        title=title,
    )


def test_a_title_the_owner_sets_while_processing_survives_complete(repos: Repositories) -> None:
    # Given a document without a title, being processed
    upload(repos, "u1", "d1")
    processing = repos.documents.transition("u1", "d1", DocumentStatus.PROCESSING)
    assert processing.metadata.title is None
    # When its owner names it meanwhile, and processing then completes with the file's heading
    repos.documents.update(
        "u1", "d1", DocumentUpdate(title="My own title"), expected_version=processing.version
    )
    ready = repos.documents.complete("u1", "d1", _indexed("Heading From The File"))
    # Then the owner's title stays
    assert ready.status is DocumentStatus.READY
    assert ready.metadata.title == "My own title"


def test_the_files_title_fills_in_when_the_owner_gave_none(repos: Repositories) -> None:
    upload(repos, "u1", "d1")
    repos.documents.transition("u1", "d1", DocumentStatus.PROCESSING)
    ready = repos.documents.complete("u1", "d1", _indexed("Heading From The File"))
    assert ready.metadata.title == "Heading From The File"


def test_two_versions_of_one_upload_never_process_at_once(
    repos: Repositories, clock: ManualClock
) -> None:
    # Given a document whose first uploaded version is being processed
    upload(repos, "u1", "d1")
    first = repos.documents.claim_processing("u1", "d1", "version-1")
    assert first.status is DocumentStatus.PROCESSING
    # When a second version of the same upload starts processing meanwhile
    with pytest.raises(Conflict, match="another upload") as caught:
        repos.documents.claim_processing("u1", "d1", "version-2")
    # Then it is refused (its run skips), while the first one's redelivery goes on
    assert caught.value.details == {"currentStatus": "processing"}
    assert repos.documents.claim_processing("u1", "d1", "version-1").status is (
        DocumentStatus.PROCESSING
    )
    # And once the first is ready, neither starts again
    repos.documents.complete("u1", "d1", _indexed(None))
    for claim in ("version-1", "version-2"):
        with pytest.raises(Conflict, match="ready cannot become processing"):
            repos.documents.claim_processing("u1", "d1", claim)


def test_a_claim_of_a_run_that_died_lapses_after_the_lease(
    repos: Repositories, clock: ManualClock
) -> None:
    upload(repos, "u1", "d1")
    repos.documents.claim_processing("u1", "d1", "version-1")
    clock.advance(timedelta(minutes=14))
    with pytest.raises(Conflict):
        repos.documents.claim_processing("u1", "d1", "version-2")
    clock.advance(timedelta(minutes=2))
    taken = repos.documents.claim_processing("u1", "d1", "version-2")
    assert taken.status is DocumentStatus.PROCESSING
    assert not taken.processing_status.indexed
