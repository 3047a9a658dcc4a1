"""The ingestion pipeline end to end over in-process S3 (moto), the local embedder and index."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from strata.clock import ManualClock
from strata.config import Settings
from strata.documents.layout import DocumentKeys
from strata.documents.pipeline import TRANSIENT_FAILURE_REASON, IngestionPipeline, S3ObjectRef
from strata.errors import NotFound
from strata.search.local import LocalLexicalEmbedder, LocalVectorIndex
from strata.search.types import SearchFilters
from tests.fixtures.documents import (
    DOCX_TYPE,
    MARKDOWN,
    corrupt_pdf_bytes,
    docx_bytes,
    encrypted_pdf_bytes,
    pdf_bytes,
    zip_bomb_docx_bytes,
)
from tests.fixtures.ingestion import (
    DOCUMENT_ID,
    USER_ID,
    CountingEmbedder,
    InMemoryLedger,
)
from tests.support.settings import make_settings

BUCKET = "strata-test-documents"
KEYS = DocumentKeys(USER_ID, DOCUMENT_ID)
SETTINGS = make_settings(
    bucket_name=BUCKET,
    embedder="local",
    vector_index="local",
    embedding_dimension=256,
    chunk_tokens=60,
    max_upload_bytes=2 * 1024 * 1024,
)


class Harness:
    def __init__(self, s3: Any) -> None:
        self.s3 = s3
        self.ledger = InMemoryLedger()
        self.embedder = CountingEmbedder(LocalLexicalEmbedder(256))
        self.index = LocalVectorIndex(256)
        self.pipeline = self.build()

    def build(self, index: Any = None, settings: Settings = SETTINGS) -> IngestionPipeline:
        return IngestionPipeline(
            ledger=self.ledger,
            s3=self.s3,
            embedder=self.embedder,
            index=index or self.index,
            settings=settings,
            clock=ManualClock(datetime(2026, 11, 22, 2, 0, tzinfo=UTC)),
        )

    def upload(self, data: bytes, content_type: str = "text/markdown") -> S3ObjectRef:
        self.ledger.add(content_type=content_type, file_name="guide.md")
        response = self.s3.put_object(Bucket=BUCKET, Key=KEYS.original, Body=data)
        return S3ObjectRef(BUCKET, KEYS.original, response.get("VersionId"), len(data))

    def read(self, key: str) -> str:
        return str(self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode())


@pytest.fixture
def harness() -> Iterator[Harness]:
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        yield Harness(s3)


def test_an_upload_becomes_ready_searchable_and_the_user_is_told(harness: Harness) -> None:
    # Given a markdown upload for a document in `uploading`
    ref = harness.upload(MARKDOWN.encode())
    # When the pipeline ingests it
    result = harness.pipeline.ingest(ref)
    # Then the document is ready with what was learned from it
    assert result.status == "ready"
    entry = harness.ledger.entry()
    assert entry.record.status == "ready"
    assert entry.result is not None
    assert entry.result.processing_status.indexed
    assert entry.result.chunk_count == result.chunk_count == harness.index.chunk_count(USER_ID)
    assert entry.result.language == "en"
    assert entry.result.title == "Field Guide"
    assert entry.result.searchable_content is not None
    assert entry.result.searchable_content.preview.startswith("Field Guide The heron waits")
    assert entry.result.searchable_content.keywords[:2] == ["heron", "fish"]
    # And a phrase from it finds it, for its owner only
    query = harness.embedder.embed(["herons nest in colonies called heronries"])[0]
    hits = harness.index.search_chunks(USER_ID, query, k=1)
    assert "heronries" in hits[0].content
    assert hits[0].metadata.section == "Field Guide > Habitat"  # where the words are
    assert harness.index.search_chunks("user-b", query, k=1) == []
    # And the artifacts are in the bucket
    assert harness.read(KEYS.extracted_text).startswith("Field Guide\n\nThe heron")
    chunk_lines = [json.loads(line) for line in harness.read(KEYS.chunks).splitlines()]
    assert [c["chunkId"] for c in chunk_lines] == [
        f"{DOCUMENT_ID}:{i}" for i in range(len(chunk_lines))
    ]
    assert set(chunk_lines[0]) >= {
        "chunkId",
        "documentId",
        "userId",
        "chunkIndex",
        "content",
        "startPosition",
        "endPosition",
        "metadata",
        "createdAt",
    }
    metadata = json.loads(harness.read(KEYS.metadata))
    assert metadata["chunkCount"] == len(chunk_lines)
    assert metadata["embedding"] == {"model": "local", "dimension": 256}
    assert len(harness.read(KEYS.embeddings).splitlines()) == len(chunk_lines)
    # And the document is ready (the streams function tells its owner from that change)
    assert harness.ledger.status() == "ready"


def test_the_same_event_three_times_leaves_one_set_of_chunks(harness: Harness) -> None:
    ref = harness.upload(MARKDOWN.encode())
    first = harness.pipeline.ingest(ref)
    second = harness.pipeline.ingest(ref)
    third = harness.pipeline.ingest(ref)
    assert (first.status, second.status, third.status) == ("ready", "skipped", "skipped")
    assert harness.index.chunk_count(USER_ID) == first.chunk_count
    assert harness.ledger.entry().transitions == 2  # to processing, to ready: once each


class CrashingIndex:
    """Fails its first write, as a Lambda timeout or a lost connection would."""

    def __init__(self, inner: LocalVectorIndex) -> None:
        self.inner = inner
        self.crashes = 1

    def replace_document_chunks(self, user_id: str, document_id: str, chunks: Any) -> None:
        self.inner.replace_document_chunks(user_id, document_id, chunks[: len(chunks) // 2])
        if self.crashes:
            self.crashes -= 1
            raise ConnectionError("connection reset mid-write")
        self.inner.replace_document_chunks(user_id, document_id, chunks)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_a_crash_mid_way_then_redelivery_ends_ready_without_duplicates(harness: Harness) -> None:
    # Given an ingestion that crashes after embedding, half-way through writing vectors
    ref = harness.upload(MARKDOWN.encode())
    pipeline = harness.build(index=CrashingIndex(harness.index))
    with pytest.raises(ConnectionError):
        pipeline.ingest(ref, final_attempt=False)
    assert harness.ledger.status() == "processing"
    embedded_once = harness.embedder.texts
    # When the message is delivered again
    result = pipeline.ingest(ref, final_attempt=False)
    # Then the document is ready, with exactly one vector per chunk
    assert result.status == "ready"
    assert harness.index.chunk_count(USER_ID, DOCUMENT_ID) == result.chunk_count
    # And the embeddings stored before the crash were reused, not paid for twice
    assert result.embedded == 0
    assert harness.embedder.texts == embedded_once


def test_a_new_version_re_embeds_only_the_chunks_that_changed(harness: Harness) -> None:
    ref = harness.upload(MARKDOWN.encode())
    first = harness.pipeline.ingest(ref)
    harness.ledger.add(content_type="text/markdown", status="processing")
    changed = MARKDOWN.replace("Fish, frogs and insects", "Fish, frogs, voles and insects")
    response = harness.s3.put_object(Bucket=BUCKET, Key=KEYS.original, Body=changed.encode())
    second = harness.pipeline.ingest(S3ObjectRef(BUCKET, KEYS.original, response["VersionId"]))
    assert second.status == "ready"
    assert 0 < second.embedded < first.embedded


@pytest.mark.parametrize(
    ("data", "content_type", "reason"),
    [
        (corrupt_pdf_bytes(), "application/pdf", "damaged"),
        (encrypted_pdf_bytes(), "application/pdf", "password-protected"),
        (b"", "text/plain", "empty"),
        (zip_bomb_docx_bytes(64 * 1024 * 1024), DOCX_TYPE, "zip bomb"),
        (pdf_bytes(["I am a PDF"]), DOCX_TYPE, "but it is a PDF"),
        (b"x" * (2 * 1024 * 1024 + 1), "text/plain", "largest file Strata accepts is 2.0 MB"),
    ],
    ids=["corrupt-pdf", "encrypted-pdf", "empty", "zip-bomb", "pdf-named-docx", "oversize"],
)
def test_poison_files_mark_the_document_error_once_and_are_not_retried(
    harness: Harness, data: bytes, content_type: str, reason: str
) -> None:
    # Given an upload that can never be processed
    ref = harness.upload(data, content_type)
    # When it is ingested, Then the message is consumed (no exception: SQS will not retry it)
    result = harness.pipeline.ingest(ref, final_attempt=False)
    assert result.status == "failed"
    assert reason in (result.reason or "")
    # And the document says why (its owner is told from that change), and nothing was indexed
    entry = harness.ledger.entry()
    assert (entry.record.status, entry.reason) == ("error", result.reason)
    assert harness.index.chunk_count(USER_ID) == 0


def test_a_docx_upload_is_indexed_with_its_table(harness: Harness) -> None:
    ref = harness.upload(docx_bytes(), DOCX_TYPE)
    assert harness.pipeline.ingest(ref).status == "ready"
    query = harness.embedder.embed(["North 120 South 95"])[0]
    assert "North | 120" in harness.index.search_chunks(USER_ID, query, k=1)[0].content


class DownIndex:
    def replace_document_chunks(self, *args: Any) -> None:
        raise TimeoutError("index unavailable")


def test_a_transient_failure_is_retried_and_marked_error_only_on_the_last_attempt(
    harness: Harness,
) -> None:
    ref = harness.upload(MARKDOWN.encode())
    pipeline = harness.build(index=DownIndex())
    with pytest.raises(TimeoutError):
        pipeline.ingest(ref, final_attempt=False)
    assert harness.ledger.status() == "processing"
    with pytest.raises(TimeoutError):
        pipeline.ingest(ref, final_attempt=True)
    assert (harness.ledger.status(), harness.ledger.entry().reason) == (
        "error",
        TRANSIENT_FAILURE_REASON,
    )


@pytest.mark.parametrize(
    ("key", "prepare", "reason"),
    [
        (
            "documents/user-a/doc-1/extracted-text.txt",
            True,
            "not an uploaded original in the documents bucket",
        ),
        ("documents/user-a/doc-2/original", True, "no such document"),
        ("documents/user-a/doc-1/original", False, "no such document"),
    ],
)
def test_objects_that_are_not_pending_originals_are_left_alone(
    harness: Harness, key: str, prepare: bool, reason: str
) -> None:
    if prepare:
        harness.ledger.add()
    result = harness.pipeline.ingest(S3ObjectRef(BUCKET, key, None, 10))
    assert (result.status, result.reason) == ("skipped", reason)
    assert [e.transitions for e in harness.ledger.entries.values()] == ([0] if prepare else [])


def test_passages_carry_the_detected_file_type_the_document_and_search_filters_use(
    harness: Harness,
) -> None:
    # Given markdown declared with an alias of its content type
    ref = harness.upload(MARKDOWN.encode(), content_type="text/x-markdown")
    # When it is ingested
    harness.pipeline.ingest(ref)
    # Then the document and its passages both say text/markdown, so the `md` filter finds them
    result = harness.ledger.entry().result
    assert result is not None
    assert result.detected_file_type == "text/markdown"
    query = harness.embedder.embed(["herons nest in colonies"])[0]
    hits = harness.index.search_chunks(
        USER_ID, query, k=1, filters=SearchFilters(fileType="text/markdown")
    )
    assert [hit.metadata.fileType for hit in hits] == ["text/markdown"]


def test_a_title_the_owner_gave_is_not_replaced_by_the_first_heading(harness: Harness) -> None:
    # Given a document created with its owner's title
    harness.ledger.add(content_type="text/markdown", title="Herons, my notes")
    data = MARKDOWN.encode()
    put = harness.s3.put_object(Bucket=BUCKET, Key=KEYS.original, Body=data)
    # When it is ingested
    harness.pipeline.ingest(S3ObjectRef(BUCKET, KEYS.original, put.get("VersionId"), len(data)))
    # Then the outcome proposes no title (the ledger writes only the fields it is given)
    result = harness.ledger.entry().result
    assert result is not None
    assert result.title is None
    # And the metadata artifact names the owner's title
    assert json.loads(harness.read(KEYS.metadata))["title"] == "Herons, my notes"


def test_a_ready_document_is_not_reprocessed_by_a_stale_event(harness: Harness) -> None:
    harness.ledger.add(status="ready")
    result = harness.pipeline.ingest(S3ObjectRef(BUCKET, KEYS.original, "v1", 10))
    assert (result.status, result.reason) == ("skipped", "document is ready")
    assert harness.ledger.entry().transitions == 0


def test_an_object_version_that_is_gone_is_skipped(harness: Harness) -> None:
    harness.ledger.add()
    result = harness.pipeline.ingest(S3ObjectRef(BUCKET, KEYS.original, None, 10))
    assert (result.status, result.reason) == ("skipped", "the object version no longer exists")
    # And the document is not left `processing` (nothing would ever move it on)
    assert harness.ledger.entry().record.status == "uploading"


class DeletingLedger(InMemoryLedger):
    """The document is deleted by its owner just before the pipeline marks it ready."""

    def complete(self, user_id: str, document_id: str, result: Any) -> None:
        del self.entries[(user_id, document_id)]
        raise NotFound("document not found")


def test_a_document_deleted_mid_way_is_skipped_and_its_leftovers_removed(
    harness: Harness,
) -> None:
    # Given a document deleted (and its cascade run) while its vectors were being written
    harness.ledger = DeletingLedger()
    harness.pipeline = harness.build()
    ref = harness.upload(MARKDOWN.encode())
    # When the pipeline finds out at its last step
    result = harness.pipeline.ingest(ref, final_attempt=False)
    # Then it stops without retrying, and removes what it wrote
    assert (result.status, result.reason) == ("skipped", "document not found")
    assert harness.index.chunk_count(USER_ID) == 0
    listed = harness.s3.list_objects_v2(Bucket=BUCKET)["Contents"]
    assert [item["Key"] for item in listed] == [KEYS.original]


def test_leftovers_of_a_deleted_document_leave_no_old_versions_behind(harness: Harness) -> None:
    # Given a document deleted while it was being ingested, in the versioned bucket
    harness.ledger = DeletingLedger()
    harness.pipeline = harness.build()
    ref = harness.upload(MARKDOWN.encode())
    # When the pipeline removes what it wrote
    harness.pipeline.ingest(ref, final_attempt=False)
    # Then no version of any artifact (the deleted document's text) is kept, not even noncurrent
    listed = harness.s3.list_object_versions(Bucket=BUCKET)
    kept = [item["Key"] for item in listed.get("Versions", []) + listed.get("DeleteMarkers", [])]
    assert kept == [KEYS.original]


class AppendingIndex:
    """A vector index like a classic OpenSearch collection: it generates ids, so replacing a
    document's chunks is a delete and then appends, and two interleaved replacements leave both
    sets. ``during_replace`` runs once, between the delete and the appends."""

    def __init__(self) -> None:
        self.stored: list[Any] = []
        self.during_replace: Any = None

    def replace_document_chunks(self, user_id: str, document_id: str, chunks: Any) -> None:
        self.stored = [c for c in self.stored if c.documentId != document_id]
        hook, self.during_replace = self.during_replace, None
        if hook is not None:
            hook()
        self.stored.extend(chunks)

    def delete_document(self, user_id: str, document_id: str) -> None:
        self.stored = [c for c in self.stored if c.documentId != document_id]


def test_a_second_version_uploaded_while_the_first_is_processed_leaves_one_set_of_vectors(
    harness: Harness,
) -> None:
    # Given two versions of one upload: the second lands while the first is being indexed
    first = harness.upload(MARKDOWN.encode())
    changed = MARKDOWN.replace("Fish, frogs and insects", "Fish, frogs, voles and insects")
    response = harness.s3.put_object(Bucket=BUCKET, Key=KEYS.original, Body=changed.encode())
    second = S3ObjectRef(BUCKET, KEYS.original, response["VersionId"], len(changed.encode()))
    index = AppendingIndex()
    pipeline = harness.build(index=index)
    interleaved: list[Any] = []
    index.during_replace = lambda: interleaved.append(pipeline.ingest(second))
    # When the first run writes its vectors, and the second version's run happens meanwhile
    result = pipeline.ingest(first)
    # Then the second run stood aside, and the document holds one set of vectors
    assert result.status == "ready"
    assert [(r.status, r.reason) for r in interleaved] == [
        ("skipped", "another upload of this document is being processed")
    ]
    assert len(index.stored) == result.chunk_count
    assert len({c.chunkId for c in index.stored}) == result.chunk_count
