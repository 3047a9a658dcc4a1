"""``strata redrive``: move dead-letter messages back where they failed, with a count.

Ingest: the messages (S3 events) go back to the ingest queue as they were: 1 ReceiveMessage,
1 SendMessageBatch and 1 DeleteMessageBatch per 10 messages. A message is deleted from the
dead-letter queue only after the send succeeded, so a redrive cut short loses nothing (it may
send a message twice; ingestion is idempotent per object version).

Streams: a dead-letter message is Lambda's on-failure record of a batch (shard and sequence
numbers, not the records). The records are read back from the table's stream while it keeps
them (24 hours) and handed to the streams function again; the message is deleted once the
function has taken them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

import typer

from infra.names import Names, Output
from ops.console import console, progress, summary
from ops.context import target_of
from ops.target import Target, TargetError

BATCH = 10


@dataclass
class RedriveReport:
    moved: int = 0
    failed: int = 0


def redrive_queue(
    sqs: Any,
    source: str,
    destination: str,
    *,
    limit: int | None = None,
    tick: Callable[[int], None] | None = None,
) -> RedriveReport:
    report = RedriveReport()
    empty_receives = 0
    while limit is None or report.moved < limit:
        wanted = BATCH if limit is None else min(BATCH, limit - report.moved)
        received = sqs.receive_message(
            QueueUrl=source,
            MaxNumberOfMessages=wanted,
            WaitTimeSeconds=1,
            MessageAttributeNames=["All"],
            VisibilityTimeout=60,
        ).get("Messages", [])
        if not received:
            empty_receives += 1
            if empty_receives >= 2:
                return report
            continue
        entries = []
        for n, message in enumerate(received):
            entry: dict[str, Any] = {"Id": str(n), "MessageBody": message["Body"]}
            if message.get("MessageAttributes"):
                entry["MessageAttributes"] = message["MessageAttributes"]
            entries.append(entry)
        sent = sqs.send_message_batch(QueueUrl=destination, Entries=entries)
        ok = {entry["Id"] for entry in sent.get("Successful", [])}
        report.failed += len(sent.get("Failed", []))
        done = [m for n, m in enumerate(received) if str(n) in ok]
        if done:
            sqs.delete_message_batch(
                QueueUrl=source,
                Entries=[
                    {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(done)
                ],
            )
        report.moved += len(done)
        if tick is not None:
            tick(len(done))
    return report


def stream_records(streams: Any, batch: dict[str, Any]) -> list[dict[str, Any]]:
    """The records of a failed batch, read again from the stream: 1 GetShardIterator + 1
    GetRecords per 1,000 records."""
    iterator = streams.get_shard_iterator(
        StreamArn=batch["streamArn"],
        ShardId=batch["shardId"],
        ShardIteratorType="AT_SEQUENCE_NUMBER",
        SequenceNumber=batch["startSequenceNumber"],
    )["ShardIterator"]
    end = int(batch["endSequenceNumber"])
    records: list[dict[str, Any]] = []
    while iterator:
        response = streams.get_records(ShardIterator=iterator, Limit=1000)
        fresh = response.get("Records", [])
        for record in fresh:
            if int(record["dynamodb"]["SequenceNumber"]) > end:
                return records
            records.append(record)
        if not fresh:
            return records
        iterator = response.get("NextShardIterator")
    return records


def redrive_stream_failures(
    sqs: Any,
    streams: Any,
    queue: str,
    invoke: Callable[[dict[str, Any]], None],
    *,
    tick: Callable[[int], None] | None = None,
) -> RedriveReport:
    """Each on-failure record: its batch read again and handed to ``invoke`` (the streams
    function); the message is deleted only when that succeeded."""
    report = RedriveReport()
    while True:
        received = sqs.receive_message(
            QueueUrl=queue, MaxNumberOfMessages=BATCH, WaitTimeSeconds=1, VisibilityTimeout=300
        ).get("Messages", [])
        if not received:
            return report
        for message in received:
            batch = json.loads(message["Body"]).get("DDBStreamBatchInfo")
            try:
                if batch is None:
                    raise ValueError("not a DynamoDB stream on-failure record")
                invoke({"Records": stream_records(streams, batch)})
            except Exception as exc:
                console.print(f"[red]kept {message['MessageId']}: {exc}[/]", soft_wrap=True)
                report.failed += 1
                continue
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
            report.moved += 1
            if tick is not None:
                tick(1)
        if report.failed and report.failed >= len(received):
            return report


def _queue_url(target: Target, output: str, name: str) -> str:
    if target.outputs.get(output):
        return target.outputs[output]
    try:
        return str(target.client("sqs").get_queue_url(QueueName=name)["QueueUrl"])
    except Exception as exc:
        raise TargetError(f"no queue {name} in {target.name}") from exc


def lambda_invoker(target: Target, function: str) -> Callable[[dict[str, Any]], None]:
    client = target.client("lambda")

    def invoke(event: dict[str, Any]) -> None:
        response = client.invoke(FunctionName=function, Payload=json.dumps(event).encode())
        payload = json.loads(response["Payload"].read() or b"{}")
        if response.get("FunctionError") or (payload or {}).get("batchItemFailures"):
            raise RuntimeError(f"the streams function did not take the batch: {payload}")

    return invoke


def redrive_command(
    ctx: typer.Context,
    queue: Annotated[str, typer.Option(help="ingest, streams or all")] = "all",
    limit: Annotated[int | None, typer.Option(help="Move at most this many (ingest)")] = None,
) -> None:
    """Move the ingest and stream dead-letter messages back, with a count."""
    target = target_of(ctx)
    names = Names(target.settings.env)
    sqs = target.client("sqs")
    rows: dict[str, Any] = {}
    with progress() as bar:
        if queue in ("ingest", "all"):
            task = bar.add_task("ingest dead letters", total=None)
            report = redrive_queue(
                sqs,
                _queue_url(target, Output.INGEST_DLQ_URL, names.ingest_dead_letter_queue),
                _queue_url(target, Output.INGEST_QUEUE_URL, names.ingest_queue),
                limit=limit,
                tick=lambda n: bar.advance(task, n),
            )
            rows |= {"ingest moved": report.moved, "ingest failed": report.failed}
        if queue in ("streams", "all"):
            url = target.outputs.get(Output.STREAMS_DLQ_URL)
            function = target.outputs.get(Output.STREAMS_FUNCTION)
            if not url or not function:
                rows["streams"] = "no stream dead-letter queue in this environment"
            else:
                task = bar.add_task("stream dead letters", total=None)
                report = redrive_stream_failures(
                    sqs,
                    target.client("dynamodbstreams"),
                    url,
                    lambda_invoker(target, function),
                    tick=lambda n: bar.advance(task, n),
                )
                rows |= {"streams redriven": report.moved, "streams kept": report.failed}
    summary("redrive", rows)
    if any(isinstance(v, int) and v for k, v in rows.items() if "failed" in k or "kept" in k):
        raise typer.Exit(1)
