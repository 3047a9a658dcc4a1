"""The local stack (``python -m local``): time to healthy, resident memory, time to stop.

1. Start to healthy: spawn ``python -m local --fresh`` until ``GET /health`` answers 200 (and the
   CPU time that took, which does not grow with the machine's load as the wall time does),
   beside its floor, moto's own server alone (``python -m moto.server``) until it answers.
2. Resident memory (VmRSS) once healthy, and after a session (sign-up, log-in, a chat message, an
   uploaded document ingested to ready, a search).
3. Restart with that state saved (load included), then Ctrl-C (SIGINT) to exit, saving included.

Run: ``.venv/bin/python bench/local_stack.py`` (``make bench`` runs it too). Figures vary with the
machine and its load. Nothing here runs in ``make test``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
RUNS = 3


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process so far: what start-up costs, whatever the load."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until_answers(url: str, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer")


def env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("STRATA_", "AWS_"))}


def start_stack(port: int, state: Path, *, fresh: bool) -> tuple[subprocess.Popen[bytes], float]:
    command = [sys.executable, "-m", "local", "--port", str(port), "--state-dir", str(state)]
    if fresh:
        command.append("--fresh")
    started = time.monotonic()
    process = subprocess.Popen(  # noqa: S603
        command, cwd=ROOT, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    wait_until_answers(f"http://127.0.0.1:{port}/health", process)
    return process, time.monotonic() - started


def stop(process: subprocess.Popen[bytes]) -> float:
    started = time.monotonic()
    process.send_signal(signal.SIGINT)
    code = process.wait(timeout=120)
    if code != 0:
        raise RuntimeError(f"the stack exited with {code}")
    return time.monotonic() - started


def moto_alone() -> float:
    port = free_port()
    started = time.monotonic()
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env=env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_answers(f"http://127.0.0.1:{port}/moto-api/", process)
        return time.monotonic() - started
    finally:
        process.terminate()
        process.wait()


def session(url: str, tmp: Path) -> None:
    email, password = f"bench-{uuid.uuid4().hex[:8]}@example.com", "Bench-Passw0rd-123!"
    requests.post(f"{url}/auth/signup", json={"email": email, "password": password}, timeout=30)
    token = requests.post(
        f"{url}/auth/login", json={"username": email, "password": password}, timeout=30
    ).json()["idToken"]
    auth = {"Authorization": f"Bearer {token}"}
    session_id = requests.post(f"{url}/sessions", json={}, headers=auth, timeout=30).json()[
        "sessionId"
    ]
    requests.post(
        f"{url}/sessions/{session_id}/messages", json={"content": "hi"}, headers=auth, timeout=30
    )
    text = ("The vacation policy grants twenty-five days of paid leave per year. " * 200).encode()
    created: dict[str, Any] = requests.post(
        f"{url}/documents",
        json={"fileName": "p.txt", "fileType": "text/plain", "fileSize": len(text)},
        headers=auth,
        timeout=30,
    ).json()
    upload = created["upload"]
    posted = requests.post(
        upload["url"], data=upload["fields"], files={"file": ("p.txt", text)}, timeout=30
    )
    assert posted.status_code == 204, posted.text
    document_id = created["document"]["documentId"]
    for _ in range(300):
        status = requests.get(f"{url}/documents/{document_id}", headers=auth, timeout=30).json()[
            "status"
        ]
        if status == "ready":
            break
        time.sleep(0.1)
    requests.post(f"{url}/search", json={"query": "paid leave"}, headers=auth, timeout=30)


def main() -> None:
    rows: list[tuple[str, list[float]]] = []
    cold, floor, ready_rss, used_rss, restart, stop_times = [], [], [], [], [], []
    cold_cpu: list[float] = []
    for _ in range(RUNS):
        floor.append(moto_alone())
        with tempfile.TemporaryDirectory() as tmp:
            state, port = Path(tmp) / "state", free_port()
            process, seconds = start_stack(port, state, fresh=True)
            cold.append(seconds)
            cold_cpu.append(cpu_seconds(process.pid))
            ready_rss.append(rss_mb(process.pid))
            session(f"http://127.0.0.1:{port}", Path(tmp))
            used_rss.append(rss_mb(process.pid))
            stop_times.append(stop(process))
            process, seconds = start_stack(port, state, fresh=False)
            restart.append(seconds)
            stop_times.append(stop(process))
    rows = [
        ("start to healthy, fresh (s)", cold),
        ("CPU time of that start (s; the wall time on an idle machine)", cold_cpu),
        ("peer: moto server alone to answering (s)", floor),
        ("start to healthy, state restored (s)", restart),
        ("resident memory when healthy (MB)", ready_rss),
        ("resident memory after a session with one ingested document (MB)", used_rss),
        ("Ctrl-C to exit, state saved (s)", stop_times),
    ]
    print(f"| measure ({RUNS} runs) | best | median | worst |")
    print("|---|---|---|---|")
    for name, values in rows:
        ordered = sorted(values)
        median = ordered[len(ordered) // 2]
        print(f"| {name} | {ordered[0]:.1f} | {median:.1f} | {ordered[-1]:.1f} |")


if __name__ == "__main__":
    main()
