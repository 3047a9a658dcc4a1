"""The local stack's DynamoDB: a retried transaction (same ClientRequestToken) does not fail on
its own writes, as in DynamoDB; other requests pass through unchanged; moto keeps no copy of a
table per transaction and no shard iterator past its 15 minutes."""

from __future__ import annotations

import gc
import uuid
from collections.abc import Iterator

import pytest
from moto.dynamodb.models.table import Table
from moto.dynamodbstreams.models import dynamodbstreams_backends

from local.aws import EmulatedAws
from local.events import ACCOUNT_ID, REGION
from local.moto_memory import StreamIterators
from strata.schema import MAIN_TABLE, create_table_kwargs


@pytest.fixture(scope="module")
def aws() -> Iterator[EmulatedAws]:
    emulator = EmulatedAws().start()
    yield emulator
    emulator.stop()


def put_once(table: str, key: str) -> dict[str, object]:
    return {
        "Put": {
            "TableName": table,
            "Item": {"PK": {"S": key}, "SK": {"S": "X"}},
            "ConditionExpression": "attribute_not_exists(PK)",
        }
    }


def test_a_retried_transaction_with_the_same_token_succeeds_without_writing_again(
    aws: EmulatedAws,
) -> None:
    ddb = aws.client("dynamodb")
    table = f"t-{uuid.uuid4().hex[:8]}"
    ddb.create_table(**create_table_kwargs(MAIN_TABLE, table))
    token = uuid.uuid4().hex
    # Given a transaction that went through
    ddb.transact_write_items(TransactItems=[put_once(table, "k1")], ClientRequestToken=token)
    # When it is sent again with the same token (a retry after a read timeout)
    ddb.transact_write_items(TransactItems=[put_once(table, "k1")], ClientRequestToken=token)
    # Then it succeeds, and the item is there once
    assert ddb.scan(TableName=table)["Count"] == 1
    # And the same writes under another token are refused, as DynamoDB would
    with pytest.raises(ddb.exceptions.TransactionCanceledException):
        ddb.transact_write_items(
            TransactItems=[put_once(table, "k1")], ClientRequestToken=uuid.uuid4().hex
        )


def _copies_of(table: str) -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, Table) and o.name == table)


def test_transactions_and_queries_leave_no_copy_of_the_table_behind(aws: EmulatedAws) -> None:
    # Given a table with a stream, read by a stream pump as the local stack does
    ddb, streams = aws.client("dynamodb"), aws.client("dynamodbstreams")
    table = f"t-{uuid.uuid4().hex[:8]}"
    arn = ddb.create_table(**create_table_kwargs(MAIN_TABLE, table))["TableDescription"][
        "LatestStreamArn"
    ]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    # When 30 transactions succeed, 30 are cancelled (moto deep-copies the table for each and
    # puts a copy back on cancel), the items are queried and the stream read between them
    for i in range(30):
        ddb.transact_write_items(TransactItems=[put_once(table, f"k{i}")])
        with pytest.raises(ddb.exceptions.TransactionCanceledException):
            ddb.transact_write_items(TransactItems=[put_once(table, f"k{i}")])
        ddb.query(
            TableName=table,
            KeyConditionExpression="PK = :k",
            ExpressionAttributeValues={":k": {"S": f"k{i}"}},
        )
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        streams.get_records(ShardIterator=iterator)
    # Then moto holds one table, not a copy per transaction (was 61 here, 2 GB under load)
    assert _copies_of(table) == 1
    # And every record is still readable from a fresh iterator
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    assert len(streams.get_records(ShardIterator=iterator)["Records"]) == 30


def test_shard_iterators_expire_after_15_minutes_as_in_dynamodb_streams(aws: EmulatedAws) -> None:
    # Given a shard iterator moto holds
    ddb, streams = aws.client("dynamodb"), aws.client("dynamodbstreams")
    arn = ddb.create_table(**create_table_kwargs(MAIN_TABLE, f"t-{uuid.uuid4().hex[:8]}"))[
        "TableDescription"
    ]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    backend = dynamodbstreams_backends[ACCOUNT_ID][REGION]
    iterators = StreamIterators()
    iterators.tidy(now=0.0)
    assert backend.shard_iterators
    # When they are tidied 15 minutes later
    iterators.tidy(now=StreamIterators.LIFETIME_SECONDS + 1)
    # Then moto holds none of them any more
    assert backend.shard_iterators == {}
