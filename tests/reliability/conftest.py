"""Reliability fixtures: the short/long switch and figures (frame.py), one moto server, the API
through its real handler on it (``api``, as in tests/integration/api) and, for the HTTP suites,
one local stack per session (started only if a test asks for it)."""

from __future__ import annotations

import threading
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from moto.dynamodb.responses import DynamoHandler

from tests.integration.api.conftest import (  # noqa: F401 (fixtures for the API suites)
    api,
    shared_resources,
)
from tests.integration.ingest.conftest import upload_bucket  # noqa: F401 (fixture)
from tests.reliability.frame import Reliability, from_environment
from tests.reliability.platform import ingest_platform  # noqa: F401 (fixture)
from tests.reliability.workload import faulty  # noqa: F401 (fixture)
from tests.support.local_stack import LocalStackProcess
from tests.support.moto_server import MotoServer


def pytest_report_header() -> str:
    frame = from_environment()
    return f"reliability: {frame.mode} form, seed {frame.seed}"


@pytest.fixture
def reliability(request: pytest.FixtureRequest) -> Reliability:
    """The form to run in (``reliability.long``, ``reliability.pick(short, long)``), the seed,
    and ``reliability.record(...)`` for the figures docs/RELIABILITY.md quotes."""
    return from_environment(request.node.nodeid)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Each test's outcome goes to the results file too, so the report says what failed."""
    report = yield
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        from_environment().record_outcome(item.nodeid, report.outcome, report.duration)
    return report


_DYNAMODB_REQUESTS = threading.Lock()


@pytest.fixture(autouse=True)
def atomic_dynamodb_requests() -> Iterator[None]:
    """moto answers concurrent requests on threads without a lock: a conditional update's check
    and write, or a read and an update applied attribute by attribute, can interleave, so two
    writers both win against one version (a race DynamoDB does not have: each item's writes are
    serialized and conditions atomic). The suites test Strata, not moto, so every DynamoDB
    request of the in-process moto server runs alone, as DynamoDB's per-item guarantee
    (stricter, never weaker) would have it."""
    original = DynamoHandler.call_action

    def call_action(self: DynamoHandler) -> Any:
        with _DYNAMODB_REQUESTS:
            return original(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DynamoHandler, "call_action", call_action)
        yield


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    server = MotoServer().start()
    yield server
    server.stop()


@pytest.fixture
def main_table(moto_server: MotoServer) -> str:
    """A fresh, empty main table (GSIs, TTL, stream) on the session's moto server."""
    return moto_server.create_main_table()


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackProcess]:
    """The local stack as a user starts it (``python -m local``), on free ports."""
    root: Path = tmp_path_factory.mktemp("reliability-local-stack")
    stack = LocalStackProcess(root / "state").start(fresh=True)
    yield stack
    stack.stop()
