"""S3 -> SQS -> worker against moto: notifications, idempotency per object version, attempts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

from strata.clock import ManualClock
from strata.documents.layout import DocumentKeys
from strata.documents.pipeline import IngestionPipeline
from strata.documents.worker import IngestWorker
from strata.schema import IDEMPOTENCY_TABLE
from strata.search.local import LocalLexicalEmbedder, LocalVectorIndex
from tests.fixtures.documents import MARKDOWN
from tests.fixtures.ingestion import (
    DOCUMENT_ID,
    USER_ID,
    InMemoryLedger,
    LambdaContextStub,
)
from tests.support.moto_server import MotoServer
from tests.support.settings import make_settings

KEYS = DocumentKeys(USER_ID, DOCUMENT_ID)


class Setup:
    def __init__(self, server: MotoServer) -> None:
        self.bucket = f"ingest-{uuid.uuid4().hex[:10]}"
        self.s3 = server.client("s3")
        self.sqs = server.client("sqs")
        self.s3.create_bucket(Bucket=self.bucket)
        self.s3.put_bucket_versioning(
            Bucket=self.bucket, VersioningConfiguration={"Status": "Enabled"}
        )
        self.queue_url = self.sqs.create_queue(QueueName=self.bucket)["QueueUrl"]
        queue_arn = self.sqs.get_queue_attributes(
            QueueUrl=self.queue_url, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        self.s3.put_bucket_notification_configuration(
            Bucket=self.bucket,
            NotificationConfiguration={
                "QueueConfigurations": [
                    {
                        "QueueArn": queue_arn,
                        "Events": ["s3:ObjectCreated:*"],
                        "Filter": {
                            "Key": {
                                "FilterRules": [
                                    {"Name": "prefix", "Value": "documents/"},
                                    {"Name": "suffix", "Value": "original"},
                                ]
                            }
                        },
                    }
                ]
            },
        )
        self.ledger = InMemoryLedger()
        self.index = LocalVectorIndex(256)
        settings = make_settings(
            bucket_name=self.bucket, embedder="local", vector_index="local",
            embedding_dimension=256,
        )  # fmt: skip
        self.pipeline = IngestionPipeline(
            ledger=self.ledger,
            s3=self.s3,
            embedder=LocalLexicalEmbedder(256),
            index=self.index,
            settings=settings,
            clock=ManualClock(datetime(2026, 11, 22, tzinfo=UTC)),
        )
        persistence = DynamoDBPersistenceLayer(
            table_name=server.create_table(IDEMPOTENCY_TABLE),
            boto3_client=server.client("dynamodb"),
        )
        self.worker = IngestWorker(self.pipeline, persistence, max_receive_count=3)
        self.worker.register_lambda_context(LambdaContextStub())

    def messages(self) -> list[dict[str, Any]]:
        response = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
        )
        return list(response.get("Messages", []))


@pytest.fixture
def setup(moto_server: MotoServer) -> Setup:
    return Setup(moto_server)


def test_an_uploaded_original_is_ingested_once_however_often_its_event_comes(
    setup: Setup,
) -> None:
    # Given a document in `uploading` and its original uploaded to the bucket
    setup.ledger.add(content_type="text/markdown", file_name="guide.md")
    setup.s3.put_object(Bucket=setup.bucket, Key=KEYS.original, Body=MARKDOWN.encode())
    # And the queue got S3's test event and then the object-created event
    bodies = [message["Body"] for message in setup.messages()]
    assert "s3:TestEvent" in bodies[0]
    event_body = bodies[-1]
    # When the test event and then the same event three times reach the worker
    assert setup.worker.handle_message(bodies[0], receive_count=1) == []
    results = [setup.worker.handle_message(event_body, receive_count=1) for _ in range(3)]
    # Then the first delivery made the document ready and the replays returned the same result
    assert [r[0]["status"] for r in results] == ["ready", "ready", "ready"]
    assert results[0] == results[1] == results[2]
    # And there is one set of vectors and two status transitions (so one notification)
    assert setup.index.chunk_count(USER_ID, DOCUMENT_ID) == results[0][0]["chunk_count"]
    assert setup.ledger.entry().transitions == 2


def test_a_new_version_of_the_object_is_a_new_event(setup: Setup) -> None:
    # Given version one ingested
    setup.ledger.add(content_type="text/plain")
    setup.s3.put_object(Bucket=setup.bucket, Key=KEYS.original, Body=b"Herons wade.")
    *_, first = setup.messages()
    [one] = setup.worker.handle_message(first["Body"], receive_count=1)
    # When the document is put back to processing and version two arrives
    setup.ledger.add(content_type="text/plain", status="processing")
    setup.s3.put_object(Bucket=setup.bucket, Key=KEYS.original, Body=b"Egrets fly.")
    (second,) = setup.messages()
    [two] = setup.worker.handle_message(second["Body"], receive_count=1)
    # Then version two was ingested, not answered from version one's record
    assert (one["status"], two["status"]) == ("ready", "ready")
    query = LocalLexicalEmbedder(256).embed(["egrets"])[0]
    assert setup.index.search_chunks(USER_ID, query, k=1)[0].content == "Egrets fly."


class FlakyIndex:
    def __init__(self, inner: LocalVectorIndex, failures: int) -> None:
        self.inner = inner
        self.failures = failures

    def replace_document_chunks(self, *args: Any) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("index unreachable")
        self.inner.replace_document_chunks(*args)


def test_a_failed_run_leaves_no_idempotency_record_so_redelivery_runs_again(
    setup: Setup,
) -> None:
    setup.ledger.add(content_type="text/markdown")
    setup.pipeline._index = FlakyIndex(setup.index, failures=1)  # type: ignore[assignment]
    setup.s3.put_object(Bucket=setup.bucket, Key=KEYS.original, Body=MARKDOWN.encode())
    *_, event = setup.messages()
    with pytest.raises(ConnectionError):
        setup.worker.handle_message(event["Body"], receive_count=1)
    assert setup.ledger.status() == "processing"
    [result] = setup.worker.handle_message(event["Body"], receive_count=2)
    assert result["status"] == "ready"


def test_the_last_attempt_marks_the_document_error_before_the_message_goes_to_the_dlq(
    setup: Setup,
) -> None:
    setup.ledger.add(content_type="text/markdown")
    setup.pipeline._index = FlakyIndex(setup.index, failures=99)  # type: ignore[assignment]
    setup.s3.put_object(Bucket=setup.bucket, Key=KEYS.original, Body=MARKDOWN.encode())
    *_, event = setup.messages()
    for attempt in (1, 2):
        with pytest.raises(ConnectionError):
            setup.worker.handle_message(event["Body"], receive_count=attempt)
        assert setup.ledger.status() == "processing"
    # The last delivery finds every earlier one begun and unfinished: it marks the document
    # error with the reason and consumes the message (one more run could only die the same way)
    [result] = setup.worker.handle_message(event["Body"], receive_count=3)
    assert result["status"] == "failed"
    assert setup.ledger.status() == "error"
    assert "started 2 times and never finished" in str(setup.ledger.entry().reason)
