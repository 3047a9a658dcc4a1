"""The local stack (``python -m local``): time to healthy, resident memory, time to stop.

1. Start to healthy: spawn ``python -m local --fresh`` until ``GET /health`` answers 200 (and the
   CPU time that took, which does not grow with the machine's load as the wall time does),
   beside its floor, moto's own server alone (``python -m moto.server``) until it answers.
2. Resident memory (VmRSS) once healthy, and after a session (sign-up, log-in, a chat message, an
   uploaded document ingested to ready, a search).
3. Restart with that state saved (load included), then Ctrl-C (SIGINT) to exit, saving included.
4. A bounded closed-loop load: 20 clients, each its own signed-up user, for 60 seconds, each
   sending its next request when the previous one is answered (half lists of sessions, a quarter
   one session, a quarter new sessions): requests/s, p50/p99, errors; afterwards every session
   whose creation was acknowledged (201) is looked for in its owner's list: written vs present.

Run: ``.venv/bin/python bench/local_stack.py`` (``make bench`` runs it too). Figures vary with the
machine and its load. Nothing here runs in ``make test``.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import Area, Figure, median, percentile

ROOT = Path(__file__).resolve().parents[1]
RUNS = 2
CLIENTS = 20
LOAD_SECONDS = 60.0


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


def sign_up(url: str) -> dict[str, str]:
    email, password = f"load-{uuid.uuid4().hex[:8]}@example.com", "Bench-Passw0rd-123!"
    requests.post(f"{url}/auth/signup", json={"email": email, "password": password}, timeout=60)
    token = requests.post(
        f"{url}/auth/login", json={"username": email, "password": password}, timeout=60
    ).json()["idToken"]
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Client:
    """One closed-loop client: its own user, its latencies, errors and acknowledged writes."""

    url: str
    auth: dict[str, str]
    seed: int
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    written: list[str] = field(default_factory=list)

    def run(self, deadline: float) -> None:
        rng = random.Random(self.seed)
        with requests.Session() as http:
            http.headers.update(self.auth)
            while time.monotonic() < deadline:
                choice = rng.random()
                started = time.perf_counter()
                try:
                    if choice < 0.25 or not self.written:
                        reply = http.post(
                            f"{self.url}/sessions",
                            json={"title": f"load {rng.random()}"},
                            timeout=60,
                        )
                        if reply.status_code == 201:
                            self.written.append(reply.json()["sessionId"])
                    elif choice < 0.5:
                        session_id = rng.choice(self.written)
                        reply = http.get(f"{self.url}/sessions/{session_id}", timeout=60)
                    else:
                        reply = http.get(f"{self.url}/sessions?limit=20", timeout=60)
                    ok = reply.status_code < 400
                except requests.RequestException:
                    ok = False
                self.latencies.append(time.perf_counter() - started)
                self.errors += 0 if ok else 1

    def present(self) -> int:
        """How many of the acknowledged sessions the owner's list holds now."""
        found: set[str] = set()
        token: str | None = None
        while True:
            query = {"limit": "100", **({"nextToken": token} if token else {})}
            page = requests.get(
                f"{self.url}/sessions", params=query, headers=self.auth, timeout=60
            ).json()
            found.update(item["sessionId"] for item in page["items"])
            token = page.get("nextToken")
            if not token:
                return len(found & set(self.written))


def load(url: str) -> tuple[float, list[float], int, int, int]:
    """requests/s, every latency, errors, writes acknowledged, writes present afterwards."""
    clients = [Client(url, sign_up(url), seed) for seed in range(CLIENTS)]
    deadline = time.monotonic() + LOAD_SECONDS
    started = time.monotonic()
    threads = [threading.Thread(target=client.run, args=(deadline,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    latencies = [value for client in clients for value in client.latencies]
    written = sum(len(client.written) for client in clients)
    present = sum(client.present() for client in clients)
    errors = sum(client.errors for client in clients)
    return len(latencies) / elapsed, latencies, errors, written, present


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=RUNS)
    runs = parser.parse_args().runs
    cold, floor, ready_rss, used_rss, restart, stop_times = [], [], [], [], [], []
    cold_cpu: list[float] = []
    area = Area(
        "local_stack",
        "The local stack",
        method=(
            f"Start-up and memory: median of {runs} run(s). Load: {CLIENTS} clients, each its own "
            f"user, closed loop for {LOAD_SECONDS:.0f} s over HTTP on loopback (the clients share "
            "the machine with the stack); half lists of 20 sessions, a quarter one session, a "
            "quarter new sessions."
        ),
    )
    for run in range(runs):
        floor.append(moto_alone())
        with tempfile.TemporaryDirectory() as tmp:
            state, port = Path(tmp) / "state", free_port()
            process, seconds = start_stack(port, state, fresh=True)
            cold.append(seconds)
            cold_cpu.append(cpu_seconds(process.pid))
            ready_rss.append(rss_mb(process.pid))
            session(f"http://127.0.0.1:{port}", Path(tmp))
            used_rss.append(rss_mb(process.pid))
            if run == 0:
                rate, latencies, errors, written, present = load(f"http://127.0.0.1:{port}")
                loaded_rss = rss_mb(process.pid)
            stop_times.append(stop(process))
            process, seconds = start_stack(port, state, fresh=False)
            restart.append(seconds)
            stop_times.append(stop(process))
    moto = median(floor)
    for key, measure, values, unit, peer in (
        ("start", "start to healthy, fresh", cold, "s", moto),
        ("start_cpu", "CPU time of that start", cold_cpu, "s", None),
        ("restart", "start to healthy, state restored", restart, "s", moto),
        ("stop", "Ctrl-C to exit, state saved", stop_times, "s", None),
        ("rss", "resident memory when healthy", ready_rss, "MB", None),
        (
            "rss_used",
            "resident memory after a session (one document ingested)",
            used_rss,
            "MB",
            None,
        ),
    ):
        area.add(
            Figure(
                key=f"local_stack.{key}",
                measure=measure,
                ours=median(values),
                unit=unit,
                peer_name="moto server alone, start to answering" if peer is not None else "",
                peer=peer,
            )
        )
    area.add(
        Figure(
            key="local_stack.load.rps",
            measure=f"{CLIENTS} clients, closed loop: throughput",
            ours=rate,
            unit="requests/s",
            higher_is_better=True,
            note=f"{len(latencies):,} requests in {LOAD_SECONDS:.0f} s",
        )
    )
    area.add(
        Figure(
            key="local_stack.load.p50",
            measure="latency p50",
            ours=percentile(latencies, 0.5) * 1000,
            unit="ms",
        )
    )
    area.add(
        Figure(
            key="local_stack.load.p99",
            measure="latency p99",
            ours=percentile(latencies, 0.99) * 1000,
            unit="ms",
        )
    )
    area.add(
        Figure(
            key="local_stack.load.errors",
            measure="errors (4xx/5xx or no answer)",
            ours=float(errors),
            unit="",
            note=f"of {len(latencies):,} requests",
        )
    )
    area.add(
        Figure(
            key="local_stack.load.present",
            measure="sessions present afterwards",
            ours=float(present),
            unit="",
            peer_name="creations acknowledged (201)",
            peer=float(written),
            higher_is_better=True,
        )
    )
    area.add(
        Figure(
            key="local_stack.load.rss",
            measure="resident memory after the load",
            ours=loaded_rss,
            unit="MB",
        )
    )
    area.finish()


if __name__ == "__main__":
    main()
