"""The WebSocket routes over moto: token-checked connects, disconnects, ping, and sendMessage
streaming the answer in order, stored once per clientMessageId, failures keeping the question."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import jwt
import pytest

from lambdas.realtime import handler as realtime_handler
from local.events import LambdaContext, websocket_event
from strata.assistant.responders import Passage, Reply
from strata.assistant.types import HistoryTurn
from strata.errors import NotFound, Throttled
from strata.models import ChatSessionCreate, MessageRole
from tests.integration.realtime.conftest import Realtime, policy_chunks


def test_connect_without_a_token_is_refused_and_records_nothing(realtime: Realtime) -> None:
    connection_id, response = realtime.connect(None)
    assert response["statusCode"] == 401
    with pytest.raises(NotFound):
        realtime.repos.connections.get(connection_id)


def test_connect_with_a_forged_token_is_refused(realtime: Realtime) -> None:
    # Given the claims of a real token, re-signed with a symmetric key (not the pool's)
    _, token = realtime.pool.user()
    claims = jwt.decode(token, options={"verify_signature": False})
    forged = jwt.encode(claims, "not-the-pool-key" * 4, algorithm="HS256")
    connection_id, response = realtime.connect(forged)
    assert response["statusCode"] == 401
    with pytest.raises(NotFound):
        realtime.repos.connections.get(connection_id)


def test_connect_with_the_pools_id_token_records_the_connection_and_disconnect_deletes_it(
    realtime: Realtime,
) -> None:
    # Given a user of the pool
    sub, token = realtime.pool.user()
    # When they connect
    connection_id, response = realtime.connect(token)
    # Then the connection is recorded under their sub, with a TTL
    assert response == {"statusCode": 200}
    connection = realtime.repos.connections.get(connection_id)
    assert connection.user_id == sub
    assert connection.expires_at > connection.connected_at
    assert [c.connection_id for c in realtime.repos.connections.for_user(sub)] == [connection_id]
    # When they disconnect, it is gone
    realtime.api.handle(websocket_event("DISCONNECT", connection_id))
    assert realtime.repos.connections.for_user(sub) == []


def test_ping_is_answered_with_pong_carrying_the_request_id(realtime: Realtime) -> None:
    _, token = realtime.pool.user()
    connection_id, _ = realtime.connect(token)
    frames = realtime.send(connection_id, {"action": "ping", "requestId": "r-1"})
    assert frames == [{"type": "pong", "requestId": "r-1", "seq": 0}]


def test_a_bad_frame_is_answered_with_an_error_frame(realtime: Realtime) -> None:
    _, token = realtime.pool.user()
    connection_id, _ = realtime.connect(token)
    frames = realtime.send(connection_id, "{not json")
    assert [(f["type"], f["code"], f["seq"]) for f in frames] == [("error", "BadRequest", 0)]


def connected_with_session(realtime: Realtime) -> tuple[str, str, str]:
    sub, token = realtime.pool.user()
    realtime.index.replace_document_chunks(sub, "doc-hr", policy_chunks(sub))
    connection_id, _ = realtime.connect(token)
    session = realtime.repos.chat.create_session(sub, ChatSessionCreate())
    return sub, connection_id, session.session_id


def ask(session_id: str, client_message_id: str = "c-1") -> dict[str, Any]:
    return {
        "action": "sendMessage",
        "sessionId": session_id,
        "content": "How many days of paid vacation per year?",
        "respond": True,
        "clientMessageId": client_message_id,
        "requestId": "req-1",
    }


def test_send_message_streams_deltas_then_done_after_both_messages_are_stored(
    realtime: Realtime,
) -> None:
    # Given a connected user with a document and a session
    sub, connection_id, session_id = connected_with_session(realtime)
    # When they send a question
    frames = realtime.send(connection_id, ask(session_id))
    # Then the answer comes as several deltas, then done, numbered in order
    kinds = [f["type"] for f in frames]
    assert kinds.count("delta") >= 2
    assert kinds[-1] == "done"
    assert set(kinds[:-1]) == {"delta"}
    assert [f["seq"] for f in frames] == list(range(len(frames)))
    assert {f["requestId"] for f in frames} == {"req-1"}
    done = frames[-1]
    assert done["citations"][0]["documentId"] == "doc-hr"
    # And the stored messages are the question and the streamed answer
    history = realtime.repos.chat.messages(sub, session_id).items
    assert [m.role for m in history] == [MessageRole.USER, MessageRole.ASSISTANT]
    assert history[0].message_id == done["userMessageId"]
    assert history[1].message_id == done["messageId"]
    assert history[1].content == "".join(f["text"] for f in frames[:-1])
    assert history[1].citations[0].document_id == "doc-hr"


def test_the_same_client_message_id_twice_stores_both_messages_once(realtime: Realtime) -> None:
    sub, connection_id, session_id = connected_with_session(realtime)
    first = realtime.send(connection_id, ask(session_id))
    # When the client sends the same clientMessageId again
    again = realtime.send(connection_id, ask(session_id))
    # Then it gets the stored answer again, and nothing new is stored
    assert [f["type"] for f in again] == ["delta", "done"]
    assert again[-1]["messageId"] == first[-1]["messageId"]
    assert again[0]["text"] == "".join(f["text"] for f in first[:-1])
    history = realtime.repos.chat.messages(sub, session_id).items
    assert len(history) == 2
    assert realtime.repos.chat.get_session(sub, session_id).message_count == 2


def test_respond_false_stores_the_message_and_answers_done_without_an_answer(
    realtime: Realtime,
) -> None:
    sub, connection_id, session_id = connected_with_session(realtime)
    frames = realtime.send(connection_id, {**ask(session_id), "respond": False})
    assert [(f["type"], f["messageId"]) for f in frames] == [("done", None)]
    assert len(realtime.repos.chat.messages(sub, session_id).items) == 1


def test_an_unknown_session_is_an_error_frame(realtime: Realtime) -> None:
    _, connection_id, _ = connected_with_session(realtime)
    frames = realtime.send(connection_id, ask("no-such-session"))
    assert [(f["type"], f["code"], f["userMessageId"]) for f in frames] == [
        ("error", "NotFound", None)
    ]


class FailingResponder:
    """Streams one piece and then the model throttles (as a ConverseStream exception would)."""

    def stream(
        self,
        question: str,
        passages: Sequence[Passage],
        memories: Sequence[str],
        history: Sequence[HistoryTurn],
    ) -> Iterator[str | Reply]:
        yield "The policy"
        raise Throttled("the answer model is throttling requests")


def test_a_model_failure_sends_error_and_keeps_the_users_message_then_a_resend_answers(
    realtime: Realtime,
) -> None:
    sub, connection_id, session_id = connected_with_session(realtime)
    healthy = realtime.responder.current
    realtime.responder.current = FailingResponder()
    # When the model fails mid-answer
    frames = realtime.send(connection_id, ask(session_id))
    # Then the client gets what was streamed, then an error naming the stored message
    assert [f["type"] for f in frames] == ["delta", "error"]
    error = frames[-1]
    assert error["code"] == "Throttled"
    history = realtime.repos.chat.messages(sub, session_id).items
    assert [(m.role, m.message_id) for m in history] == [(MessageRole.USER, error["userMessageId"])]
    # When the model is back and the client sends the same message again
    realtime.responder.current = healthy
    again = realtime.send(connection_id, ask(session_id))
    # Then it is answered, and the question is still stored once
    assert again[-1]["type"] == "done"
    assert again[-1]["userMessageId"] == error["userMessageId"]
    assert len(realtime.repos.chat.messages(sub, session_id).items) == 2


def test_the_lambda_handler_serves_the_routes(
    realtime: Realtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the function's handler over this wiring
    monkeypatch.setattr(realtime_handler, "realtime", lambda: realtime.api)
    _, token = realtime.pool.user()
    connection_id = "d5hfJcGIIAMCFXQ="
    context = LambdaContext.for_function("strata-test-realtime")
    # When a client connects and pings through it
    connected = realtime_handler.handler(
        websocket_event("CONNECT", connection_id, query={"token": token}), context
    )
    pinged = realtime_handler.handler(
        websocket_event("MESSAGE", connection_id, body='{"action": "ping"}'), context
    )
    # Then both succeed and the pong went out
    assert connected == {"statusCode": 200}
    assert pinged == {"statusCode": 200}
    assert [f["type"] for f in realtime.sender.frames[connection_id]] == ["pong"]
