"""The local stack's :class:`~local.vectors.RemoteVectorIndex` over its ``/_local/vectors``
routes, served in process by Starlette's test client (no socket: unit tests stay offline)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.testclient import TestClient

from local.vectors import RemoteVectorIndex, vector_routes
from strata.search.local import LocalVectorIndex


@contextmanager
def served_remote_index(index: LocalVectorIndex) -> Iterator[RemoteVectorIndex]:
    with TestClient(Starlette(routes=vector_routes(index))) as client:

        def send(method: str, path: str, body: Any) -> tuple[int, Any]:
            response = client.request(method, path, json=body)
            return response.status_code, response.json() if response.content else None

        yield RemoteVectorIndex(send)
