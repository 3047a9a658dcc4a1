"""The ingest Lambda end to end on moto: presigned POST -> S3 -> SQS -> handler -> ready and
searchable, with the production factory (the store's repositories, Powertools idempotency on
DynamoDB) and the local embedder and index."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from lambdas.ingest import handler as ingest
from strata.auth import Caller
from strata.config import Settings, get_settings
from strata.documents.factory import build_ingestion_pipeline
from strata.documents.uploads import DocumentUploads
from strata.models import DocumentCreate, DocumentStatus
from strata.schema import IDEMPOTENCY_TABLE
from strata.search.factory import build_search_service, build_vector_index
from strata.services.documents import DocumentService
from strata.store.factory import Repositories, build_repositories
from tests.fixtures.documents import MARKDOWN, pdf_bytes
from tests.fixtures.ingestion import LambdaContextStub
from tests.integration.ingest.conftest import UploadBucket, sqs_event
from tests.support.moto_server import MotoServer

CALLER = Caller(user_id="user-ingest-a")


@pytest.fixture
def platform(
    moto_server: MotoServer,
    main_table: str,
    upload_bucket: UploadBucket,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Settings]:
    for name, value in {
        "AWS_ENDPOINT_URL": moto_server.endpoint,
        "AWS_LAMBDA_FUNCTION_NAME": "strata-test-ingest",
        "STRATA_TABLE_NAME": main_table,
        "STRATA_IDEMPOTENCY_TABLE_NAME": moto_server.create_table(IDEMPOTENCY_TABLE),
        "STRATA_BUCKET_NAME": upload_bucket.name,
        "STRATA_EMBEDDER": "local",
        "STRATA_VECTOR_INDEX": "local",
        "STRATA_TOKEN_SECRET": "integration-test-secret-0123456789",
        "STRATA_INGEST_MAX_RECEIVE_COUNT": "5",
    }.items():
        monkeypatch.setenv(name, value)
    caches = (get_settings, ingest.worker, build_ingestion_pipeline, build_repositories)
    for cache in caches:
        cache.cache_clear()
    yield get_settings()
    for cache in caches:
        cache.cache_clear()


def upload(settings: Settings, bucket: UploadBucket, data: bytes, file_type: str) -> str:
    """Create the document through the service and POST the file with its presigned form."""
    uploads = DocumentUploads(bucket.s3, settings.bucket_name, 900)
    repositories: Repositories = build_repositories(settings)
    service = DocumentService(
        repositories.documents, uploads, build_vector_index(settings), settings
    )
    created = service.create(
        CALLER, DocumentCreate(file_name="guide.md", file_type=file_type, file_size=len(data))
    )
    form = created.upload
    response = requests.post(
        form.url, data=form.fields, files={"file": ("guide.md", data)}, timeout=10
    )
    assert response.status_code in (200, 204), response.text
    return created.document.document_id


def deliver(bucket: UploadBucket, messages: list[dict[str, Any]]) -> dict[str, Any]:
    response: dict[str, Any] = ingest.handler(sqs_event(bucket, messages), LambdaContextStub())
    return response


def test_a_presigned_upload_becomes_ready_and_findable_once(
    platform: Settings, upload_bucket: UploadBucket
) -> None:
    # Given a markdown file uploaded with the presigned POST of a new document
    document_id = upload(platform, upload_bucket, MARKDOWN.encode(), "text/markdown")
    messages = upload_bucket.receive()
    # When the queue's batch (S3's test event and the upload's event) reaches the function,
    # and the same batch is delivered twice more
    responses = [deliver(upload_bucket, messages) for _ in range(3)]
    # Then no message failed
    assert responses == [{"batchItemFailures": []}] * 3
    # And the document is ready with what was learned from it
    repositories = build_repositories(platform)
    document = repositories.documents.get(CALLER.user_id, document_id)
    assert document.status is DocumentStatus.READY
    assert document.processing_status.indexed
    assert document.metadata.chunk_count
    assert document.metadata.language == "en"
    assert document.searchable_content.preview.startswith("Field Guide")
    # And a phrase from it finds it, once, for its owner only
    search = build_search_service(platform)
    found = search.search(CALLER.user_id, "herons nest in colonies called heronries", k=10)
    assert found.results[0].document_id == document_id
    index = build_vector_index(platform)
    assert index.chunk_count(CALLER.user_id, document_id) == document.metadata.chunk_count  # type: ignore[attr-defined]
    assert search.search("user-ingest-b", "heronries", k=10).results == []
    # And the ingest function wrote no notification (the streams function does, from "ready")
    assert repositories.notifications.list_notifications(CALLER.user_id, limit=10).items == []


def test_a_pdf_uploaded_as_markdown_is_marked_error_and_not_retried(
    platform: Settings, upload_bucket: UploadBucket
) -> None:
    document_id = upload(platform, upload_bucket, pdf_bytes(["I am a PDF"]), "text/markdown")
    response = deliver(upload_bucket, upload_bucket.receive())
    assert response == {"batchItemFailures": []}
    document = build_repositories(platform).documents.get(CALLER.user_id, document_id)
    assert document.status is DocumentStatus.ERROR
    assert "it is a PDF" in (document.processing_status.error_message or "")


class FailingOnce:
    """An index whose first write fails half-way, as a timeout would leave it."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.failed = False

    def replace_document_chunks(self, user_id: str, document_id: str, chunks: Any) -> None:
        if not self.failed:
            self.failed = True
            self.inner.replace_document_chunks(user_id, document_id, chunks[:1])
            raise TimeoutError("the index timed out")
        self.inner.replace_document_chunks(user_id, document_id, chunks)


def test_a_failed_message_is_reported_alone_and_its_redelivery_finishes_the_job(
    platform: Settings, upload_bucket: UploadBucket, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an upload whose first ingestion dies while writing vectors
    document_id = upload(platform, upload_bucket, MARKDOWN.encode(), "text/markdown")
    messages = upload_bucket.receive()
    pipeline = build_ingestion_pipeline(platform)
    monkeypatch.setattr(pipeline, "_index", FailingOnce(build_vector_index(platform)))
    # When the batch is delivered, Then only the upload's message is reported as failed
    first = deliver(upload_bucket, messages)
    assert first == {"batchItemFailures": [{"itemIdentifier": messages[-1]["MessageId"]}]}
    documents = build_repositories(platform).documents
    assert documents.get(CALLER.user_id, document_id).status is DocumentStatus.PROCESSING
    # And when SQS delivers that message again, the document becomes ready without duplicates
    redelivered = [{**messages[-1], "Attributes": {"ApproximateReceiveCount": "2"}}]
    assert deliver(upload_bucket, redelivered) == {"batchItemFailures": []}
    document = documents.get(CALLER.user_id, document_id)
    assert document.status is DocumentStatus.READY
    index = build_vector_index(platform)
    assert index.chunk_count(CALLER.user_id, document_id) == document.metadata.chunk_count  # type: ignore[attr-defined]
