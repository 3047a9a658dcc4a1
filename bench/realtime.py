"""The WebSocket API on the local stack: time to the first delta, frames per answer, ping.

A fresh ``python -m local`` on free ports; one user with one ready document and one session; over
one socket, ``QUESTIONS`` questions each sent as ``sendMessage`` (a new ``clientMessageId`` each):
the time from the send to the first ``delta``, to ``done``, and the frames the answer took. Beside
it, its peer: the same questions asked over REST (``POST /sessions/{id}/messages`` with
``respond``), which answers only once the whole answer is stored, and ``ping`` round trips.

The answer is the local extractive one (no language model), so the times are Strata's own
overhead: retrieval, two transactions, one ``PostToConnection`` per frame through the local
management API, the stream pump's pushes sharing the process. Bedrock's time to first token comes
on top in AWS.

Run: ``.venv/bin/python bench/realtime.py``. Prints a table and writes
``bench/results/realtime.json``. Figures vary with the machine and its load; nothing here runs in
``make test``.
"""

from __future__ import annotations

import json
import platform
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from websockets.sync.client import ClientConnection, connect  # noqa: E402

from strata.realtime.frames import Reassembler  # noqa: E402
from tests.e2e.helpers import POLICY_TEXT, upload_document, wait_for_status  # noqa: E402
from tests.support.local_stack import LocalStackProcess, User  # noqa: E402

QUESTIONS = [
    "How many days of paid leave per year?",
    "When are expense reports due?",
    "Is every uploaded document searchable?",
    "What does the vacation policy grant?",
    "Which day of the month are expenses due?",
]
ROUNDS = 4  # each question this many times
PINGS = 30
RESULTS = ROOT / "bench" / "results" / "realtime.json"


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "median": round(statistics.median(ordered), 2),
        "p90": round(ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))], 2),
        "min": round(ordered[0], 2),
        "max": round(ordered[-1], 2),
    }


def ask(socket: ClientConnection, session: str, question: str) -> dict[str, Any]:
    request_id = uuid.uuid4().hex
    frame = {
        "action": "sendMessage",
        "sessionId": session,
        "content": question,
        "respond": True,
        "clientMessageId": uuid.uuid4().hex,
        "requestId": request_id,
    }
    parts = Reassembler()
    started = time.perf_counter()
    socket.send(json.dumps(frame))
    first: float | None = None
    wire = deltas = 0
    while True:
        raw = socket.recv(timeout=60)
        mine = json.loads(raw).get("requestId") == request_id
        wire += 1 if mine else 0
        for got in parts.feed(raw):
            if got.get("requestId") != request_id:
                continue
            if got["type"] == "delta":
                deltas += 1
                first = first if first is not None else time.perf_counter()
            elif got["type"] in ("done", "error"):
                assert got["type"] == "done", got
                done = time.perf_counter()
                return {
                    "first_delta_ms": ((first or done) - started) * 1000,
                    "done_ms": (done - started) * 1000,
                    "deltas": deltas,
                    "frames": deltas + 1,
                    "wire_frames": wire,
                }


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        stack = LocalStackProcess(Path(tmp) / "state").start(fresh=True)
        try:
            user = User.sign_up(stack)
            document = upload_document(user, POLICY_TEXT.encode(), Path(tmp))
            wait_for_status(user, document, "ready")
            session = user.call("POST", "/sessions", {"title": "bench"}).json()["sessionId"]
            url = stack.url.replace("http://", "ws://") + f"/ws?token={user.id_token}"
            started = time.perf_counter()
            with connect(url, open_timeout=30) as socket:
                connect_ms = (time.perf_counter() - started) * 1000
                ask(socket, session, "warm-up question about leave")
                answers = [ask(socket, session, q) for _ in range(ROUNDS) for q in QUESTIONS]
                pings = []
                for n in range(PINGS):
                    sent = time.perf_counter()
                    socket.send(json.dumps({"action": "ping", "requestId": f"p{n}"}))
                    while json.loads(socket.recv(timeout=30)).get("requestId") != f"p{n}":
                        pass
                    pings.append((time.perf_counter() - sent) * 1000)
            rest = []
            for _ in range(ROUNDS):
                for question in QUESTIONS:
                    sent = time.perf_counter()
                    response = user.call(
                        "POST",
                        f"/sessions/{session}/messages",
                        {"content": question, "respond": True},
                    )
                    assert response.status_code == 201, response.text
                    rest.append((time.perf_counter() - sent) * 1000)
        finally:
            stack.stop()
    figures = {
        "connect_ms": round(connect_ms, 1),
        "ws_first_delta_ms": summary([a["first_delta_ms"] for a in answers]),
        "ws_done_ms": summary([a["done_ms"] for a in answers]),
        "rest_answer_ms": summary(rest),
        "ping_rtt_ms": summary(pings),
        "deltas_per_answer": summary([float(a["deltas"]) for a in answers]),
        "frames_per_answer": summary([float(a["frames"]) for a in answers]),
        "wire_frames_per_answer": summary([float(a["wire_frames"]) for a in answers]),
    }
    result = {
        "benchmark": "realtime",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
        "answers": len(answers),
        "responder": "extractive (local)",
        "figures": figures,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1) + "\n")
    print(f"WebSocket API on the local stack: {len(answers)} answers, extractive responder")
    print(f"{'figure':28} {'median':>8} {'p90':>8} {'min':>8} {'max':>8}")
    for name, value in figures.items():
        if isinstance(value, dict):
            row = f"{value['median']:>8} {value['p90']:>8} {value['min']:>8} {value['max']:>8}"
            print(f"{name:28} {row}")
        else:
            print(f"{name:28} {value:>8}")
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
