"""The local stack's DynamoDB: a retried transaction (same ClientRequestToken) does not fail on
its own writes, as in DynamoDB; other requests pass through unchanged."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from local.aws import EmulatedAws
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
