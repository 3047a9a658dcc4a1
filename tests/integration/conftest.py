"""Integration fixtures: one moto server for the session, fresh tables for each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.moto_server import MotoServer


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    server = MotoServer().start()
    yield server
    server.stop()


@pytest.fixture
def main_table(moto_server: MotoServer) -> str:
    """The name of a fresh, empty main table (with its GSIs, TTL and stream) on the moto server."""
    return moto_server.create_main_table()
