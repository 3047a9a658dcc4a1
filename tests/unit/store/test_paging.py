"""Merging sharded query results into one page: each shard's position after the page."""

from __future__ import annotations

from typing import Any

from strata.store.paging import DONE, ShardRun, merge_runs
from strata.store.requests import QuerySpec


def _item(shard: int, sort: str) -> dict[str, Any]:
    return {"PK": f"ITEM#{shard}-{sort}", "SK": "X", "GSI3PK": f"TYPE#T#{shard}", "GSI3SK": sort}


def _run(shard: int, sorts: list[str], *, more: bool, forward: bool = True) -> ShardRun:
    items = [_item(shard, s) for s in sorts]
    last = {k: items[-1][k] for k in ("PK", "SK", "GSI3PK", "GSI3SK")} if more else None
    return ShardRun(QuerySpec(f"TYPE#T#{shard}", index="GSI3", forward=forward), items, last)


def _sorts(items: list[dict[str, Any]]) -> list[str]:
    return [str(item["GSI3SK"]) for item in items]


def test_a_shard_that_fills_the_whole_page_and_has_more_keeps_its_position() -> None:
    # Given shard 0 returns a full page of the earliest items and has more beyond them
    zero = _run(0, ["000", "001", "002"], more=True)
    one = _run(1, ["100", "101"], more=False)
    # When the page of 3 is merged
    page, state = merge_runs([zero, one], {"TYPE#T#0": None, "TYPE#T#1": None}, limit=3)
    # Then shard 0 resumes after its last item (not DONE: that would drop the rest), and
    # shard 1, none of whose items made the page, starts again from where it was
    assert _sorts(page) == ["000", "001", "002"]
    assert state["TYPE#T#0"] == zero.last_key
    assert state["TYPE#T#0"] != DONE
    assert state["TYPE#T#1"] is None


def test_a_shard_whose_items_all_made_the_page_and_has_no_more_is_done() -> None:
    zero = _run(0, ["000"], more=False)
    one = _run(1, ["100", "101", "102"], more=True)
    page, state = merge_runs([zero, one], {"TYPE#T#0": None, "TYPE#T#1": None}, limit=3)
    assert _sorts(page) == ["000", "100", "101"]
    assert state["TYPE#T#0"] == DONE
    # Shard 1 resumes after the last of its items that made the page, not after its run
    assert state["TYPE#T#1"] == {
        "PK": "ITEM#1-101",
        "SK": "X",
        "GSI3PK": "TYPE#T#1",
        "GSI3SK": "101",
    }


def test_items_interleave_in_sort_order_and_the_page_stops_at_the_limit() -> None:
    zero = _run(0, ["001", "004", "005"], more=False)
    one = _run(1, ["002", "003", "006"], more=False)
    page, state = merge_runs([zero, one], {"TYPE#T#0": None, "TYPE#T#1": None}, limit=4)
    assert _sorts(page) == ["001", "002", "003", "004"]
    assert state["TYPE#T#0"]["GSI3SK"] == "004"
    assert state["TYPE#T#1"]["GSI3SK"] == "003"


def test_newest_first_merges_in_descending_order() -> None:
    zero = _run(0, ["005", "001"], more=False, forward=False)
    one = _run(1, ["004", "002"], more=False, forward=False)
    page, state = merge_runs([zero, one], {"TYPE#T#0": None, "TYPE#T#1": None}, limit=3)
    assert _sorts(page) == ["005", "004", "002"]
    assert state["TYPE#T#0"]["GSI3SK"] == "005"
    assert state["TYPE#T#1"] == DONE


def test_a_page_with_room_for_everything_finishes_every_shard() -> None:
    zero = _run(0, ["001"], more=False)
    one = _run(1, [], more=False)
    page, state = merge_runs([zero, one], {"TYPE#T#0": None, "TYPE#T#1": None}, limit=10)
    assert _sorts(page) == ["001"]
    assert state == {"TYPE#T#0": DONE, "TYPE#T#1": DONE}


def test_shards_already_done_keep_their_state_and_no_runs_change_nothing() -> None:
    state = {"TYPE#T#0": DONE, "TYPE#T#1": None}
    page, after = merge_runs([_run(1, ["100"], more=False)], state, limit=5)
    assert _sorts(page) == ["100"]
    assert after == {"TYPE#T#0": DONE, "TYPE#T#1": DONE}
    assert state == {"TYPE#T#0": DONE, "TYPE#T#1": None}  # the caller's state is not mutated
    assert merge_runs([], {"TYPE#T#0": DONE}, limit=5) == ([], {"TYPE#T#0": DONE})


def test_equal_sort_keys_merge_in_shard_order_without_comparing_items() -> None:
    # Given index sort keys that repeat (an index does not make them unique), within a shard
    # and across shards
    zero = _run(0, ["001", "001", "002"], more=False)
    one = _run(1, ["001", "002"], more=False)
    # When they are merged
    page, _ = merge_runs([zero, one], {"TYPE#T#0": None, "TYPE#T#1": None}, limit=5)
    # Then ties keep shard order (and the items themselves are never compared)
    assert [(item["GSI3PK"], item["GSI3SK"]) for item in page] == [
        ("TYPE#T#0", "001"),
        ("TYPE#T#0", "001"),
        ("TYPE#T#1", "001"),
        ("TYPE#T#0", "002"),
        ("TYPE#T#1", "002"),
    ]


def test_items_with_the_same_sort_key_in_one_shard_merge_in_their_query_order() -> None:
    # Given a shard whose query returned two items with the same sort key (same timestamp)
    run = ShardRun(
        QuerySpec("TYPE#T#0", index="GSI3", forward=True),
        [_item(0, "001") | {"PK": "ITEM#a"}, _item(0, "001") | {"PK": "ITEM#b"}],
        None,
    )
    other = _run(1, ["002"], more=False)
    # When they are merged, they are never compared beyond the sort key
    page, state = merge_runs([run, other], {"TYPE#T#0": None, "TYPE#T#1": None}, limit=3)
    # Then both come in the order the shard's query returned them
    assert [item["PK"] for item in page] == ["ITEM#a", "ITEM#b", "ITEM#1-002"]
    assert state == {"TYPE#T#0": DONE, "TYPE#T#1": DONE}


def test_equal_sort_keys_across_shards_keep_shard_order_in_both_directions() -> None:
    # Given two shards that each hold an item with the same sort key
    for forward in (True, False):
        zero = _run(0, ["005"], more=False, forward=forward)
        one = _run(1, ["005"], more=False, forward=forward)
        # When they are merged either way
        page, _ = merge_runs([zero, one], {"TYPE#T#0": None, "TYPE#T#1": None}, limit=2)
        # Then the tie keeps the shards' order, so a page boundary between them is stable
        assert [item["PK"] for item in page] == ["ITEM#0-005", "ITEM#1-005"]
