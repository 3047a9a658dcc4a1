"""Bad input and tenancy over the WebSocket API (issue 15, points 5 and 6): the realtime routes
are not in docs/openapi.json, so the HTTP suites do not reach them.

Against the local stack's WebSocket endpoint (``/ws``, the realtime function behind it, as API
Gateway runs it): a connect without a token or with any of the forged tokens is refused (401); a
signed-in user's malformed frames (not JSON, deep JSON, huge numbers, wrong types, unknown
actions, oversized content, traversal in ids, lone surrogates, binary and oversized frames) each
get an ``error`` frame ``BadRequest`` (or the close code API Gateway uses) and the connection
goes on answering; a second user's ``sendMessage`` naming the first user's session gets
``NotFound`` and reads nothing. The table, the bucket and the vector index are compared before
and after: nothing stored. The long form adds generated frames (hypothesis) aimed at the first
user's session, at sessions that do not exist and at nothing valid at all.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from strata.realtime.frames import Reassembler
from tests.reliability.frame import Reliability
from tests.reliability.http.forged import FORGERIES
from tests.reliability.http.stack_state import changes, quiet_state
from tests.reliability.http.world import Victim, build_victim
from tests.support.local_stack import LocalStackProcess, User

pytestmark = pytest.mark.e2e

FRAME_TIMEOUT = 60.0
GENERATED_FRAMES = (0, 150)  # generated frames (short, long)
ANSWERS = ("error", "pong", "done")
MISSING_SESSION = "S" + "0" * 25


def ws_url(stack: LocalStackProcess, token: str | None) -> str:
    url = stack.url.replace("http://", "ws://") + "/ws"
    return f"{url}?token={token}" if token is not None else url


@dataclass
class Socket:
    """One signed-in connection; every answer it hears is kept."""

    stack: LocalStackProcess
    user: User
    heard: list[dict[str, Any]] = field(default_factory=list)
    _socket: ClientConnection | None = None
    _open: ExitStack = field(default_factory=ExitStack)

    @property
    def socket(self) -> ClientConnection:
        if self._socket is None:
            url = ws_url(self.stack, self.user.id_token)
            self._socket = self._open.enter_context(connect(url, open_timeout=60))
        return self._socket

    def close(self) -> None:
        self._open.close()
        self._socket = None

    def answer(self, frame: str | bytes) -> dict[str, Any]:
        """The answer to one frame: its ``error``/``pong``/``done`` frame (deltas before it are
        kept), or ``{"closed": code}`` when the connection was closed instead."""
        try:
            self.socket.send(frame)
            parts = Reassembler()
            while True:
                for answer in parts.feed(self.socket.recv(timeout=FRAME_TIMEOUT)):
                    self.heard.append(answer)
                    if answer.get("type") in ANSWERS or "type" not in answer:
                        return answer
        except ConnectionClosed as closed:
            self._socket = None
            code = closed.rcvd.code if closed.rcvd is not None else None
            return {"closed": code}

    def alive(self) -> bool:
        request = f"alive{uuid.uuid4().hex[:12]}"
        answer = self.answer(json.dumps({"action": "ping", "requestId": request}))
        return answer.get("type") == "pong" and answer.get("requestId") == request


@dataclass
class Judged:
    sent: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    wrong: list[str] = field(default_factory=list)

    def judge(self, label: str, answer: dict[str, Any], expected: set[str]) -> None:
        self.sent += 1
        if "closed" in answer:
            outcome = f"closed {answer['closed']}"
        elif "type" not in answer:  # the gateway's own frame: the function failed
            outcome = "gateway error"
        else:
            outcome = f"{answer['type']} {answer.get('code', '')}".strip()
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1
        if outcome not in expected:
            self.wrong.append(f"{label[:200]}: {outcome} {json.dumps(answer)[:300]}")

    @property
    def server_errors(self) -> int:
        return self.outcomes.get("error InternalError", 0) + self.outcomes.get("gateway error", 0)


@contextmanager
def opened(stack: LocalStackProcess, user: User) -> Iterator[Socket]:
    socket = Socket(stack, user)
    try:
        yield socket
    finally:
        socket.close()


def malformed_frames(own_session: str) -> dict[str, str | bytes]:
    """Frames a signed-in user can send that must be refused; aimed at their own session, so a
    frame that got through would be stored."""

    def send(**fields: Any) -> str:
        frame = {
            "action": "sendMessage",
            "sessionId": own_session,
            "content": "hello",
            "respond": False,
            "clientMessageId": uuid.uuid4().hex,
            **fields,
        }
        return json.dumps({k: v for k, v in frame.items() if v is not None})

    deep = "[" * 5000 + "]" * 5000
    return {
        "not JSON": "{not json",
        "empty frame": "",
        "a JSON array": "[]",
        "a JSON string": '"sendMessage"',
        "5,000 levels of nesting": deep,
        "nesting in content": send(content=json.loads("[" * 40 + "]" * 40)),
        "a 5,000-digit number": '{"action": "ping", "requestId": ' + "9" * 5000 + "}",
        "1e400 for respond": send(respond=-1).replace('"respond": -1', '"respond": 1e400'),
        "a 39-digit number for respond": send(respond=10**38),
        "no action": json.dumps({"sessionId": own_session, "content": "hello"}),
        "an unknown action": json.dumps({"action": "deleteEverything"}),
        "a null action": json.dumps({"action": None}),
        "content is a number": send(content=12),
        "content is empty": send(content=""),
        "content of 20,001 characters": send(content="x" * 20_001),
        "a lone surrogate in content": send().replace('"hello"', '"\\ud800"'),
        "traversal in the session id": send(sessionId="../../etc/passwd"),
        "a NUL in the session id": send(sessionId="S\u0000"),
        "no clientMessageId": send(clientMessageId=None),
        "an HTML clientMessageId": send(clientMessageId="<script>alert(1)</script>"),
        "an extra field": send(admin=True),
        "an extra field in ping": json.dumps({"action": "ping", "userId": "someone-else"}),
        "an HTML requestId": json.dumps({"action": "ping", "requestId": "<b>x</b>"}),
        "a binary frame": b'\xff\xfe{"action": "ping"}',
        "a frame over 128 KB": send(content="x" * (130 * 1024)),
    }


# What each malformed frame must get: an error frame, or the close API Gateway itself sends.
CLOSES = {"a binary frame": "closed 1003", "a frame over 128 KB": "closed 1009"}


def _foreign_sends(victim: Victim) -> list[str]:
    session = victim.ids["sessionId"]
    return [
        json.dumps(
            {
                "action": "sendMessage",
                "sessionId": target,
                "content": f"what did you write? {respond}",
                "respond": respond,
                "clientMessageId": uuid.uuid4().hex,
            }
        )
        for target in (session, MISSING_SESSION)
        for respond in (True, False)
    ]


def _generated(count: int, sessions: list[str]) -> list[str]:
    """``count`` generated frames: valid and invalid shapes (a valid ping is answered), never
    the sender's own session."""
    leaves = (
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False)
        | st.text(max_size=30)
    )
    values = st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
        max_leaves=8,
    )
    frames = st.fixed_dictionaries(
        {"action": st.sampled_from(["sendMessage", "ping", "$default", "", "x"]) | values},
        optional={
            "sessionId": st.sampled_from(sessions) | st.text(max_size=30) | values,
            "content": st.text(min_size=1, max_size=100) | values,
            "respond": st.booleans() | values,
            "clientMessageId": st.uuids().map(lambda u: u.hex) | st.text(max_size=20),
            "requestId": st.uuids().map(lambda u: u.hex) | values,
        },
    )
    # And well-formed sends at sessions the sender does not own (NotFound, nothing stored)
    sends = st.fixed_dictionaries(
        {
            "action": st.just("sendMessage"),
            "sessionId": st.sampled_from(sessions),
            "content": st.text(min_size=1, max_size=200),
            "respond": st.booleans(),
            "clientMessageId": st.uuids().map(lambda u: u.hex),
        }
    )
    made: list[str] = []
    if count == 0:
        return made

    @given(frame=frames | sends)
    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def make(frame: dict[str, Any]) -> None:
        made.append(json.dumps(frame))

    make()
    return made


def test_forged_connects_hostile_frames_and_foreign_sessions_are_refused_storing_nothing(
    local_stack: LocalStackProcess, reliability: Reliability, tmp_path: Path
) -> None:
    # Given a first user with a session (and one of everything, their document ingested so
    # that nothing of theirs is still changing), and a second user with a session of their own
    victim = build_victim(local_stack, tmp_path)
    intruder = User.sign_up(local_stack)
    own = intruder.call("POST", "/sessions", {"title": "mine"}).json()["sessionId"]
    users = (victim.user.sub, intruder.sub)
    before = quiet_state(local_stack, users)
    connects = Judged()
    frames = Judged()
    tenancy = Judged()

    # When connects come without a token, with an empty one and with every forged one
    tokens: dict[str, str | None] = {"no token": None, "an empty token": ""}
    for target in [intruder, *reliability.pick([], [victim.user])]:
        tokens.update({f"{name} ({target.sub})": f(target) for name, f in FORGERIES.items()})
    for name, token in tokens.items():
        try:
            with connect(ws_url(local_stack, token), open_timeout=60):
                pass
            connects.judge(name, {"type": "connected"}, {"refused 401"})
        except InvalidStatus as refused:
            status = refused.response.status_code
            connects.judge(name, {"type": f"refused {status}"}, {"refused 401"})

    with opened(local_stack, intruder) as socket:
        # And the second user sends malformed frames (a connection that died would show as
        # the next frame's outcome)
        for name, frame in malformed_frames(own).items():
            expected = {CLOSES.get(name, "error BadRequest")}
            frames.judge(name, socket.answer(frame), expected)
        # And sends messages to the first user's session (and to one that does not exist)
        for frame in _foreign_sends(victim):
            tenancy.judge(frame, socket.answer(frame), {"error NotFound"})
        # (long form) and generated frames
        for frame in _generated(
            reliability.pick(*GENERATED_FRAMES), [victim.ids["sessionId"], MISSING_SESSION]
        ):
            expected = {"error BadRequest", "error NotFound", "pong"}
            frames.judge(frame, socket.answer(frame), expected)
        assert socket.alive()
        heard = json.dumps(socket.heard)

    after = quiet_state(local_stack, users)
    found = changes(before, after)
    touched = [
        change
        for change in found.touching(*victim.own_ids(), victim.marker, intruder.sub, own)
        if not change.startswith("item ('CONN#")
    ]
    # Connection records come and go with the sockets; stream markers are the streams
    # function's bookkeeping of counted records (the first user's setup, counted late by the
    # local stream pump): a frame that got through shows as its own message item.
    stored = [f"item {key}" for key in found.added if not key[0].startswith(("CONN#", "EVENT#"))]
    leaked = [secret for secret in (*victim.secrets, *victim.own_ids()) if secret in heard]
    leaked = [s for s in leaked if s != victim.ids["sessionId"]]  # sent by the intruder itself
    lost = len(touched) + len(stored)
    reliability.record(
        "5",
        "bad input over the WebSocket",
        injected="connects without or with forged tokens; malformed frames "
        + ("and generated frames " if reliability.long else "")
        + "from a signed-in user",
        volume=f"{connects.sent} connects, {frames.sent} frames",
        lost=lost,
        connects=connects.sent,
        frames=frames.sent,
        outcomes={**connects.outcomes, **frames.outcomes},
        server_errors=frames.server_errors + tenancy.server_errors,
        stored=len(stored) + len(touched),
    )
    reliability.record(
        "6",
        "tenancy over the WebSocket",
        injected="a second user's sendMessage naming the first user's session; every forged "
        "connect",
        volume=f"{tenancy.sent} frames, {connects.sent} connects",
        lost=len(touched) + len(leaked),
        outcomes=tenancy.outcomes,
        leaked=len(leaked),
        changed=len(touched),
    )

    # Then every connect without a valid token was refused
    assert not connects.wrong, "\n".join(connects.wrong)
    # And every malformed frame got a BadRequest error frame (or API Gateway's close), never
    # InternalError, and the connection went on answering
    assert not frames.wrong, "\n".join(frames.wrong)
    # And the first user's session was neither read nor written
    assert not tenancy.wrong, "\n".join(tenancy.wrong)
    assert not leaked, leaked
    # And nothing was stored or changed: table, bucket, vector index
    assert not touched, "\n".join(touched)
    assert not stored, "\n".join(stored)
    assert after.vectors == before.vectors
