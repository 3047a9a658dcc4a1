"""One local stack for the whole e2e session, started as a user starts it (``python -m local``)
on free ports with its own state directory; every e2e test talks to it over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.local_stack import LocalStackProcess, User


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackProcess]:
    root: Path = tmp_path_factory.mktemp("local-stack")
    stack = LocalStackProcess(root / "state").start(fresh=True)
    yield stack
    stack.stop()


@pytest.fixture
def user(local_stack: LocalStackProcess) -> User:
    return User.sign_up(local_stack)
