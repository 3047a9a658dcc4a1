"""The ingest and streams functions on moto with the production wiring, driven as Lambda drives
them: an upload's SQS message delivered (and redelivered) to the ingest handler, the table's
stream delivered to the streams handler with Lambda's retry of a failed record.

Settings come from the environment (``STRATA_*``), as in a function; the embedder is the local
one unless a suite asks for Bedrock, the vector index the in-memory one (shared by both functions
through the cached factory).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from lambdas.ingest import handler as ingest
from lambdas.maintenance import handler as maintenance
from lambdas.streams import handler as streams
from strata.assistant.factory import build_assistant
from strata.auth import Caller
from strata.config import Settings, get_settings
from strata.documents.factory import build_ingestion_pipeline
from strata.documents.uploads import DocumentUploads
from strata.errors import StrataError
from strata.events.reactor import build_reactor
from strata.maintenance import factory as maintenance_factory
from strata.maintenance.policy import MaintenancePolicy
from strata.models import Document, DocumentCreate, Notification
from strata.schema import IDEMPOTENCY_TABLE
from strata.search.factory import build_embedder, build_search_service, build_vector_index
from strata.search.local import LocalVectorIndex
from strata.services.documents import DocumentService
from strata.services.factory import build_services
from strata.store.factory import Repositories, build_repositories
from tests.fixtures.ingestion import LambdaContextStub
from tests.integration.ingest.conftest import UploadBucket, sqs_event
from tests.support.dynamodb_stream import StreamTap
from tests.support.moto_server import MotoServer

MAX_RECEIVES = 5
VISIBILITY_SECONDS = 60
STREAM_RETRIES = 5
SCHEDULED_RUNS = 5  # maintenance runs (each a scheduled invocation) until one has no failed step
SCHEDULED_EVENT = {
    "version": "0",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "region": "us-east-1",
    "resources": ["arn:aws:events:us-east-1:123456789012:rule/strata-test-maintenance"],
    "detail": {},
}
CACHES = (
    get_settings,
    ingest.worker,
    streams.reactor,
    build_ingestion_pipeline,
    build_reactor,
    build_repositories,
    build_vector_index,
    build_embedder,
    build_search_service,
    build_assistant,
    build_services,
    maintenance_factory.build_maintenance,
)


class SequenceTap(StreamTap):
    """A stream tap that starts each read after the last sequence number it delivered.

    (A shard iterator kept from one read to the next, as tests.support.dynamodb_stream does,
    now and then answered no records on moto while newer records were in the shard, in the long
    form of the killed-worker suite; a fresh iterator after the last sequence number does not.)
    """

    def __init__(self, server: MotoServer, table: str) -> None:
        super().__init__(server, table)
        self._last: dict[str, str] = {}

    def take(self) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        shards = self._streams.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"]
        for shard in shards:
            shard_id = shard["ShardId"]
            last = self._last.get(shard_id)
            where = (
                {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": last}
                if last
                else {"ShardIteratorType": "TRIM_HORIZON"}
            )
            iterator = self._streams.get_shard_iterator(
                StreamArn=self.arn, ShardId=shard_id, **where
            )["ShardIterator"]
            while iterator:
                response = self._streams.get_records(ShardIterator=iterator, Limit=1000)
                if not response["Records"]:
                    break
                iterator = response.get("NextShardIterator")
                records.extend(self._as_lambda(r) for r in response["Records"])
                self._last[shard_id] = response["Records"][-1]["dynamodb"]["SequenceNumber"]
        return records


class DyingContext(LambdaContextStub):
    """The context of an invocation that is about to be killed: a minute for its deadline (read
    first), then 1 ms, so the idempotency record it leaves in progress has expired by the next
    delivery, as a killed run's has once its invocation's time is up."""

    def __init__(self) -> None:
        self.calls = 0

    def get_remaining_time_in_millis(self) -> int:
        self.calls += 1
        return 60_000 if self.calls == 1 else 1


@dataclass
class StreamFigures:
    records: int = 0
    retried: int = 0


@dataclass
class MaintenanceFigures:
    runs: int = 0
    failed_runs: int = 0


class LaterClock:
    """The wall clock, ``ahead`` later: the maintenance function as its schedule runs it once
    every deadline of what is stuck now has passed."""

    def __init__(self, ahead: timedelta) -> None:
        self._ahead = ahead

    def now(self) -> datetime:
        return datetime.now(UTC) + self._ahead


@dataclass
class IngestPlatform:
    server: MotoServer
    settings: Settings
    bucket: UploadBucket
    tap: StreamTap
    stream: StreamFigures = field(default_factory=StreamFigures)
    maintained: MaintenanceFigures = field(default_factory=MaintenanceFigures)

    @property
    def repositories(self) -> Repositories:
        return build_repositories(self.settings)

    @property
    def index(self) -> LocalVectorIndex:
        index = build_vector_index(self.settings)
        assert isinstance(index, LocalVectorIndex)
        return index

    def upload(self, user_id: str, data: bytes, file_type: str, file_name: str) -> str:
        """A document created through the service and its file POSTed with the presigned form;
        returns the document id (its object-created message is then in the queue)."""
        service = DocumentService(
            self.repositories.documents,
            DocumentUploads(self.bucket.s3, self.settings.bucket_name, 900),
            self.index,
            self.settings,
        )
        created = service.create(
            Caller(user_id=user_id),
            DocumentCreate(file_name=file_name, file_type=file_type, file_size=len(data)),
        )
        form = created.upload
        response = requests.post(
            form.url, data=form.fields, files={"file": (file_name, data)}, timeout=30
        )
        assert response.status_code in (200, 204), response.text
        return created.document.document_id

    def upload_messages(self, expected: int = 1) -> list[dict[str, Any]]:
        """The next ``expected`` object-created messages (S3's test event dropped), taken off the
        queue: the suites deliver and redeliver them themselves, as the event source mapping
        would, so the queue must not hand them out again after its visibility timeout."""
        found: list[dict[str, Any]] = []
        sqs, url = self.bucket.sqs, self.bucket.queue_url
        for _ in range(expected + 10):
            if len(found) >= expected:
                break
            response = sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=10,
                WaitTimeSeconds=0 if found else 1,
                AttributeNames=["All"],
            )
            for message in response.get("Messages", []):
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                if "s3:TestEvent" not in message["Body"]:
                    found.append(message)
        assert len(found) == expected, f"{len(found)} upload messages, {expected} expected"
        return found

    def deliver(
        self, messages: list[dict[str, Any]], receive_count: int, context: Any = None
    ) -> dict[str, Any]:
        for message in messages:
            message.setdefault("Attributes", {})["ApproximateReceiveCount"] = str(receive_count)
        event = sqs_event(self.bucket, messages)
        try:
            response: dict[str, Any] = ingest.handler(event, context or LambdaContextStub())
        except BatchProcessingError:
            # Every record failed: the invocation fails and SQS makes all of them visible again
            return {"batchItemFailures": [{"itemIdentifier": m["MessageId"]} for m in messages]}
        return response

    def ingest_until_settled(
        self,
        messages: list[dict[str, Any]],
        first_receive: int = 1,
        context: Callable[[], Any] = LambdaContextStub,
    ) -> list[int]:
        """Deliver the messages as SQS would, from their ``first_receive``: the failed ones again,
        up to the queue's maxReceiveCount (then the dead-letter queue). Returns the receive count
        of each message's last delivery."""
        last = {m["MessageId"]: 0 for m in messages}
        pending = list(messages)
        for receive in range(first_receive, MAX_RECEIVES + 1):
            if not pending:
                break
            failed = {
                failure["itemIdentifier"]
                for failure in self.deliver(pending, receive, context())["batchItemFailures"]
            }
            for message in pending:
                last[message["MessageId"]] = receive
            pending = [m for m in pending if m["MessageId"] in failed]
        return [last[m["MessageId"]] for m in messages]

    def pump_streams(self) -> int:
        """Deliver every new stream record to the streams function in batches of 100; a batch
        that reports failures is retried from its first failed record, as Lambda does with
        ReportBatchItemFailures (at most STREAM_RETRIES times, then the record is given up on,
        as the on-failure destination would be told). Returns the records given up on."""
        given_up = 0
        records = self.tap.take()
        self.stream.records += len(records)
        while records:
            batch, records = records[:100], records[100:]
            retries = 0
            while batch:
                try:
                    response = streams.handler({"Records": batch}, LambdaContextStub())
                    failed = [f["itemIdentifier"] for f in response["batchItemFailures"]]
                except BatchProcessingError:  # every record failed: the invocation fails
                    failed = [r["dynamodb"]["SequenceNumber"] for r in batch]
                if not failed:
                    break
                first = next(
                    i for i, r in enumerate(batch) if r["dynamodb"]["SequenceNumber"] in set(failed)
                )
                retries += 1
                self.stream.retried += 1
                if retries > STREAM_RETRIES:
                    given_up += 1
                    first += 1  # Lambda moves past the record it gave up on
                    retries = 0
                batch = batch[first:]
        return given_up

    def maintain(self, monkeypatch: pytest.MonkeyPatch) -> MaintenanceFigures:
        """The maintenance function (its handler, its production wiring) invoked by its schedule
        once the deadlines of what is stuck now have passed: its clock is that much later. A run
        with a failed step fails (the error alarm); the next scheduled run tries again, up to
        SCHEDULED_RUNS. Returns the figures of every run so far."""
        policy = MaintenancePolicy.from_settings(self.settings)
        ahead = max(policy.upload_deadline, policy.processing_deadline) + timedelta(minutes=1)
        monkeypatch.setattr(maintenance_factory, "SystemClock", lambda: LaterClock(ahead))
        maintenance_factory.build_maintenance.cache_clear()
        for _ in range(SCHEDULED_RUNS):
            self.maintained.runs += 1
            try:
                maintenance.handler(SCHEDULED_EVENT, LambdaContextStub())
            except StrataError:
                self.maintained.failed_runs += 1
                continue
            break
        maintenance_factory.build_maintenance.cache_clear()
        return self.maintained

    def document(self, user_id: str, document_id: str) -> Document:
        return self.repositories.documents.get(user_id, document_id)

    def notifications_of(self, user_id: str, document_id: str) -> list[Notification]:
        page = self.repositories.notifications.list_notifications(user_id, limit=100)
        return [n for n in page.items if n.data.get("fileId") == document_id]

    def vectors_of(self, user_id: str, document_id: str) -> int:
        return self.index.chunk_count(user_id, document_id)


def settings_environment(
    server: MotoServer, table: str, bucket: UploadBucket, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL": server.endpoint,
        "AWS_LAMBDA_FUNCTION_NAME": "strata-test-ingest",
        "STRATA_TABLE_NAME": table,
        "STRATA_IDEMPOTENCY_TABLE_NAME": server.create_table(IDEMPOTENCY_TABLE),
        "STRATA_BUCKET_NAME": bucket.name,
        "STRATA_EMBEDDER": "local",
        "STRATA_VECTOR_INDEX": "local",
        "STRATA_EMBEDDING_DIMENSION": "256",
        "STRATA_TOKEN_SECRET": "reliability-test-secret-0123456789",
        "STRATA_INGEST_MAX_RECEIVE_COUNT": str(MAX_RECEIVES),
        "STRATA_INGEST_VISIBILITY_TIMEOUT_SECONDS": str(VISIBILITY_SECONDS),
        **(extra or {}),
    }


def start_platform(
    monkeypatch: pytest.MonkeyPatch,
    server: MotoServer,
    table: str,
    bucket: UploadBucket,
    extra: Mapping[str, str] | None = None,
) -> IngestPlatform:
    """Point the functions' settings at these resources; every cached factory starts afresh
    (call :func:`stop_platform` at the end)."""
    for name, value in settings_environment(server, table, bucket, extra).items():
        monkeypatch.setenv(name, value)
    stop_platform()
    return IngestPlatform(server, get_settings(), bucket, SequenceTap(server, table))


def stop_platform() -> None:
    for cache in CACHES:
        cache.cache_clear()


@pytest.fixture
def ingest_platform(
    moto_server: MotoServer,
    main_table: str,
    upload_bucket: UploadBucket,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[IngestPlatform]:
    yield start_platform(monkeypatch, moto_server, main_table, upload_bucket)
    stop_platform()


def new_user() -> str:
    return f"user-{uuid.uuid4().hex[:12]}"
