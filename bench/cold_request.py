"""A cold start's import and its first request, each in a fresh interpreter: the api function
answering ``GET /sessions/<id>`` and the minimal Powertools handler (bench/peers/powertools_api.py)
answering ``GET /items/<id>`` for the same session item, as Lambda runs them (the module imported,
then ``handler(event, context)`` once).

The api function leaves work to the first request that its import used to do (route areas,
validation, settings, the services' wiring and its clients), so its import alone does not say
what a cold start costs: this does. Both talk to one moto server on 127.0.0.1 started here
(``AWS_ENDPOINT_URL``), with the settings a deployment has (Bedrock and OpenSearch, whose
clients are built and never called on this route); every request either makes is answered by it,
in the same run, so its cost is in both figures, per request made.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from bench.harness import LIBRARY, ROOT, Area, Figure, bench_env, interleaved, median

OURS = "lambdas.api.handler"
PEER = "bench.peers.powertools_api"

_CHILD = """
import importlib, json, sys, time, types
sys.path[:0] = {paths!r}
with open({events!r}) as source:
    events = json.load(source)
context = types.SimpleNamespace(
    function_name="bench", function_version="$LATEST", memory_limit_in_mb=1024,
    invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:bench",
    aws_request_id="bench", log_group_name="", log_stream_name="",
    get_remaining_time_in_millis=lambda: 29_000,
)
started, started_cpu = time.perf_counter(), time.process_time()
module = importlib.import_module({module!r})
imported, imported_cpu = time.perf_counter(), time.process_time()
answers = [module.handler(event, context) for event in events]
answered, answered_cpu = time.perf_counter(), time.process_time()
print()
print(json.dumps({{
    "import": imported - started,
    "requests": answered - imported,
    "import_cpu": imported_cpu - started_cpu,
    "requests_cpu": answered_cpu - imported_cpu,
    "answers": [{{"status": a["statusCode"], "body": a.get("body")}} for a in answers],
}}))
"""


@dataclass(frozen=True)
class ColdStart:
    """Seconds of one fresh interpreter's import and of its requests (wall clock, and CPU time
    of that interpreter alone: the moto server's work is not in it), and their answers."""

    import_seconds: float
    request_seconds: float
    import_cpu_seconds: float
    request_cpu_seconds: float
    answers: list[dict[str, Any]]

    @property
    def total_seconds(self) -> float:
        return self.import_seconds + self.request_seconds

    @property
    def total_cpu_seconds(self) -> float:
        return self.import_cpu_seconds + self.request_cpu_seconds


def cold_start(
    module: str, events: Sequence[Mapping[str, Any]], env: Mapping[str, str], root: Path = ROOT
) -> ColdStart:
    """Import ``module`` in a new interpreter and call its handler with each of ``events``
    (``root``: the checkout whose code is imported)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump(list(events), file)
    try:
        paths = [str(root / LIBRARY.relative_to(ROOT)), str(root)]
        code = _CHILD.format(paths=paths, events=file.name, module=module)
        completed = subprocess.run(  # noqa: S603 - our own interpreter, our own code
            [sys.executable, "-c", code],
            cwd=root,
            env=dict(env),
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        Path(file.name).unlink()
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    answers = list(result["answers"])
    failed = [answer for answer in answers if not 200 <= answer["status"] < 300]
    if failed:
        raise RuntimeError(f"{module}: a cold request failed: {failed}")
    return ColdStart(
        float(result["import"]),
        float(result["requests"]),
        float(result["import_cpu"]),
        float(result["requests_cpu"]),
        answers,
    )


@dataclass(frozen=True)
class World:
    """One user with one session in a moto server, and the events that read the session."""

    env: dict[str, str]
    ours: dict[str, Any]  # GET /sessions/<id>
    peer: dict[str, Any]  # GET /items/<id>


@contextmanager
def world() -> Iterator[World]:
    """A moto server (127.0.0.1) with Strata's table, bucket and user pool, a user whose profile
    and one session were created through the api function itself (in a fresh interpreter)."""
    from strata.auth.directory import CognitoDirectory  # noqa: PLC0415
    from strata.schema import MAIN_TABLE  # noqa: PLC0415
    from tests.support.events import Identity, api_event  # noqa: PLC0415
    from tests.support.moto_server import MotoServer  # noqa: PLC0415

    # This process's clients (to set the world up) need credentials too: the bench's dummy ones.
    for name, value in bench_env().items():
        if name.startswith("AWS_"):
            os.environ.setdefault(name, value)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the server's access log
    server = MotoServer().start()
    try:
        table = server.create_table(MAIN_TABLE)
        bucket = f"strata-bench-{uuid.uuid4().hex[:8]}"
        server.client("s3").create_bucket(Bucket=bucket)
        cognito = server.client("cognito-idp")
        pool = cognito.create_user_pool(PoolName="bench", UsernameAttributes=["email"])
        pool_id = pool["UserPool"]["Id"]
        email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
        sub = CognitoDirectory(cognito, pool_id).create_user(email)
        cognito.admin_set_user_password(  # a confirmed account, as after its first sign-in
            UserPoolId=pool_id,
            Username=sub,
            Password="Correct-Horse-9!",  # noqa: S106 - moto's
            Permanent=True,
        )
        identity = Identity(sub=sub, email=email)
        env = bench_env(
            {
                "AWS_ENDPOINT_URL": server.endpoint,
                "TABLE_NAME": table,  # the peer's
                "STRATA_TABLE_NAME": table,
                "STRATA_IDEMPOTENCY_TABLE_NAME": f"{table}-idempotency",
                "STRATA_BUCKET_NAME": bucket,
                "STRATA_USER_POOL_ID": pool_id,
                "STRATA_TOKEN_SECRET": "bench-token-secret",
                "STRATA_COLLECTION_ENDPOINT": "https://bench.us-east-1.aoss.amazonaws.com",
            }
        )
        created = cold_start(
            OURS,
            [
                api_event("GET", "/me", identity=identity),
                api_event("POST", "/sessions", identity=identity, body={"title": "cold"}),
            ],
            env,
        )
        session_id = json.loads(created.answers[-1]["body"])["sessionId"]
        yield World(
            env=env,
            ours=api_event("GET", f"/sessions/{session_id}", identity=identity),
            peer=api_event("GET", f"/items/{session_id}", identity=identity),
        )
    finally:
        server.stop()


def add_cold_start_figures(area: Area, rounds: int) -> None:
    """Import + first request of the api function beside the minimal Powertools handler's,
    interleaved over ``rounds`` rounds, into ``area``."""
    runs: dict[str, list[ColdStart]] = {"api": [], "minimal": []}
    with world() as setup:

        def run(name: str, module: str, event: dict[str, Any]) -> float:
            start = cold_start(module, [event], setup.env)
            runs[name].append(start)
            return start.total_seconds

        interleaved(
            {
                "api": partial(run, "api", OURS, setup.ours),
                "minimal": partial(run, "minimal", PEER, setup.peer),
            },
            rounds,
        )

    def ms(name: str, part: str) -> float:
        return 1000 * median([getattr(start, part) for start in runs[name]])

    area.add(
        Figure(
            key="import.api.first-request.minimal",
            measure=f"import {OURS} + first request (GET one session)",
            ours=ms("api", "total_seconds"),
            unit="ms",
            peer_name="minimal Powertools handler, import + first GET of the item",
            peer=ms("minimal", "total_seconds"),
            note=(
                f"medians: import {ms('api', 'import_seconds'):.0f} + request "
                f"{ms('api', 'request_seconds'):.0f} ms (peer {ms('minimal', 'import_seconds'):.0f}"
                f" + {ms('minimal', 'request_seconds'):.0f}); CPU time of the interpreter "
                f"{ms('api', 'total_cpu_seconds'):.0f} ms (peer "
                f"{ms('minimal', 'total_cpu_seconds'):.0f}); AWS answered by a moto server on "
                "127.0.0.1"
            ),
        )
    )
