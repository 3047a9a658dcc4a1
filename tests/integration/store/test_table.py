"""The table wrapper against moto: locking, pagination, tokens, batches, transactions, errors."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import Attr
from botocore.awsrequest import AWSResponse
from botocore.config import Config

from strata.clock import ManualClock
from strata.errors import Conflict, NotFound, Throttled, ValidationError
from strata.store.expressions import SortCondition
from strata.store.keys import ItemKey
from strata.store.requests import QuerySpec
from strata.store.table import ConditionFailed, Table
from strata.store.tokens import TokenSigner
from strata.store.transactions import TransactionFailed, TxDelete, TxPut, TxUpdate
from tests.integration.store.conftest import TOKEN_SECRET
from tests.support.moto_server import MotoServer
from tests.support.request_counter import RequestCounter


def fill(table: Table, partition: str, count: int, prefix: str = "MSG#") -> list[str]:
    sort_keys = [f"{prefix}{n:04d}" for n in range(count)]
    table.batch_write(puts=[{"PK": partition, "SK": sk, "n": i} for i, sk in enumerate(sort_keys)])
    return sort_keys


def test_writes_keep_timestamps_and_versions(table: Table, clock: ManualClock) -> None:
    # Given a created item
    key = ItemKey("USER#u1", "DOC#1")
    created = table.create(key, {"status": "uploading", "score": 0.25})
    assert (created["version"], created["createdAt"]) == (1, "2026-03-01T12:00:00.000000Z")

    # When it is updated later
    clock.advance(timedelta(minutes=5))
    updated = table.update(key, set_values={"status": "ready"}, expected_version=1)

    # Then createdAt stays, updatedAt moves, version grows, numbers come back as numbers
    assert updated["createdAt"] == created["createdAt"]
    assert updated["updatedAt"] == "2026-03-01T12:05:00.000000Z"
    assert updated["version"] == 2
    assert table.get(key) == updated
    assert isinstance(updated["score"], float)

    # And creating it again is a conflict, deleting returns the old item
    with pytest.raises(Conflict, match="already exists"):
        table.create(key, {"status": "x"})
    assert table.delete(key) == updated
    assert table.get(key) is None


def test_a_stale_version_is_a_conflict_carrying_the_current_version(table: Table) -> None:
    key = ItemKey("USER#u1", "DOC#1")
    table.create(key, {"title": "a"})
    table.update(key, set_values={"title": "b"}, expected_version=1)
    with pytest.raises(Conflict) as caught:
        table.update(key, set_values={"title": "c"}, expected_version=1)
    assert caught.value.details == {"currentVersion": 2}
    with pytest.raises(Conflict):
        table.put(key, {"title": "d"}, expected_version=1)
    with pytest.raises(Conflict):
        table.delete(key, expected_version=1)
    with pytest.raises(NotFound):
        table.update(ItemKey("USER#u1", "DOC#missing"), set_values={"title": "x"})


def test_only_one_of_many_concurrent_writers_wins(table: Table) -> None:
    # Given an item at version 1 and eight writers that all read version 1
    key = ItemKey("USER#u1", "DOC#1")
    table.create(key, {"title": "original"})
    start = threading.Barrier(8)

    def write(n: int) -> str:
        start.wait()
        try:
            table.update(key, set_values={"title": f"writer {n}"}, expected_version=1)
        except Conflict as exc:
            return f"conflict {exc.details['currentVersion']}"
        return "won"

    # When they all write at once
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(write, range(8)))

    # Then exactly one wins and every other sees version 2
    assert outcomes.count("won") == 1
    assert outcomes.count("conflict 2") == 7
    assert table.get(key, consistent=True)["version"] == 2  # type: ignore[index]


def test_a_failed_custom_condition_reports_the_current_item(table: Table) -> None:
    key = ItemKey("USER#u1", "DOC#1")
    table.create(key, {"status": "ready"})
    with pytest.raises(ConditionFailed) as caught:
        table.update(key, set_values={"status": "ready"}, condition=Attr("status").eq("processing"))
    assert caught.value.current is not None
    assert caught.value.current["status"] == "ready"


@pytest.mark.parametrize("forward", [True, False])
def test_pages_cover_the_partition_once_in_either_direction(table: Table, forward: bool) -> None:
    # Given 23 items in one partition
    expected = fill(table, "USER#u1#SESSION#s1", 23)
    spec = QuerySpec("USER#u1#SESSION#s1", sort=SortCondition.begins_with("MSG#"), forward=forward)

    # When they are read in pages of 5
    seen: list[str] = []
    token: str | None = None
    pages = 0
    while True:
        page = table.query(spec, limit=5, next_token=token)
        seen += [item["SK"] for item in page.items]
        pages += 1
        token = page.next_token
        if token is None:
            break

    # Then every item comes once, in order, over five or six pages
    assert seen == (expected if forward else expected[::-1])
    assert pages in (5, 6)


def test_sort_key_ranges_and_projections(table: Table) -> None:
    fill(table, "P", 10)
    spec = QuerySpec("P", sort=SortCondition.between("MSG#0003", "MSG#0005"), projection=("n",))
    page = table.query(spec, limit=50)
    assert page.items == [{"n": 3}, {"n": 4}, {"n": 5}]
    assert page.next_token is None


def test_tampered_and_foreign_tokens_are_refused(table: Table) -> None:
    # Given a first page of Alice's partition
    fill(table, "USER#alice", 6)
    fill(table, "USER#bob", 6)
    alice = QuerySpec("USER#alice")
    token = table.query(alice, limit=2).next_token
    assert token is not None

    # Then it does not open Bob's partition, the other direction, or a tampered variant
    with pytest.raises(ValidationError):
        table.query(QuerySpec("USER#bob"), limit=2, next_token=token)
    with pytest.raises(ValidationError):
        table.query(QuerySpec("USER#alice", forward=False), limit=2, next_token=token)
    with pytest.raises(ValidationError):
        table.query(alice, limit=2, next_token=token[:-3] + "AAA")
    other_secret = Table(table.client, table.name, TokenSigner("x" * 32), table.clock)
    with pytest.raises(ValidationError):
        other_secret.query(alice, limit=2, next_token=token)
    # And the genuine token still works
    assert len(table.query(alice, limit=2, next_token=token).items) == 2


@pytest.mark.parametrize("forward", [True, False])
def test_merged_shards_page_in_global_order(table: Table, forward: bool) -> None:
    # Given 30 items spread over four shard partitions of GSI3
    items = [
        {"PK": f"ITEM#{n}", "SK": "X", "GSI3PK": f"TYPE#T#{n % 4}", "GSI3SK": f"{n:03d}"}
        for n in range(30)
    ]
    table.batch_write(puts=items)
    specs = [QuerySpec(f"TYPE#T#{s}", index="GSI3", forward=forward) for s in range(4)]

    # When they are read merged, 7 at a time
    seen: list[str] = []
    token: str | None = None
    while True:
        page = table.query_merged(specs, limit=7, next_token=token)
        assert len(page.items) <= 7
        seen += [item["GSI3SK"] for item in page.items]
        token = page.next_token
        if token is None:
            break

    # Then each item appears once, in global sort order
    expected = [f"{n:03d}" for n in range(30)]
    assert seen == (expected if forward else expected[::-1])
    # And a merged token is bound to its shard set
    first = table.query_merged(specs, limit=7)
    with pytest.raises(ValidationError):
        table.query_merged(specs[:3], limit=7, next_token=first.next_token)


def test_batches_beyond_one_request(table: Table) -> None:
    # Given 130 items written in one call (six BatchWriteItem requests)
    keys = [ItemKey("P", sk) for sk in fill(table, "P", 130)]

    # When they are read back with a missing key and a duplicate among them
    with RequestCounter(table.client) as counts:
        items = table.batch_get([*keys, ItemKey("P", "missing"), keys[0]])

    # Then two requests return every item once, in key order
    assert counts.by_operation == {"BatchGetItem": 2}
    assert [item["SK"] for item in items] == [k.sk for k in keys]


def test_transactions_are_all_or_nothing(table: Table) -> None:
    # Given an existing item
    table.create(ItemKey("GROUP#g1", "METADATA"), {"name": "g"})

    # When a transaction would create it again alongside another write
    with pytest.raises(TransactionFailed) as caught:
        table.transact(
            [
                TxPut(ItemKey("GROUP#g1", "MEMBER#u1"), {"role": "member"}, create=True, label="m"),
                TxPut(ItemKey("GROUP#g1", "METADATA"), {"name": "h"}, create=True, label="group"),
            ]
        )

    # Then the failed action is named, its current item shown, and nothing was written
    assert caught.value.failed == ("group",)
    assert caught.value.current["group"]["name"] == "g"  # type: ignore[index]
    assert table.get(ItemKey("GROUP#g1", "MEMBER#u1")) is None

    # And a valid transaction applies every action
    written = table.transact(
        [
            TxPut(ItemKey("GROUP#g1", "MEMBER#u1"), {"role": "member"}, create=True, label="m"),
            TxUpdate(ItemKey("GROUP#g1", "METADATA"), add_values={"count": 1}),
        ]
    )
    assert written["m"]["version"] == 1
    assert table.get(ItemKey("GROUP#g1", "METADATA"))["count"] == 1  # type: ignore[index]
    with pytest.raises(ValueError, match="only once"):
        table.transact([TxDelete(ItemKey("A", "1")), TxDelete(ItemKey("A", "1"))])


def test_an_item_over_400_kb_is_refused_before_it_is_sent(table: Table) -> None:
    with RequestCounter(table.client) as counts, pytest.raises(ValidationError, match="bytes"):
        table.create(ItemKey("P", "S"), {"blob": "x" * 410_000})
    assert counts.total == 0


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body


def test_throttling_surfaces_as_throttled_after_botocore_retries(
    moto_server: MotoServer, main_table: str, clock: ManualClock
) -> None:
    # Given a client (standard retries: 1 attempt + 2 retries) whose every send is throttled
    client = boto3.client(
        "dynamodb",
        endpoint_url=moto_server.endpoint,
        region_name="us-east-1",
        config=Config(retries={"mode": "standard", "max_attempts": 2}),
    )
    body = b'{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"slow"}'

    def throttle(request: Any, **_: Any) -> AWSResponse:
        return AWSResponse(
            request.url, 400, {"Content-Type": "application/x-amz-json-1.0"}, _Raw(body)
        )

    client.meta.events.register("before-send.dynamodb", throttle)
    table = Table(client, main_table, TokenSigner(TOKEN_SECRET), clock)

    # When an item is read
    with RequestCounter(client) as counts, pytest.raises(Throttled):
        table.get(ItemKey("P", "S"))

    # Then botocore tried three times before the wrapper raised Throttled
    assert counts.by_operation == {"GetItem": 1}
    assert counts.attempts == {"GetItem": 3}
    assert table.metrics.snapshot()["GetItem"]["failures"] == 1


def test_health_and_request_metrics(table: Table) -> None:
    table.create(ItemKey("P", "S"), {"a": 1})
    table.get(ItemKey("P", "S"))
    health = table.health()
    snapshot = table.metrics.snapshot()
    assert health.healthy
    assert health.error is None
    assert snapshot["GetItem"]["requests"] == 2
    assert snapshot["PutItem"]["requests"] == 1
    assert table.metrics.total_requests == 3
    assert table.metrics.failed_requests == 0


def test_health_reports_an_unreachable_table(moto_server: MotoServer, clock: ManualClock) -> None:
    client = moto_server.client("dynamodb")
    health = Table(client, "no-such-table", TokenSigner(TOKEN_SECRET), clock).health()
    assert not health.healthy
    assert health.error == "Unavailable"


def test_a_shard_that_fills_a_whole_page_and_has_more_is_not_dropped(table: Table) -> None:
    # Given shard 0 holds the ten earliest items and shard 1 five later ones
    items = [
        {"PK": f"ITEM#{n}", "SK": "X", "GSI3PK": "TYPE#F#0", "GSI3SK": f"{n:03d}"}
        for n in range(10)
    ] + [
        {"PK": f"ITEM#{n}", "SK": "X", "GSI3PK": "TYPE#F#1", "GSI3SK": f"{n:03d}"}
        for n in range(100, 105)
    ]
    table.batch_write(puts=items)
    specs = [QuerySpec(f"TYPE#F#{s}", index="GSI3") for s in range(2)]
    # When pages of 5 are read: the first one entirely from shard 0, which still has more
    seen: list[str] = []
    token: str | None = None
    while True:
        page = table.query_merged(specs, limit=5, next_token=token)
        seen += [item["GSI3SK"] for item in page.items]
        token = page.next_token
        if token is None:
            break
    # Then no item is lost or repeated
    assert seen == [f"{n:03d}" for n in range(10)] + [f"{n:03d}" for n in range(100, 105)]


def test_an_update_whose_result_would_be_too_large_is_refused_before_it_is_sent(
    table: Table,
) -> None:
    # Given an item already holding 300 KB, in an attribute and inside a map
    key = ItemKey("P", "BIG")
    table.create(key, {"a": "x" * 200_000, "m": {"y": "y" * 100_000}})
    # When updates would add 150 KB next to it (a new attribute; a new key of the map)
    for values in ({"b": "z" * 150_000}, {"m.z": "z" * 150_000}):
        with RequestCounter(table.client) as counts, pytest.raises(ValidationError) as caught:
            table.update(key, set_values=values)
        # Then each is refused after one read, with no write sent, naming the size
        assert dict(counts.by_operation) == {"GetItem": 1}
        assert caught.value.details["size"] > caught.value.details["limit"]
    stored = table.get(key)
    assert stored is not None
    assert (stored["version"], set(stored), set(stored["m"])) == (
        1,
        {"PK", "SK", "a", "m", "createdAt", "updatedAt", "version"},
        {"y"},
    )


def test_a_large_update_that_replaces_what_was_there_fits(table: Table) -> None:
    key = ItemKey("P", "SWAP")
    table.create(key, {"a": "x" * 150_000})
    with RequestCounter(table.client) as counts:
        table.update(key, set_values={"a": "y" * 150_000})
    assert dict(counts.by_operation) == {"GetItem": 1, "UpdateItem": 1}
    # And a small update is not read first
    with RequestCounter(table.client) as counts:
        table.update(key, set_values={"title": "t"})
    assert dict(counts.by_operation) == {"UpdateItem": 1}
