"""The table wrapper against a stubbed client: retries of unprocessed batch items, error
mapping, transaction cancellation, and the shapes of the requests it sends."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import Attr
from botocore.stub import ANY, Stubber

from strata.clock import ManualClock
from strata.errors import Conflict, InternalError, Throttled, Unavailable, ValidationError
from strata.store.actor import acting_as
from strata.store.codec import serialize_item
from strata.store.expressions import Expression
from strata.store.keys import ItemKey
from strata.store.requests import QuerySpec, stamped, update_request
from strata.store.table import Table
from strata.store.tokens import TokenSigner
from strata.store.transactions import TransactionFailed, TxPut, TxUpdate

NAME = "strata-test-main"


@pytest.fixture
def stubbed() -> tuple[Table, Stubber, list[float]]:
    client = boto3.client("dynamodb", region_name="us-east-1")
    sleeps: list[float] = []
    table = Table(
        client,
        NAME,
        TokenSigner("unit-test-secret-0123456789"),
        ManualClock(datetime(2026, 3, 1, tzinfo=UTC)),
        batch_attempts=3,
        sleep=sleeps.append,
    )
    return table, Stubber(client), sleeps


def key(n: int) -> ItemKey:
    return ItemKey("USER#u1", f"DOC#{n}")


def test_batch_get_retries_unprocessed_keys_until_done(
    stubbed: tuple[Table, Stubber, list[float]],
) -> None:
    # Given a first answer that leaves one key unprocessed, and a second that returns it
    table, stub, sleeps = stubbed
    one, two = (serialize_item({**key(n).to_item(), "n": n}) for n in (1, 2))
    stub.add_response(
        "batch_get_item",
        {
            "Responses": {NAME: [one]},
            "UnprocessedKeys": {NAME: {"Keys": [serialize_item(key(2).to_item())]}},
        },
    )
    stub.add_response(
        "batch_get_item",
        {"Responses": {NAME: [two]}, "UnprocessedKeys": {}},
        {
            "RequestItems": {
                NAME: {"Keys": [serialize_item(key(2).to_item())], "ConsistentRead": False}
            },
        },
    )

    # When both keys are read
    with stub:
        items = table.batch_get([key(1), key(2)])

    # Then both come back in key order after one jittered pause
    assert [i["n"] for i in items] == [1, 2]
    assert len(sleeps) == 1
    assert 0 <= sleeps[0] <= 0.05


def test_batch_write_gives_up_with_throttled_after_its_bound(
    stubbed: tuple[Table, Stubber, list[float]],
) -> None:
    # Given a table that never processes one of the writes
    table, stub, sleeps = stubbed
    left = [{"DeleteRequest": {"Key": serialize_item(key(1).to_item())}}]
    for _ in range(3):
        stub.add_response("batch_write_item", {"UnprocessedItems": {NAME: left}})

    # When the write is attempted, Then it ends as Throttled after three attempts
    with stub, pytest.raises(Throttled) as caught:
        table.batch_write(deletes=[key(1)])
    assert caught.value.details["unprocessed"] == 1
    assert len(sleeps) == 3
    assert sleeps[1] <= 0.1  # the ceiling doubles with each attempt
    assert sleeps[2] <= 0.2


def test_batch_write_splits_into_requests_of_25(
    stubbed: tuple[Table, Stubber, list[float]],
) -> None:
    table, stub, _ = stubbed
    for _ in range(3):
        stub.add_response("batch_write_item", {"UnprocessedItems": {}})
    with stub:
        table.batch_write(deletes=[key(n) for n in range(60)])
    stub.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("ProvisionedThroughputExceededException", Throttled),
        ("ThrottlingException", Throttled),
        ("RequestLimitExceeded", Throttled),
        ("InternalServerError", Unavailable),
        ("ResourceNotFoundException", Unavailable),
        # A request DynamoDB calls invalid is one Strata built: a 500, not "retry" (503)
        ("ValidationException", InternalError),
    ],
)
def test_client_errors_map_once_to_strata_errors(
    stubbed: tuple[Table, Stubber, list[float]], code: str, expected: type[Exception]
) -> None:
    table, stub, _ = stubbed
    stub.add_client_error("get_item", service_error_code=code, http_status_code=400)
    with stub, pytest.raises(expected):
        table.get(key(1))
    assert table.metrics.snapshot()["GetItem"]["failures"] == 1


def test_transaction_cancellation_names_the_failed_actions(
    stubbed: tuple[Table, Stubber, list[float]],
) -> None:
    # Given a transaction whose second action's condition fails
    table, stub, _ = stubbed
    stub.add_client_error(
        "transact_write_items",
        service_error_code="TransactionCanceledException",
        modeled_fields={
            "CancellationReasons": [
                {"Code": "None"},
                {"Code": "ConditionalCheckFailed", "Item": serialize_item({"version": 7})},
            ]
        },
    )
    actions: list[TxPut | TxUpdate] = [
        TxPut(key(1), {"a": 1}, create=True, label="first"),
        TxUpdate(key(2), set_values={"b": 2}, expected_version=6, label="second"),
    ]

    # When it runs, Then the error says which action failed and what the item was
    with stub, pytest.raises(TransactionFailed) as caught:
        table.transact(actions)
    assert caught.value.failed == ("second",)
    assert caught.value.current == {"second": {"version": 7}}
    assert isinstance(caught.value, Conflict)


@pytest.mark.parametrize(
    ("reasons", "expected"),
    [
        ([{"Code": "TransactionConflict"}], Conflict),
        ([{"Code": "ThrottlingError"}], Throttled),
        ([{"Code": "ValidationError"}], ValidationError),
    ],
)
def test_other_cancellation_reasons(
    stubbed: tuple[Table, Stubber, list[float]],
    reasons: list[dict[str, Any]],
    expected: type[Exception],
) -> None:
    table, stub, _ = stubbed
    stub.add_client_error(
        "transact_write_items",
        service_error_code="TransactionCanceledException",
        modeled_fields={"CancellationReasons": reasons},
    )
    with stub, pytest.raises(expected) as caught:
        table.transact([TxPut(key(1), {"a": 1})])
    assert not isinstance(caught.value, TransactionFailed)


def test_update_request_bumps_the_version_and_guards_it(
    stubbed: tuple[Table, Stubber, list[float]],
) -> None:
    # Given an update with an expected version and an extra condition
    table, stub, _ = stubbed
    captured: dict[str, Any] = {}

    def capture(params: dict[str, Any], **_: Any) -> None:
        captured.update(params)

    table.client.meta.events.register("before-parameter-build.dynamodb.UpdateItem", capture)
    stub.add_response(
        "update_item",
        {"Attributes": serialize_item({**key(1).to_item(), "version": 4})},
        {
            "TableName": NAME,
            "Key": serialize_item(key(1).to_item()),
            "UpdateExpression": ANY,
            "ConditionExpression": ANY,
            "ExpressionAttributeNames": ANY,
            "ExpressionAttributeValues": ANY,
            "ReturnValues": "ALL_NEW",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        },
    )

    # When it is sent
    with stub:
        table.update(
            key(1),
            set_values={"status": "ready", "gone": None},
            expected_version=3,
            condition=Attr("status").eq("processing"),
        )

    # Then it sets updatedAt, adds 1 to version, removes Nones (and updatedBy: no actor), and
    # checks all conditions
    names = captured["ExpressionAttributeNames"]
    expression = captured["UpdateExpression"]
    for placeholder, name in names.items():
        expression = expression.replace(placeholder, name)
    assert expression.startswith("SET status = ")
    assert "updatedAt = " in expression
    assert "ADD version " in expression
    assert expression.endswith("REMOVE updatedBy, gone")
    condition = captured["ConditionExpression"]
    for placeholder, name in names.items():
        condition = condition.replace(placeholder, name)
    assert "attribute_exists(PK)" in condition
    assert "version = " in condition
    assert "status = " in condition


def test_limits_outside_1_to_1000_are_refused(
    stubbed: tuple[Table, Stubber, list[float]],
) -> None:
    table, _, _ = stubbed
    for limit in (0, 1001):
        with pytest.raises(ValidationError):
            table.query(QuerySpec("USER#u1"), limit=limit)


def test_writes_record_the_current_actor_as_updated_by() -> None:
    # Given a write made while a caller acts, and one made automatically
    key = ItemKey("USER#u1", "PROFILE")
    with acting_as("user-1"):
        by_caller = update_request(Expression(), key, "2026-01-01T00:00:00.000000Z")
        created = stamped(key, {"updatedBy": "someone-else"}, "now", create=True)
    automatic = stamped(key, {"updatedBy": "user-1"}, "now", create=False)
    # Then the caller's write names the caller, and an automatic one names nobody
    assert {"updatedBy"} <= set(by_caller["ExpressionAttributeNames"].values())
    assert "REMOVE" not in by_caller["UpdateExpression"]
    assert created["updatedBy"] == "user-1"
    assert "updatedBy" not in automatic


def test_every_create_sends_the_condition_it_renders_for_a_new_item(
    stubbed: tuple[Table, Stubber, list[float]],
) -> None:
    # Given the condition a create must carry, rendered as the store renders conditions
    table, stub, _ = stubbed
    expression = Expression()
    condition = expression.condition(Attr("PK").not_exists())
    for n in (1, 2):
        item = stamped(key(n), {"n": n}, "2026-03-01T00:00:00.000000Z", create=True)
        stub.add_response(
            "put_item",
            {},
            {
                "TableName": NAME,
                "Item": serialize_item(item),
                "ConditionExpression": condition,
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                **expression.request_parts(),
            },
        )

    # When two items are created; Then each request is the full conditional put
    with stub:
        for n in (1, 2):
            assert table.create(key(n), {"n": n})["n"] == n
        stub.assert_no_pending_responses()


def test_a_read_asks_for_consistency_only_when_it_needs_it(
    stubbed: tuple[Table, Stubber, list[float]],
) -> None:
    # Given one eventually consistent read and one consistent read of the same key
    table, stub, _ = stubbed
    wire_key = serialize_item(key(1).to_item())
    stub.add_response("get_item", {}, {"TableName": NAME, "Key": wire_key})
    stub.add_response("get_item", {}, {"TableName": NAME, "Key": wire_key, "ConsistentRead": True})

    # When both are made; Then only the second request carries ConsistentRead (false is
    # DynamoDB's default)
    with stub:
        assert table.get(key(1)) is None
        assert table.get(key(1), consistent=True) is None
        stub.assert_no_pending_responses()
