"""The WebSocket API over a real socket against the local stack: token-checked connects, a
streamed answer stored once per clientMessageId, pushes to the owner only, gone connections
cleaned up on the next push."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jwt
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from strata.clock import SystemClock
from strata.errors import NotFound
from strata.realtime.frames import Reassembler
from strata.store.connections import ConnectionRepository
from strata.store.table import Table
from strata.store.tokens import TokenSigner
from tests.e2e.helpers import POLICY_TEXT, upload_document, wait_for_status
from tests.support.local_stack import LocalStackProcess, User

pytestmark = pytest.mark.e2e

FRAME_TIMEOUT = 30.0


def ws_url(stack: LocalStackProcess, token: str | None) -> str:
    url = stack.url.replace("http://", "ws://") + "/ws"
    return f"{url}?token={token}" if token is not None else url


@contextmanager
def socket_of(user: User) -> Iterator[ClientConnection]:
    with connect(ws_url(user.stack, user.id_token), open_timeout=30) as socket:
        yield socket


def frames_until(
    socket: ClientConnection, done: Any, timeout: float = FRAME_TIMEOUT
) -> list[dict[str, Any]]:
    """Every frame received until one for which ``done(frame)`` holds (included)."""
    parts = Reassembler()
    received: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while True:
        raw = socket.recv(timeout=max(0.1, deadline - time.monotonic()))
        for frame in parts.feed(raw):
            received.append(frame)
            if done(frame):
                return received


def answer_of(socket: ClientConnection, request_id: str) -> list[dict[str, Any]]:
    frames = frames_until(
        socket, lambda f: f.get("requestId") == request_id and f["type"] in ("done", "error")
    )
    return [f for f in frames if f.get("requestId") == request_id]


def test_connect_without_a_token_is_refused(local_stack: LocalStackProcess) -> None:
    with pytest.raises(InvalidStatus) as refused:
        connect(ws_url(local_stack, None), open_timeout=30)
    assert refused.value.response.status_code == 401


def test_connect_with_a_forged_token_is_refused(local_stack: LocalStackProcess, user: User) -> None:
    # Given the user's own claims signed with a key that is not the pool's
    claims = jwt.decode(user.id_token, options={"verify_signature": False})
    forged = jwt.encode(claims, "a-secret-that-is-not-the-pools-key", algorithm="HS256")
    with pytest.raises(InvalidStatus) as refused:
        connect(ws_url(local_stack, forged), open_timeout=30)
    assert refused.value.response.status_code == 401


def test_a_send_streams_deltas_then_done_and_a_resend_stores_nothing_twice(
    local_stack: LocalStackProcess, user: User, tmp_path: Path
) -> None:
    # Given a user with a ready document and a session
    document_id = upload_document(user, POLICY_TEXT.encode(), tmp_path)
    wait_for_status(user, document_id, "ready")
    session = user.call("POST", "/sessions", {"title": "Policies"}).json()["sessionId"]
    ask = {
        "action": "sendMessage",
        "sessionId": session,
        "content": "How many days of paid leave per year?",
        "respond": True,
        "clientMessageId": uuid.uuid4().hex,
    }
    with socket_of(user) as socket:
        # When the question is sent
        socket.send(json.dumps({**ask, "requestId": "first"}))
        first = answer_of(socket, "first")
        # Then the answer streams in at least two deltas, in order, then done
        assert [f["seq"] for f in first] == list(range(len(first)))
        assert [f["type"] for f in first[:-1]] == ["delta"] * (len(first) - 1)
        assert len(first) - 1 >= 2
        assert first[-1]["type"] == "done"
        assert first[-1]["citations"][0]["documentId"] == document_id
        # When the same clientMessageId is sent again
        socket.send(json.dumps({**ask, "requestId": "again"}))
        again = answer_of(socket, "again")
    # Then the stored answer comes back, and both messages are stored once
    assert again[-1]["type"] == "done"
    assert again[-1]["messageId"] == first[-1]["messageId"]
    messages = user.call("GET", f"/sessions/{session}/messages").json()["items"]
    assert [(m["role"], m["messageId"]) for m in messages] == [
        ("user", first[-1]["userMessageId"]),
        ("assistant", first[-1]["messageId"]),
    ]
    assert messages[1]["content"] == "".join(f["text"] for f in first[:-1])


def test_a_ready_document_is_pushed_to_its_owner_and_not_to_another_user(
    local_stack: LocalStackProcess, user: User, tmp_path: Path
) -> None:
    other = User.sign_up(local_stack)
    with socket_of(user) as mine, socket_of(other) as theirs:
        # When the owner uploads a document over HTTP
        document_id = upload_document(user, POLICY_TEXT.encode(), tmp_path)
        # Then the owner's connection hears that it is ready
        frames = frames_until(
            mine, lambda f: f["type"] == "document" and f["documentId"] == document_id
        )
        assert frames[-1]["status"] == "ready"
        # And the other user's connection heard nothing before its own pong
        theirs.send(json.dumps({"action": "ping", "requestId": "p"}))
        heard = frames_until(theirs, lambda f: f["type"] == "pong")
        assert [f["type"] for f in heard] == ["pong"]


def test_a_connection_that_is_gone_is_deleted_on_the_next_push(
    local_stack: LocalStackProcess, user: User
) -> None:
    # Given a connection whose socket vanished without $disconnect (API Gateway's is
    # best-effort), recorded for the user
    env = local_stack.runtime["env"]
    table = Table(
        local_stack.aws_client("dynamodb"),
        env["STRATA_TABLE_NAME"],
        TokenSigner(b"e2e" * 11),
        SystemClock(),
    )
    connections = ConnectionRepository(table, SystemClock())
    connections.open(user.sub, "vanished0AMCFXQ=")
    session = user.call("POST", "/sessions", {"title": "Notes"}).json()["sessionId"]
    with socket_of(user) as socket:
        # When something is pushed to the user (a message appended over HTTP)
        sent = user.call("POST", f"/sessions/{session}/messages", {"content": "remember milk"})
        assert sent.status_code == 201, sent.text
        message_id = sent.json()["message"]["messageId"]
        frames_until(socket, lambda f: f["type"] == "message" and f["messageId"] == message_id)
    # Then the vanished connection's record is gone
    with pytest.raises(NotFound):
        connections.get("vanished0AMCFXQ=")
