"""The WebSocket API on the local stack: time to the first delta, frames per answer, ping.

A fresh ``python -m local`` on free ports; one user with one ready document and one session.
Each round asks every question twice, interleaved (the starting variant rotating): once as
``sendMessage`` over one open socket (a new ``clientMessageId`` each), timed from the send to the
first ``delta`` and to ``done``, with the frames the answer took; and once over REST
(``POST /sessions/{id}/messages`` with ``respond``), the peer, which answers only once the whole
answer is stored. ``ping`` round trips are timed beside ``GET /health`` round trips.

The answer is the local extractive one (no language model): the times are Strata's own overhead
(retrieval, two transactions, one ``PostToConnection`` per frame through the local management API,
the stream pump's pushes sharing the process). Bedrock's time to its first token comes on top in
AWS, and is what streaming hides.

Run: ``make bench AREA=realtime`` (or ``.venv/bin/python bench/realtime.py [--rounds N]``).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import Area, Figure, interleaved, median, use_repository_paths

use_repository_paths()

import requests  # noqa: E402
from websockets.sync.client import ClientConnection, connect  # noqa: E402

from strata.realtime.frames import Reassembler  # noqa: E402
from tests.e2e.helpers import POLICY_TEXT, upload_document, wait_for_status  # noqa: E402
from tests.support.local_stack import LocalStackProcess, User  # noqa: E402

QUESTIONS = (
    "How many days of paid leave per year?",
    "When are expense reports due?",
    "Is every uploaded document searchable?",
    "What does the vacation policy grant?",
)
PINGS = 20


class Socket:
    """One open connection; asks and pings, recording what each answer took."""

    def __init__(self, socket: ClientConnection, session: str) -> None:
        self._socket = socket
        self._session = session
        self.first_delta: list[float] = []
        self.done: list[float] = []
        self.frames: list[int] = []
        self.deltas: list[int] = []
        self.wire: list[int] = []

    def ask(self, question: str) -> float:
        request_id = uuid.uuid4().hex
        frame: dict[str, object] = {"action": "sendMessage", "sessionId": self._session}
        frame["content"] = question
        frame |= {"respond": True, "clientMessageId": uuid.uuid4().hex, "requestId": request_id}
        parts = Reassembler()
        started = time.perf_counter()
        self._socket.send(json.dumps(frame))
        first: float | None = None
        deltas = wire = 0
        while True:
            raw = self._socket.recv(timeout=60)
            wire += json.loads(raw).get("requestId") == request_id
            for got in parts.feed(raw):
                if got.get("requestId") != request_id:
                    continue  # a push (the message just stored, a document)
                if got["type"] == "delta":
                    deltas += 1
                    first = first if first is not None else time.perf_counter()
                elif got["type"] in ("done", "error"):
                    if got["type"] != "done":
                        raise RuntimeError(f"the answer failed: {got}")
                    done = time.perf_counter()
                    self.first_delta.append((first or done) - started)
                    self.done.append(done - started)
                    self.deltas.append(deltas)
                    self.frames.append(deltas + 1)
                    self.wire.append(wire)
                    return done - started

    def ping(self) -> float:
        request_id = uuid.uuid4().hex
        started = time.perf_counter()
        self._socket.send(json.dumps({"action": "ping", "requestId": request_id}))
        while json.loads(self._socket.recv(timeout=30)).get("requestId") != request_id:
            pass
        return time.perf_counter() - started


def rest_answer(user: User, session: str, question: str) -> float:
    started = time.perf_counter()
    response = user.call(
        "POST", f"/sessions/{session}/messages", {"content": question, "respond": True}
    )
    elapsed = time.perf_counter() - started
    if response.status_code != 201:
        raise RuntimeError(f"the REST answer failed: {response.status_code} {response.text}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    area = Area(
        "realtime",
        "WebSocket API on the local stack",
        method=(
            f"{args.rounds} interleaved rounds of {len(QUESTIONS)} questions, each asked over "
            "one open WebSocket (sendMessage) and over REST (POST messages with respond); "
            "medians. Local extractive responder (no model), python -m local on this machine."
        ),
    )
    with tempfile.TemporaryDirectory() as tmp:
        stack = LocalStackProcess(Path(tmp) / "state").start(fresh=True)
        try:
            user = User.sign_up(stack)
            document = upload_document(user, POLICY_TEXT.encode(), Path(tmp))
            wait_for_status(user, document, "ready")
            session = user.call("POST", "/sessions", {"title": "bench"}).json()["sessionId"]
            url = stack.url.replace("http://", "ws://") + f"/ws?token={user.id_token}"
            started = time.perf_counter()
            with connect(url, open_timeout=30) as raw_socket:
                connected = time.perf_counter() - started
                socket = Socket(raw_socket, session)
                socket.ask("a warm-up question about leave")
                rest_answer(user, session, "a warm-up question about expenses")
                socket = Socket(raw_socket, session)
                rest: list[float] = []
                for question in QUESTIONS:
                    samples = interleaved(
                        {
                            "ws": partial(socket.ask, question),
                            "rest": partial(rest_answer, user, session, question),
                        },
                        args.rounds,
                    )
                    rest.extend(samples["rest"])
                pings = interleaved(
                    {
                        "ping": socket.ping,
                        "health": partial(_timed_get, f"{stack.url}/health"),
                    },
                    PINGS,
                )
        finally:
            stack.stop()
    rest_ms = median(rest) * 1000
    area.add(
        Figure(
            "realtime.first_delta",
            "time to the first delta (WebSocket)",
            median(socket.first_delta) * 1000,
            "ms",
            peer_name="REST answer, whole",
            peer=rest_ms,
            note="what a user waits before text appears",
        )
    )
    area.add(
        Figure(
            "realtime.done",
            "time to done: answer stored (WebSocket)",
            median(socket.done) * 1000,
            "ms",
            peer_name="REST answer, whole",
            peer=rest_ms,
        )
    )
    area.add(
        Figure(
            "realtime.frames",
            "frames per answer (deltas + done)",
            median([float(n) for n in socket.frames]),
            "frames",
            note=f"deltas {median([float(n) for n in socket.deltas]):.0f}; "
            f"WebSocket messages {median([float(n) for n in socket.wire]):.0f} (no part frames)",
        )
    )
    area.add(
        Figure(
            "realtime.ping",
            "ping -> pong round trip",
            median(pings["ping"]) * 1000,
            "ms",
            peer_name="GET /health round trip",
            peer=median(pings["health"]) * 1000,
        )
    )
    area.add(
        Figure(
            "realtime.connect", "connect ($connect with the token check)", connected * 1000, "ms"
        )
    )
    area.finish()


def _timed_get(url: str) -> float:
    started = time.perf_counter()
    requests.get(url, timeout=30).raise_for_status()
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
