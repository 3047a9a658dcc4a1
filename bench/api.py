"""The api function's per-request path, in process, route by route, beside two peers handling the
same shapes of request over the same table: a raw boto3 handler (bench/peers/boto3_api.py) and a
minimal Powertools handler (bench/peers/powertools_api.py).

Two back ends:
- moto: every AWS call answered by moto in process (its own cost included, the same for all);
- recorded: each route's AWS replies recorded once from moto, then replayed byte for byte from a
  botocore ``before-send`` hook, so what is timed is the handler, botocore's serialisation and
  parsing, and nothing of moto.

The handler is called as Lambda calls it (``handler(event, context)``) with API Gateway proxy
events carrying Cognito claims; the services are wired as the integration tests wire them (moto
clients, local embedder and index) through the resolver's dependency overrides. DynamoDB requests
per route are counted with botocore's ``before-call`` events.

Run: ``make bench AREA=api`` (or ``.venv/bin/python bench/api.py [--rounds N]``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import Area, Figure, bench_env, interleaved, median, use_repository_paths

use_repository_paths()

import os  # noqa: E402

os.environ.update({k: v for k, v in bench_env().items() if k.startswith(("AWS_", "POWERTOOLS_"))})
os.environ["POWERTOOLS_TRACE_DISABLED"] = "1"  # no X-Ray daemon here: as in the tests
TABLE = "strata-bench-main"
os.environ["TABLE_NAME"] = TABLE
os.environ.update(
    {
        "STRATA_TABLE_NAME": TABLE,
        "STRATA_IDEMPOTENCY_TABLE_NAME": "strata-bench-idempotency",
        "STRATA_BUCKET_NAME": "strata-bench-documents",
    }
)

import time  # noqa: E402

import botocore.handlers  # noqa: E402
from botocore.awsrequest import AWSResponse  # noqa: E402
from moto.core.models import botocore_stubber as moto_stubber  # noqa: E402


@dataclass
class Replies:
    """Records the AWS replies of one call, then answers the same calls with them, in order."""

    mode: str = "off"  # off | record | replay
    recorded: list[tuple[str, int, dict[str, str], bytes]] = field(default_factory=list)
    cursor: int = 0
    calls: Counter[str] = field(default_factory=Counter)

    def on_call(self, event_name: str, **_: Any) -> None:
        if event_name.startswith("before-call.dynamodb."):
            self.calls[event_name.rsplit(".", 1)[1]] += 1

    def on_response(self, event_name: str, response_dict: dict[str, Any], **_: Any) -> None:
        if self.mode == "record":
            operation = event_name.split(".", 1)[1]
            headers = dict(response_dict["headers"])
            self.recorded.append(
                (operation, response_dict["status_code"], headers, response_dict["body"])
            )

    def on_send(self, request: Any, event_name: str, **_: Any) -> AWSResponse | None:
        if self.mode != "replay":
            return None
        operation, status, headers, body = self.recorded[self.cursor % len(self.recorded)]
        expected = event_name.split(".", 1)[1]
        if operation != expected:
            raise RuntimeError(f"replay out of step: {expected} asked, {operation} recorded")
        self.cursor += 1
        return AWSResponse(request.url, status, headers, _Body(body))

    @contextmanager
    def recording(self) -> Iterator[None]:
        self.mode, self.recorded, self.cursor = "record", [], 0
        try:
            yield
        finally:
            self.mode = "off"

    @contextmanager
    def replaying(self, recorded: list[tuple[str, int, dict[str, str], bytes]]) -> Iterator[None]:
        """Answer from ``recorded``; moto's own hook (every before-send handler runs, the first
        answer wins) is switched off meanwhile, or it would still do all its work."""
        self.mode, self.recorded, self.cursor = "replay", recorded, 0
        was, moto_stubber.enabled = moto_stubber.enabled, False
        try:
            yield
        finally:
            self.mode = "off"
            moto_stubber.enabled = was


@dataclass
class _Body:
    data: bytes

    def stream(self, *_: Any, **__: Any) -> Iterator[bytes]:
        yield self.data


REPLIES = Replies()
# First, so a replayed reply wins over moto's; every botocore session created from now on has them.
botocore.handlers.BUILTIN_HANDLERS.insert(0, ("before-send", REPLIES.on_send))
botocore.handlers.BUILTIN_HANDLERS.append(("response-received", REPLIES.on_response))
botocore.handlers.BUILTIN_HANDLERS.append(("before-call", REPLIES.on_call))

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

from bench.peers import boto3_api, powertools_api  # noqa: E402
from lambdas.api.dependencies import services as services_dependency  # noqa: E402
from lambdas.api.handler import app, handler  # noqa: E402
from lambdas.api.routes.search import search_service  # noqa: E402
from strata.auth.directory import CognitoDirectory  # noqa: E402
from strata.clock import SystemClock  # noqa: E402
from strata.documents.uploads import DocumentUploads  # noqa: E402
from strata.schema import MAIN_TABLE, create_table_kwargs  # noqa: E402
from strata.search.local import LocalLexicalEmbedder, LocalVectorIndex  # noqa: E402
from strata.search.service import SearchService  # noqa: E402
from strata.services.access import CallerAccess  # noqa: E402
from strata.services.factory import wire_services  # noqa: E402
from strata.store.factory import build_table, repositories_for  # noqa: E402
from tests.integration.api.conftest import RecordingReporter, ScriptedAssistant  # noqa: E402
from tests.support.events import Identity, LambdaContextStub, api_event  # noqa: E402
from tests.support.settings import make_settings  # noqa: E402

DIMENSION = 256
RUN_SECONDS = 24 * 3600.0
BUCKET = "strata-bench-documents"
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def wire(identity_holder: list[Identity]) -> None:
    """Resources in moto, the services wired to them, one user with 25 sessions."""
    dynamodb = boto3.client("dynamodb")
    dynamodb.create_table(**create_table_kwargs(MAIN_TABLE, TABLE))
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    cognito = boto3.client("cognito-idp")
    pool_id = cognito.create_user_pool(PoolName="bench", UsernameAttributes=["email"])["UserPool"][
        "Id"
    ]
    settings = make_settings(
        table_name=TABLE,
        bucket_name=BUCKET,
        token_secret="bench-token-secret",  # noqa: S106 - not a secret
        embedder="local",
        vector_index="local",
        responder="extractive",
        embedding_dimension=DIMENSION,
    )
    clock = SystemClock()
    index = LocalVectorIndex(dimension=DIMENSION)
    table = build_table(settings, client=dynamodb, clock=clock)
    repositories = repositories_for(table, clock, settings)
    directory = CognitoDirectory(cognito, pool_id)
    services = wire_services(
        settings=settings,
        repositories=repositories,
        directory=directory,
        uploads=DocumentUploads(s3, BUCKET, settings.upload_url_expiry_seconds),
        embedder=LocalLexicalEmbedder(DIMENSION),
        index=index,
        assistant=ScriptedAssistant(),
        clock=clock,
        reporter=RecordingReporter(),
    )
    # A caller's admission is cached for a minute (strata.services.access); its refresh in the
    # middle of a replayed batch would make a request that was not recorded (the replay then
    # answers out of step and the route times an error). Production refreshes once a minute per
    # caller, nothing per request: the bench keeps one verdict for the run.
    services = replace(
        services, access=CallerAccess(repositories.users, directory, ttl_seconds=RUN_SECONDS)
    )
    search = SearchService(LocalLexicalEmbedder(DIMENSION), index)
    app.dependency_overrides[services_dependency] = lambda: services
    app.dependency_overrides[search_service] = lambda: search
    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    sub = CognitoDirectory(cognito, pool_id).create_user(email)
    cognito.admin_set_user_password(
        UserPoolId=pool_id,
        Username=sub,
        Password="Correct-Horse-9!",  # noqa: S106 - moto's
        Permanent=True,
    )
    identity = Identity(sub=sub, email=email, groups=("GENERAL",))
    identity_holder.append(identity)
    answered = call(handler, "GET", "/me", identity)
    assert answered["statusCode"] == 200, answered


def call(target: Handler, method: str, path: str, identity: Identity, body: Any = None) -> Any:
    return target(api_event(method, path, identity=identity, body=body), LambdaContextStub())


def per_call(action: Callable[[], Any], calls: int) -> float:
    """Mean seconds per call over ``calls`` consecutive calls, every one of them answered 2xx
    (an error path is not what is measured)."""
    statuses = []
    with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):  # metrics print
        started = time.perf_counter()
        for _ in range(calls):
            statuses.append(action()["statusCode"])
        elapsed = time.perf_counter() - started
    failed = [status for status in statuses if not 200 <= status < 300]
    if failed:
        raise RuntimeError(f"{len(failed)} of {calls} calls failed (statuses {set(failed)})")
    return elapsed / calls


def measured(
    variant: Callable[[], Any],
    recorded: list[tuple[str, int, dict[str, str], bytes]] | None,
    calls: int,
) -> float:
    """Mean seconds per call of ``variant``, answered by moto or, given them, by ``recorded``."""
    if recorded is None:
        return per_call(variant, calls)
    with REPLIES.replaying(recorded):
        return per_call(variant, calls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=20, help="calls per variant per round")
    args = parser.parse_args()
    area = Area(
        "api",
        "API per route, in process",
        method=(
            f"Median over {args.rounds} interleaved rounds of the mean of {args.calls} calls. "
            "moto: AWS answered by moto in process; recorded: the route's replies recorded from "
            "moto and replayed by a botocore before-send hook (no moto cost). Peers: "
            "bench/peers/boto3_api.py and bench/peers/powertools_api.py over the same table."
        ),
    )
    with mock_aws():
        holder: list[Identity] = []
        wire(holder)
        me = holder[0]
        session_ids = [
            call(handler, "POST", "/sessions", me, {"title": f"session {n}"}) for n in range(25)
        ]
        session_id = json.loads(session_ids[-1]["body"])["sessionId"]
        ours: dict[str, Callable[[], Any]] = {
            "GET /me": partial(call, handler, "GET", "/me", me),
            "GET one session": partial(call, handler, "GET", f"/sessions/{session_id}", me),
            "GET a page of 20 sessions": partial(call, handler, "GET", "/sessions?limit=20", me),
            "POST a session": partial(call, handler, "POST", "/sessions", me, {"title": "bench"}),
            "GET documents": partial(call, handler, "GET", "/documents?limit=20", me),
        }
        peers: dict[str, dict[str, Callable[[], Any]]] = {
            "GET one session": {
                name: partial(call, module.handler, "GET", f"/items/{session_id}", me)
                for name, module in (("raw", boto3_api), ("powertools", powertools_api))
            },
            "GET a page of 20 sessions": {
                name: partial(call, module.handler, "GET", "/items", me)
                for name, module in (("raw", boto3_api), ("powertools", powertools_api))
            },
            "POST a session": {
                name: partial(call, module.handler, "POST", "/items", me, {"title": "bench"})
                for name, module in (("raw", boto3_api), ("powertools", powertools_api))
            },
        }
        for route, action in ours.items():
            response = action()
            assert response["statusCode"] in (200, 201), (route, response)
            for peer_action in peers.get(route, {}).values():
                peer_response = peer_action()
                assert peer_response["statusCode"] in (200, 201), (route, peer_response)
        for backend in ("moto", "recorded"):
            for route, action in ours.items():
                REPLIES.calls.clear()
                with REPLIES.recording():
                    action()
                requests = dict(REPLIES.calls)
                variants: dict[str, Callable[[], Any]] = {"ours": action}
                variants.update(peers.get(route, {}))
                recordings: dict[str, list[tuple[str, int, dict[str, str], bytes]]] = {}
                if backend == "recorded":
                    for name, variant in variants.items():
                        with REPLIES.recording():
                            variant()
                        recordings[name] = REPLIES.recorded

                samples = interleaved(
                    {
                        name: partial(measured, variant, recordings.get(name), args.calls)
                        for name, variant in variants.items()
                    },
                    args.rounds,
                )
                ours_ms = median(samples["ours"]) * 1000
                dynamo = ", ".join(f"{op} {n}" for op, n in sorted(requests.items())) or "none"
                slug = route.lower().replace(" ", "-").replace("/", "")
                if route not in peers:
                    area.add(
                        Figure(
                            key=f"api.{backend}.{slug}",
                            measure=f"{route} ({backend})",
                            ours=ours_ms,
                            unit="ms",
                            note=f"DynamoDB requests: {dynamo}",
                        )
                    )
                for name, label in (
                    ("raw", "raw boto3 handler"),
                    ("powertools", "minimal Powertools handler"),
                ):
                    if name in samples:
                        area.add(
                            Figure(
                                key=f"api.{backend}.{slug}.{name}",
                                measure=f"{route} ({backend})",
                                ours=ours_ms,
                                unit="ms",
                                peer_name=label,
                                peer=median(samples[name]) * 1000,
                                target="<= 1.3x" if name == "powertools" else "",
                                note=f"DynamoDB requests: {dynamo} (peer: 1)",
                            )
                        )
    area.finish()


if __name__ == "__main__":
    main()
