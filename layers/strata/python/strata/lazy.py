"""Objects built on their first use, once: a service's clients where most requests need none.

The production wiring (``build_services``) hands every service its collaborators when the first
request of a container arrives, and a route uses one or two of them: a ``GET`` of a session needs
the table, never S3, Cognito or Bedrock. botocore builds a client by loading its service's model
(S3's is the largest), tens of milliseconds each on a cold start, so the clients a request may
not need are handed over as :class:`OnFirstUse` and built by the first call that uses them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class OnFirstUse:
    """Stands for what ``build()`` returns: the first attribute read builds it (once, even when
    threads race for it), and every attribute is read from it."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self._built: Any = None
        self._lock = threading.Lock()

    @property
    def target(self) -> Any:
        """The built object (built now if it was not)."""
        built = self._built
        if built is None:
            with self._lock:
                if self._built is None:
                    self._built = self._build()
                built = self._built
        return built

    @property
    def is_built(self) -> bool:
        return self._built is not None

    def __getattr__(self, name: str) -> Any:
        # Called only for names the proxy itself does not have: the client's.
        return getattr(self.target, name)
