"""A client built on first use, once, even when threads race for it (no client at import or
construction time: a function that never searches never connects)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class LazyClient:
    """Mixed into the vector indexes: ``client`` builds ``client_factory()`` on first use."""

    def _init_client(self, client_factory: Callable[[], Any]) -> None:
        self._client_factory = client_factory
        self._client: Any = None
        self._client_lock = threading.Lock()

    @property
    def client(self) -> Any:
        with self._client_lock:
            if self._client is None:
                self._client = self._client_factory()
            return self._client
