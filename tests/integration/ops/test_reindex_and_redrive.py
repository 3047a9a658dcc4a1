"""`strata reindex` restores search from stored chunks and embeddings with no embedding call;
`strata redrive` moves dead-letter messages back with a count."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from typer.testing import CliRunner

from infra.names import Output
from ops.cli import app
from ops.redrive import redrive_stream_failures
from ops.reindex import Reindexer
from ops.target import Target
from strata.models.users import CognitoClaims
from strata.search.local import LocalLexicalEmbedder, LocalVectorIndex
from tests.integration.ops.seed import ingest_document
from tests.support.moto_server import MotoServer

runner = CliRunner()


def invoke(target: Target, *args: str) -> Any:
    return runner.invoke(app, list(args), obj=target)


def search(target: Target, user: str, query: str) -> list[str]:
    vector = LocalLexicalEmbedder(target.settings.embedding_dimension).embed([query])[0]
    return [hit.chunkId for hit in target.vector_index.search_chunks(user, vector, 3)]


def test_reindex_restores_search_after_the_index_is_emptied(
    target: Target, vector_index: LocalVectorIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given two users' ingested documents that search finds
    for user in ("ann", "bob"):
        target.repositories.users.upsert_from_claims(
            CognitoClaims.model_validate({"sub": user, "email": f"{user}@example.com"})
        )
    ingest_document(target, "ann", "herons", "Herons wade in shallow water hunting fish.")
    ingest_document(target, "bob", "owls", "Owls hunt at night with silent feathers.")
    before = {user: search(target, user, q) for user, q in (("ann", "herons"), ("bob", "owls"))}
    assert all(before.values())
    # When the index loses every vector
    vector_index.delete_document("ann", "herons")
    vector_index.delete_document("bob", "owls")
    assert search(target, "ann", "herons") == []

    def no_embedding(*_: Any, **__: Any) -> Any:
        raise AssertionError("reindex must not embed when stored embeddings fit")

    monkeypatch.setattr("strata.search.factory.build_embedder", no_embedding)
    # And everything is reindexed
    result = invoke(target, "reindex")
    # Then search finds what it found before, and no embedding was made
    assert result.exit_code == 0, result.output
    assert {
        user: search(target, user, q) for user, q in (("ann", "herons"), ("bob", "owls"))
    } == before


def test_reindex_of_one_document_and_a_model_change_needs_consent(
    target: Target, vector_index: LocalVectorIndex
) -> None:
    target.repositories.users.upsert_from_claims(
        CognitoClaims.model_validate({"sub": "ann", "email": "ann@example.com"})
    )
    ingest_document(target, "ann", "herons", "Herons wade in shallow water hunting fish.")
    ingest_document(target, "ann", "egrets", "Egrets are white herons of warm marshes.")
    vector_index.delete_document("ann", "herons")
    vector_index.delete_document("ann", "egrets")
    one = invoke(target, "reindex", "--user", "ann", "--document", "herons")
    assert one.exit_code == 0, one.output
    assert vector_index.chunk_count("ann", "herons") > 0
    assert vector_index.chunk_count("ann", "egrets") == 0
    other_model = target.settings.model_copy(
        update={"embedder": "bedrock", "embedding_model_id": "amazon.other"}
    )
    moved = Target(
        target.name,
        other_model,
        target.session,
        target.endpoint_url,
        vector_index_factory=lambda: vector_index,
    )
    refused = invoke(moved, "reindex", "--user", "ann")
    assert refused.exit_code == 1
    assert "--allow-embedding" in refused.output


def _queue(moto_server: MotoServer, name: str) -> str:
    url: str = moto_server.client("sqs").create_queue(QueueName=name)["QueueUrl"]
    return url


def test_redrive_moves_ingest_dead_letters_back_with_a_count(
    target: Target, moto_server: MotoServer
) -> None:
    sqs = moto_server.client("sqs")
    suffix = uuid.uuid4().hex[:6]
    source, dlq = _queue(moto_server, f"ingest-{suffix}"), _queue(moto_server, f"dlq-{suffix}")
    for n in range(13):
        sqs.send_message(QueueUrl=dlq, MessageBody=json.dumps({"Records": [{"n": n}]}))
    deployed = Target(
        target.name,
        target.settings,
        target.session,
        target.endpoint_url,
        outputs={Output.INGEST_DLQ_URL: dlq, Output.INGEST_QUEUE_URL: source},
    )
    result = invoke(deployed, "redrive", "--queue", "ingest")
    assert result.exit_code == 0, result.output
    assert "13" in result.output
    moved = []
    while batch := sqs.receive_message(QueueUrl=source, MaxNumberOfMessages=10).get("Messages"):
        moved += [json.loads(m["Body"])["Records"][0]["n"] for m in batch]
        sqs.delete_message_batch(
            QueueUrl=source,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)
            ],
        )
    assert sorted(moved) == list(range(13))
    assert not sqs.receive_message(QueueUrl=dlq).get("Messages")


def test_stream_failures_are_read_again_from_the_stream_and_handed_back(
    target: Target, moto_server: MotoServer
) -> None:
    # Given a write on the table's stream and an on-failure record of its batch
    target.repositories.users.upsert_from_claims(
        CognitoClaims.model_validate({"sub": "ann", "email": "ann@example.com"})
    )
    ddb, streams = moto_server.client("dynamodb"), moto_server.client("dynamodbstreams")
    arn = ddb.describe_table(TableName=target.settings.table_name)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator)["Records"]
    failure = {
        "DDBStreamBatchInfo": {
            "shardId": shard["ShardId"],
            "streamArn": arn,
            "startSequenceNumber": records[0]["dynamodb"]["SequenceNumber"],
            "endSequenceNumber": records[-1]["dynamodb"]["SequenceNumber"],
            "batchSize": 2,
        }
    }
    dlq = _queue(moto_server, f"streams-dlq-{uuid.uuid4().hex[:6]}")
    sqs = moto_server.client("sqs")
    sqs.send_message(QueueUrl=dlq, MessageBody=json.dumps(failure))
    sqs.send_message(QueueUrl=dlq, MessageBody=json.dumps({"unrelated": True}))
    handed: list[dict[str, Any]] = []
    # When the stream failures are redriven
    report = redrive_stream_failures(sqs, streams, dlq, handed.append)
    # Then the batch's records reach the function again; the foreign message stays
    assert report.moved == 1
    assert report.failed == 1
    assert [r["dynamodb"]["SequenceNumber"] for r in handed[0]["Records"]] == [
        r["dynamodb"]["SequenceNumber"] for r in records
    ]


def test_an_interrupted_reindex_resumes_without_redoing_documents(
    target: Target, vector_index: LocalVectorIndex, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    target.repositories.users.upsert_from_claims(
        CognitoClaims.model_validate({"sub": "ann", "email": "ann@example.com"})
    )
    ingest_document(target, "ann", "herons", "Herons wade in shallow water hunting fish.")
    ingest_document(target, "ann", "egrets", "Egrets are white herons of warm marshes.")
    for document in ("herons", "egrets"):
        vector_index.delete_document("ann", document)
    original = Reindexer.reindex
    seen: list[str] = []

    def interrupting(self: Reindexer, document: Any, report: Any) -> None:
        seen.append(document.document_id)
        if len(seen) == 2:
            raise KeyboardInterrupt
        original(self, document, report)

    checkpoint = tmp_path / "reindex.json"
    monkeypatch.setattr(Reindexer, "reindex", interrupting)
    stopped = invoke(target, "reindex", "--checkpoint", str(checkpoint))
    assert stopped.exit_code == 130, stopped.output
    monkeypatch.setattr(Reindexer, "reindex", original)
    resumed = invoke(target, "reindex", "--checkpoint", str(checkpoint), "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert "already done" in resumed.output
    assert vector_index.chunk_count("ann", "herons") > 0
    assert vector_index.chunk_count("ann", "egrets") > 0
    assert not checkpoint.exists()
