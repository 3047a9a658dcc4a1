"""The local stack's event sources against moto: SQS batches with partial failures, visibility
and the DLQ; stream batches in order with checkpoints, retries, bisection and the on-failure
queue; the schedule."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from local.functions import Function
from local.pumps import QueuePump, Schedule, StreamPump
from strata.schema import MAIN_TABLE
from tests.support.moto_server import MotoServer


def _queue(sqs: Any, *, visibility: int = 1, max_receives: int = 2) -> tuple[str, str, str]:
    dlq = sqs.create_queue(QueueName=f"dlq-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    url = sqs.create_queue(
        QueueName=f"q-{uuid.uuid4().hex[:8]}",
        Attributes={
            "VisibilityTimeout": str(visibility),
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receives)}
            ),
        },
    )["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return url, arn, dlq


def _until(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("the condition did not hold in time")


def _bodies(sqs: Any, url: str) -> list[str]:
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
    return [m["Body"] for m in got.get("Messages", [])]


def test_the_queue_pump_deletes_successes_and_redelivers_failures_until_the_dlq(
    moto_server: MotoServer,
) -> None:
    # Given a queue (visibility 1 s, two receives, then the DLQ) with a good and a bad message
    sqs = moto_server.client("sqs")
    url, arn, dlq = _queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="good")
    sqs.send_message(QueueUrl=url, MessageBody="bad")
    seen: list[tuple[str, str]] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        assert context.get_remaining_time_in_millis() > 0
        failures = []
        for record in event["Records"]:
            assert record["eventSource"] == "aws:sqs"
            assert record["eventSourceARN"] == arn
            seen.append((record["body"], record["attributes"]["ApproximateReceiveCount"]))
            if record["body"] == "bad":
                failures.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failures}

    pump = QueuePump(sqs, url, arn, Function.of("ingest", handler), idle_seconds=0.1)
    # When the pump runs until the bad message has been delivered twice
    pump.start()
    try:
        _until(lambda: [b for b, _ in seen].count("bad") >= 2)
        time.sleep(1.5)  # its visibility ends: the next receive moves it to the DLQ
    finally:
        pump.stop()
    # Then the good message was handled once, the bad one twice, and it is in the DLQ
    assert [b for b, _ in seen].count("good") == 1
    assert [c for b, c in seen if b == "bad"][:2] == ["1", "2"]
    assert _bodies(sqs, url) == []
    assert _bodies(sqs, dlq) == ["bad"]


def test_a_raising_invocation_retries_the_whole_batch(moto_server: MotoServer) -> None:
    # Given a function that raises on its first invocation only
    sqs = moto_server.client("sqs")
    url, arn, _ = _queue(sqs, max_receives=5)
    sqs.send_message(QueueUrl=url, MessageBody="once")
    calls: list[str] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        calls.append(event["Records"][0]["body"])
        if len(calls) == 1:
            raise RuntimeError("cold dependency")
        return {"batchItemFailures": []}

    pump = QueuePump(sqs, url, arn, Function.of("ingest", handler), idle_seconds=0.1)
    pump.start()
    try:
        _until(lambda: len(calls) >= 2)
    finally:
        pump.stop()
    # Then the message came back after its visibility and was handled the second time
    assert calls == ["once", "once"]
    assert _bodies(sqs, url) == []


class _StreamTable:
    def __init__(self, server: MotoServer) -> None:
        self.name = server.create_table(MAIN_TABLE)
        self.ddb = server.client("dynamodb")
        self.arn = self.ddb.describe_table(TableName=self.name)["Table"]["LatestStreamArn"]
        self.sqs = server.client("sqs")
        self.failures = self.sqs.create_queue(QueueName=f"f-{uuid.uuid4().hex[:8]}")["QueueUrl"]
        self.streams = server.client("dynamodbstreams")

    def put(self, key: str) -> None:
        self.ddb.put_item(TableName=self.name, Item={"PK": {"S": key}, "SK": {"S": "X"}})

    def pump(self, handler: Any, **kwargs: Any) -> StreamPump:
        return StreamPump(
            self.streams,
            self.arn,
            Function.of("streams", handler),
            sqs=self.sqs,
            failure_queue_url=self.failures,
            idle_seconds=0.05,
            **kwargs,
        )


def _key(record: dict[str, Any]) -> str:
    return str(record["dynamodb"]["Keys"]["PK"]["S"])


def test_the_stream_pump_delivers_in_order_and_retries_from_the_failed_record(
    moto_server: MotoServer,
) -> None:
    # Given five writes, and a function that fails record "k2" on its first try
    table = _StreamTable(moto_server)
    for i in range(5):
        table.put(f"k{i}")
    deliveries: list[list[str]] = []
    lock = threading.Lock()

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        keys = [_key(r) for r in event["Records"]]
        assert all(r["eventSourceARN"] == table.arn for r in event["Records"])
        with lock:
            deliveries.append(keys)
            first_try = len(deliveries) == 1
        failed = [r for r in event["Records"] if _key(r) == "k2" and first_try]
        return {
            "batchItemFailures": [
                {"itemIdentifier": r["dynamodb"]["SequenceNumber"]} for r in failed
            ]
        }

    pump = table.pump(handler)
    # When the pump runs
    pump.run_once()
    # Then the batch came in write order, and the retry started at the failed record
    assert deliveries == [["k0", "k1", "k2", "k3", "k4"], ["k2", "k3", "k4"]]
    # And the checkpoint is the last record
    shard_checkpoints = list(pump.checkpoints.values())
    assert len(shard_checkpoints) == 1
    assert _bodies(table.sqs, table.failures) == []


def test_a_record_that_keeps_failing_goes_to_the_on_failure_queue(
    moto_server: MotoServer,
) -> None:
    # Given a function that raises on every batch holding "bad"
    table = _StreamTable(moto_server)
    for key in ("a", "bad", "c"):
        table.put(key)
    deliveries: list[list[str]] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        keys = [_key(r) for r in event["Records"]]
        deliveries.append(keys)
        if "bad" in keys:
            raise RuntimeError("poison record")
        return {"batchItemFailures": []}

    pump = table.pump(handler, max_retries=2)
    # When the pump runs until nothing is left
    while pump.run_once():
        pass
    # Then the batch was bisected, "bad" retried twice more, then described to the failure queue
    assert deliveries[0] == ["a", "bad", "c"]
    assert ["a"] in deliveries
    assert deliveries.count(["bad"]) >= 2
    assert deliveries[-1] == ["c"]
    described = [json.loads(body) for body in _bodies(table.sqs, table.failures)]
    assert len(described) == 1
    assert described[0]["DDBStreamBatchInfo"]["batchSize"] == 1
    assert described[0]["requestContext"]["condition"] == "RetryAttemptsExhausted"


def test_a_pump_started_at_latest_skips_earlier_records(moto_server: MotoServer) -> None:
    # Given writes made before the pump starts (as when the saved state is loaded)
    table = _StreamTable(moto_server)
    table.put("loaded")
    seen: list[str] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.extend(_key(r) for r in event["Records"])
        return {"batchItemFailures": []}

    pump = table.pump(handler, start_at_latest=True)
    # When a new write follows
    table.put("new")
    while pump.run_once():
        pass
    # Then only the new write is delivered
    assert seen == ["new"]


def test_records_written_after_a_cancelled_transaction_still_arrive(
    moto_server: MotoServer,
) -> None:
    # Given a pump that has read a first record
    table = _StreamTable(moto_server)
    seen: list[str] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.extend(_key(r) for r in event["Records"])
        return {"batchItemFailures": []}

    pump = table.pump(handler)
    table.put("before")
    while pump.run_once():
        pass
    # When a transaction is cancelled (moto then restores a copy of the table and its stream)
    condition = {"PK": {"S": "before"}, "SK": {"S": "X"}}
    with pytest.raises(table.ddb.exceptions.TransactionCanceledException):
        table.ddb.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": table.name,
                        "Item": condition,
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                }
            ]
        )
    table.put("after")
    while pump.run_once():
        pass
    # Then the record written after it is still delivered
    assert seen == ["before", "after"]


def test_the_schedule_sends_a_scheduled_event_each_interval() -> None:
    events: list[dict[str, Any]] = []
    schedule = Schedule(
        Function.of("maintenance", lambda event, context: events.append(event)),
        interval=0.2,
        rule_name="strata-local-maintenance",
    )
    schedule.start()
    try:
        _until(lambda: len(events) >= 2, timeout=10)
    finally:
        schedule.stop()
    assert events[0]["detail-type"] == "Scheduled Event"
    assert events[0]["source"] == "aws.events"
    assert events[0]["resources"][0].endswith(":rule/strata-local-maintenance")


@pytest.mark.parametrize("raises", [True, False])
def test_a_failing_scheduled_run_is_logged_and_the_schedule_goes_on(
    raises: bool, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[int] = []

    def handler(event: dict[str, Any], context: Any) -> None:
        calls.append(1)
        if raises:
            raise RuntimeError("sweep failed")

    schedule = Schedule(Function.of("maintenance", handler), interval=0.0, rule_name="r")
    assert schedule.run_once() is True
    assert schedule.run_once() is True
    assert len(calls) == 2
    assert ("the scheduled run failed" in caplog.text) is raises
