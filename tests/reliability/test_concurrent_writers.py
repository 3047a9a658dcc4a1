"""Issue 15, point 3: 50 writers at once on one item with optimistic locking.

Every writer reads the item, changes a counter kept inside it and writes it back naming the
version it read, again and again, all 50 threads released together. A lost update would show as
a counter behind the number of successful writes; a lost version check as two writers getting
the same version. Through the real services (the API handler's resolver keeps the current event
on itself, so one process serves one request at a time, as Lambda does), on moto's DynamoDB; one
stale write also goes through the handler to show the 409 a client gets.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from strata.auth import Caller
from strata.errors import Conflict
from strata.models import ChatSessionCreate, ChatSessionUpdate, DocumentCreate, DocumentUpdate
from tests.integration.api.conftest import Api
from tests.reliability.frame import Reliability

WRITERS = 50


@dataclass(frozen=True)
class Attempt:
    writer: int
    read_version: int
    won_version: int | None = None  # the version the write produced
    status: int | None = None  # the HTTP status of the error a loser got
    current_version: int | None = None  # what the loser's 409 said the item is at


@dataclass(frozen=True)
class Item:
    """Read (version, counter) and write (counter, expected version) of one contended item."""

    read: Callable[[], tuple[int, int]]
    write: Callable[[int, int], int]
    path: str
    body: dict[str, object]


def session_item(api: Api, caller: Caller) -> Item:
    sessions = api.services.sessions
    session = sessions.create(caller, ChatSessionCreate(title="contended", context={"count": 0}))

    def read() -> tuple[int, int]:
        current = sessions.get(caller, session.session_id)
        return current.version, int(current.context["count"])

    def write(count: int, version: int) -> int:
        update = ChatSessionUpdate(context={"count": count})
        return sessions.update(caller, session.session_id, update, version).version

    return Item(read, write, f"/sessions/{session.session_id}", {"title": "stale"})


def document_item(api: Api, caller: Caller) -> Item:
    documents = api.services.documents
    created = documents.create(
        caller, DocumentCreate(file_name="notes.txt", file_type="text/plain", file_size=10)
    )
    document_id = created.document.document_id
    documents.update(caller, document_id, DocumentUpdate(title="0"), None)

    def read() -> tuple[int, int]:
        current = documents.get(caller, document_id)
        return current.version, int(current.metadata.title or "0")

    def write(count: int, version: int) -> int:
        update = DocumentUpdate(title=str(count))
        return documents.update(caller, document_id, update, version).version

    return Item(read, write, f"/documents/{document_id}", {"title": "stale"})


ITEMS = {"chat session": session_item, "document": document_item}


@pytest.mark.parametrize("entity", list(ITEMS))
def test_fifty_writers_on_one_item_lose_nothing_and_every_loser_gets_409(
    api: Api, reliability: Reliability, entity: str
) -> None:
    # Given one item of a user, with a counter at 0
    identity = api.user("GENERAL")
    item = ITEMS[entity](api, Caller(user_id=identity.sub))
    start_version, start_count = item.read()
    rounds = reliability.pick(1, 20)  # each round: all 50 writers at once on the item
    released = threading.Barrier(WRITERS)

    def writer(number: int) -> list[Attempt]:
        attempts: list[Attempt] = []
        released.wait()
        for _ in range(rounds):
            version, count = item.read()
            try:
                attempts.append(
                    Attempt(number, version, won_version=item.write(count + 1, version))
                )
            except Conflict as exc:
                current = exc.details.get("currentVersion")
                attempts.append(
                    Attempt(number, version, status=exc.status_code, current_version=current)
                )
        return attempts

    # When 50 writers read-increment-write it at once, each `rounds` times
    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        attempts = [attempt for mine in pool.map(writer, range(WRITERS)) for attempt in mine]

    # Then every write was either a success or a 409 (any other error would have raised)
    winners = [a for a in attempts if a.won_version is not None]
    losers = [a for a in attempts if a.won_version is None]
    assert len(attempts) == WRITERS * rounds
    assert winners
    assert {a.status for a in losers} <= {409}
    # And each success made exactly one new version, from the version it read
    assert sorted(a.won_version or 0 for a in winners) == list(
        range(start_version + 1, start_version + 1 + len(winners))
    )
    skipped = [a for a in winners if a.won_version != a.read_version + 1]
    assert not skipped, skipped[:5]
    # And every loser was told the item had moved past the version it read
    bad = [a for a in losers if a.current_version is None or a.current_version <= a.read_version]
    assert not bad, bad[:5]
    # And the final version counts the successful writes, and so does the counter (no lost update)
    final_version, final_count = item.read()
    assert final_version == start_version + len(winners)
    assert final_count == start_count + len(winners)
    # And a client writing with the stale version gets a 409 naming the current one
    stale = api.call(
        "PATCH", item.path, identity, body=item.body, headers={"If-Match": f'"{start_version}"'}
    )
    assert stale.status == 409
    assert stale.json()["error"]["type"] == "Conflict"
    assert stale.json()["error"]["details"]["currentVersion"] == final_version
    lost = abs(final_count - start_count - len(winners)) + sum(1 for a in losers if a.status != 409)
    reliability.record(
        "3",
        entity,
        injected=f"{WRITERS} threads read-increment-write one item with its version",
        volume=f"{WRITERS} writers x {rounds} rounds = {len(attempts)} writes",
        lost=lost,
        successful=len(winners),
        got_409=len(losers),
        final_version=final_version,
    )
