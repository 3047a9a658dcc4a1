"""Event sources, as Lambda runs them: the ingest queue, the table's stream, the schedule.

- :class:`QueuePump` is an SQS event source mapping: it receives up to 10 messages, invokes the
  function with a real SQS event and deletes what succeeded; the ``batchItemFailures`` stay in
  the queue, come back when their visibility timeout ends, and the queue's redrive policy moves
  them to the dead-letter queue after ``maxReceiveCount`` receives.
- :class:`StreamPump` is a DynamoDB stream event source mapping: shard by shard, in order, it
  invokes the function with batches of stream records and keeps a checkpoint (the last sequence
  number handled). A failed record is retried from the checkpoint with the batch after it; a
  batch whose invocation raised is bisected; after ``max_retries`` retries, or once the record is
  older than ``max_record_age``, the batch is described to the on-failure queue and skipped.
- :class:`Schedule` invokes a function with an EventBridge scheduled event every ``interval``.

A failure is always logged with the record (or message) it concerns.
"""

from __future__ import annotations

import abc
import json
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from local.events import ACCOUNT_ID, REGION
from local.functions import Function

log = logging.getLogger("local.pumps")


class Pump(abc.ABC):
    """A worker thread calling :meth:`run_once` until stopped; idle waits ``idle_seconds``."""

    name = "pump"

    def __init__(self, idle_seconds: float = 0.5, on_work: Callable[[], None] = lambda: None):
        self._idle = idle_seconds
        self._on_work = on_work
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @abc.abstractmethod
    def run_once(self) -> bool:
        """Do one unit of work; ``False`` when there was none."""

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                worked = self.run_once()
            except Exception:
                log.exception("%s: unexpected failure; carrying on", self.name)
                worked = False
            if worked:
                self._on_work()
            else:
                self._stop.wait(self._idle)

    def stop(self, drain_seconds: float = 0.0) -> None:
        """Stop the thread, then handle what is already waiting for up to ``drain_seconds``."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        deadline = time.monotonic() + drain_seconds
        while time.monotonic() < deadline:
            try:
                if not self.run_once():
                    return
            except Exception:
                log.exception("%s: failure while draining", self.name)
                return
            self._on_work()


class QueuePump(Pump):
    """SQS -> function, 10 messages a batch, partial batch failures honoured."""

    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        queue_arn: str,
        function: Function,
        *,
        batch_size: int = 10,
        idle_seconds: float = 0.5,
        on_work: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__(idle_seconds, on_work)
        self.name = f"sqs->{function.name}"
        self._sqs = sqs
        self._url = queue_url
        self._arn = queue_arn
        self._function = function
        self._batch_size = batch_size

    def run_once(self) -> bool:
        received = self._sqs.receive_message(
            QueueUrl=self._url,
            MaxNumberOfMessages=self._batch_size,
            WaitTimeSeconds=0,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not received:
            return False
        records = [self._record(message) for message in received]
        try:
            response = self._function.invoke({"Records": records}) or {}
            failed = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
        except Exception:
            log.exception("%s: the invocation failed; the whole batch is retried", self.name)
            failed = {record["messageId"] for record in records}
        done = [record for record in records if record["messageId"] not in failed]
        for record in records:
            if record["messageId"] in failed:
                log.warning(
                    "%s: message %s failed (receive %s); it returns after the visibility "
                    "timeout, then goes to the DLQ: %s",
                    self.name,
                    record["messageId"],
                    record["attributes"].get("ApproximateReceiveCount"),
                    record["body"],
                )
        for start in range(0, len(done), 10):
            self._sqs.delete_message_batch(
                QueueUrl=self._url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": r["receiptHandle"]}
                    for i, r in enumerate(done[start : start + 10])
                ],
            )
        return True

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": message.get("MessageAttributes", {}),
            "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": self._arn,
            "awsRegion": REGION,
        }


class StreamPump(Pump):
    """DynamoDB stream -> function, in shard order, with checkpoints and bounded retries."""

    def __init__(
        self,
        streams: Any,
        stream_arn: str,
        function: Function,
        *,
        sqs: Any,
        failure_queue_url: str,
        batch_size: int = 100,
        max_retries: int = 5,
        max_record_age: float = 3600.0,
        start_at_latest: bool = False,
        idle_seconds: float = 0.5,
        on_work: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__(idle_seconds, on_work)
        self.name = f"stream->{function.name}"
        self._streams = streams
        self._arn = stream_arn
        self._function = function
        self._sqs = sqs
        self._failure_queue = failure_queue_url
        self._batch_size = batch_size
        self._max_retries = max_retries
        self._max_age = max_record_age
        self._iterators: dict[str, str | None] = {}
        self._last_read: dict[str, str] = {}
        self._pending: dict[str, deque[dict[str, Any]]] = {}
        # Last sequence number handled, per shard: where a restart of the reader resumes.
        self.checkpoints: dict[str, str] = {}
        self._start_type = "LATEST" if start_at_latest else "TRIM_HORIZON"
        self._open_shards()

    def _open_shards(self) -> None:
        description = self._streams.describe_stream(StreamArn=self._arn)["StreamDescription"]
        for shard in description["Shards"]:
            shard_id = shard["ShardId"]
            if shard_id not in self._iterators:
                self._iterators[shard_id] = self._streams.get_shard_iterator(
                    StreamArn=self._arn, ShardId=shard_id, ShardIteratorType=self._start_type
                )["ShardIterator"]
                self._pending[shard_id] = deque()

    def run_once(self) -> bool:
        worked = False
        for shard_id in list(self._iterators):
            self._read(shard_id)
            pending = self._pending[shard_id]
            if pending:
                batch = [pending.popleft() for _ in range(min(self._batch_size, len(pending)))]
                self._deliver(shard_id, batch)
                worked = True
        return worked

    def _read(self, shard_id: str) -> None:
        iterator = self._iterators[shard_id]
        if iterator is None:
            return
        last = self._last_read.get(shard_id)
        if last is not None:
            # A fresh iterator after the last record read, every time: moto answers a cancelled
            # TransactWriteItems by restoring a copy of the table, whose stream shard is a new
            # object, and an iterator taken before that never sees another record.
            iterator = self._streams.get_shard_iterator(
                StreamArn=self._arn,
                ShardId=shard_id,
                ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                SequenceNumber=last,
            )["ShardIterator"]
        response = self._streams.get_records(ShardIterator=iterator, Limit=1000)
        self._iterators[shard_id] = response.get("NextShardIterator")
        records = [self._as_lambda(r) for r in response["Records"]]
        if records:
            self._last_read[shard_id] = _sequence(records[-1])
        self._pending[shard_id].extend(records)

    def _deliver(self, shard_id: str, batch: list[dict[str, Any]]) -> None:
        attempt = 0
        while batch:
            failed_at, raised = self._invoke(batch)
            if failed_at is None:
                self.checkpoints[shard_id] = _sequence(batch[-1])
                return
            if failed_at > 0:
                self.checkpoints[shard_id] = _sequence(batch[failed_at - 1])
            batch = batch[failed_at:]
            attempt += 1
            record = batch[0]
            log.warning(
                "%s: record %s failed (attempt %d of %d): %s",
                self.name,
                _sequence(record),
                attempt,
                self._max_retries + 1,
                json.dumps(record, default=str),
            )
            if attempt > self._max_retries or self._too_old(record):
                self._give_up(shard_id, batch)
                return
            if raised and len(batch) > 1:
                # Bisect: retry the first half alone; the rest goes back in front of the queue.
                half = len(batch) // 2
                self._pending[shard_id].extendleft(reversed(batch[half:]))
                batch = batch[:half]
            self._stop.wait(min(0.2 * 2**attempt, 5.0))

    def _invoke(self, batch: list[dict[str, Any]]) -> tuple[int | None, bool]:
        """Index of the first failed record (``None``: all handled) and whether it raised."""
        try:
            response = self._function.invoke({"Records": batch}) or {}
        except Exception:
            log.exception("%s: the invocation raised", self.name)
            return 0, True
        failed = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
        for index, record in enumerate(batch):
            if _sequence(record) in failed:
                return index, False
        return None, False

    def _too_old(self, record: dict[str, Any]) -> bool:
        created = float(record["dynamodb"].get("ApproximateCreationDateTime") or time.time())
        return time.time() - created > self._max_age

    def _give_up(self, shard_id: str, batch: list[dict[str, Any]]) -> None:
        info = {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:"
                f"strata-local-{self._function.name}",
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": self._max_retries + 1,
            },
            "DDBStreamBatchInfo": {
                "shardId": shard_id,
                "startSequenceNumber": _sequence(batch[0]),
                "endSequenceNumber": _sequence(batch[-1]),
                "batchSize": len(batch),
                "streamArn": self._arn,
            },
            "timestamp": datetime.now(UTC).isoformat(),
        }
        log.error(
            "%s: giving up on %d record(s), sent to the on-failure queue: %s",
            self.name,
            len(batch),
            json.dumps(info),
        )
        self._sqs.send_message(QueueUrl=self._failure_queue, MessageBody=json.dumps(info))
        self.checkpoints[shard_id] = _sequence(batch[-1])

    def _as_lambda(self, record: dict[str, Any]) -> dict[str, Any]:
        """``get_records`` gives ApproximateCreationDateTime as a datetime; Lambda gives epoch
        seconds, and adds the source ARN."""
        data = dict(record["dynamodb"])
        created = data.get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            data["ApproximateCreationDateTime"] = created.timestamp()
        return {**record, "dynamodb": data, "eventSourceARN": self._arn}


def _sequence(record: dict[str, Any]) -> str:
    return str(record["dynamodb"]["SequenceNumber"])


class Schedule(Pump):
    """EventBridge ``rate(interval)`` -> function with a scheduled event."""

    def __init__(
        self,
        function: Function,
        interval: float,
        rule_name: str,
        on_work: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__(idle_seconds=1.0, on_work=on_work)
        self.name = f"schedule->{function.name}"
        self._function = function
        self._interval = interval
        self._rule = rule_name
        self._next = time.monotonic() + interval

    def run_once(self) -> bool:
        if time.monotonic() < self._next or self._stop.is_set():
            return False
        self._next = time.monotonic() + self._interval
        event = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": ACCOUNT_ID,
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": REGION,
            "resources": [f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{self._rule}"],
            "detail": {},
        }
        started = time.monotonic()
        try:
            self._function.invoke(event)
        except Exception:
            log.exception("%s: the scheduled run failed: %s", self.name, json.dumps(event))
        else:
            log.info("%s: ran in %.0f ms", self.name, (time.monotonic() - started) * 1000)
        return True
