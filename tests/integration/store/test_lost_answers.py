"""A write that landed but whose answer was lost (a read timeout, or a 500 after the write) is
retried by botocore; the retry must not turn the caller's success into a conflict.

Found by the fault-injection suite's long form (tests/reliability/test_faults.py): on a loaded
machine a TransactWriteItems took longer than the client's 5 s read timeout, botocore sent it
again, the message it creates was there already, and the client was told 404 "session not
found" for a message that was stored. DynamoDB answers such a retry of a transaction with
success (the ClientRequestToken botocore adds); a PutItem has no token, and moto honours neither.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import requests
from botocore.exceptions import ReadTimeoutError

from strata.clock import ManualClock
from strata.errors import Conflict
from strata.models import ChatSessionCreate, MessageCreate
from strata.store import keys
from strata.store.chat import ChatRepository
from strata.store.table import Table
from strata.store.tokens import TokenSigner
from tests.integration.store.conftest import TOKEN_SECRET
from tests.support.moto_server import MotoServer


class LostAnswers:
    """Sends the first request of each chosen operation to the service itself, then answers
    botocore with a read timeout: the write landed, the caller never heard (botocore retries)."""

    def __init__(self, *operations: str) -> None:
        self.pending = set(operations)
        self.sent: Counter[str] = Counter()

    def __call__(self, request: Any, event_name: str = "", **_: Any) -> None:
        operation = event_name.rsplit(".", 1)[-1]
        self.sent[operation] += 1
        if operation not in self.pending:
            return
        self.pending.discard(operation)
        headers = {
            name: value.decode() if isinstance(value, bytes) else str(value)
            for name, value in request.headers.items()
        }
        landed = requests.post(request.url, data=request.body, headers=headers, timeout=30)
        assert landed.status_code == 200, landed.text
        raise ReadTimeoutError(endpoint_url=request.url)


@pytest.fixture
def lossy(moto_server: MotoServer, main_table: str, clock: ManualClock) -> Any:
    def chat(*operations: str) -> tuple[ChatRepository, Table, LostAnswers]:
        client = moto_server.client("dynamodb")
        lost = LostAnswers(*operations)
        client.meta.events.register("before-send.dynamodb", lost)
        table = Table(client, main_table, TokenSigner(TOKEN_SECRET), clock, sleep=lambda _: None)
        return ChatRepository(table, clock), table, lost

    return chat


def test_a_message_whose_answer_was_lost_is_stored_once_and_returned(lossy: Any) -> None:
    # Given a session, and a data store whose answer to the next transaction is lost
    chat, _, lost = lossy("TransactWriteItems")
    session = chat.create_session("u1", ChatSessionCreate(title="Herons"))
    # When a message is appended (the transaction lands, botocore retries it)
    message = chat.append_message("u1", session.session_id, MessageCreate(content="where?"))
    # Then the caller gets the message, stored once, counted once
    assert lost.sent["TransactWriteItems"] == 2
    stored = chat.messages("u1", session.session_id).items
    assert [m.message_id for m in stored] == [message.message_id]
    assert chat.get_session("u1", session.session_id).message_count == 1


def test_a_chat_start_and_a_create_whose_answers_were_lost_succeed_once(lossy: Any) -> None:
    # Given a data store whose answers to the next PutItem and transaction are lost
    chat, table, lost = lossy("PutItem", "TransactWriteItems")
    # When a session is created, and a chat started with its first message
    empty = chat.create_session("u1", ChatSessionCreate(title="empty"))
    started, first = chat.start_session(
        "u1", ChatSessionCreate(title="Herons"), MessageCreate(content="where?")
    )
    # Then each call succeeded (its retry found its own write), and each item is there once
    assert (lost.sent["PutItem"], lost.sent["TransactWriteItems"]) == (2, 2)
    assert {s.session_id for s in chat.list_sessions("u1").items} == {
        empty.session_id,
        started.session_id,
    }
    assert [m.message_id for m in chat.messages("u1", started.session_id).items] == [
        first.message_id
    ]
    # And a create that finds another item in its way is still a conflict
    with pytest.raises(Conflict):
        table.create(keys.chat_session("u1", empty.session_id), {"title": "another"})
