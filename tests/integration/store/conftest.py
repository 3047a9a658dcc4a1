"""Fixtures of the store tests: a Table on a fresh main table of the shared moto server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from moto.dynamodb.responses import DynamoHandler

from strata.clock import ManualClock
from strata.models import CognitoClaims
from strata.store.factory import Repositories, repositories_for
from strata.store.table import Table
from strata.store.tokens import TokenSigner
from tests.support.moto_server import MotoServer
from tests.support.settings import make_settings

TOKEN_SECRET = "integration-test-token-secret"


@pytest.fixture(scope="session", autouse=True)
def _dynamodb_requests_serialized() -> Iterator[None]:
    """Make moto apply DynamoDB requests one at a time, as DynamoDB isolates writes.

    moto checks a condition and applies the write without isolation, so two concurrent
    conditional writes can both pass; DynamoDB never allows that. Concurrency tests must test
    our locking, not the emulator's races. (The server runs in this process, so one lock
    around its DynamoDB dispatch is enough.)
    """
    lock = threading.Lock()
    original = DynamoHandler.call_action

    def serialized(self: DynamoHandler) -> Any:
        with lock:
            return original(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DynamoHandler, "call_action", serialized)
        yield


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))


@pytest.fixture
def ddb(moto_server: MotoServer) -> Any:
    return moto_server.client("dynamodb")


@pytest.fixture
def table(ddb: Any, main_table: str, clock: ManualClock) -> Table:
    return Table(ddb, main_table, TokenSigner(TOKEN_SECRET), clock, sleep=lambda _: None)


@pytest.fixture
def repos(table: Table, clock: ManualClock) -> Repositories:
    return repositories_for(table, clock, make_settings(token_secret=TOKEN_SECRET))


def claims(sub: str, email: str, **extra: Any) -> CognitoClaims:
    return CognitoClaims.model_validate({"sub": sub, "email": email, **extra})
