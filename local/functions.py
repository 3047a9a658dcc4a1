"""The platform's functions, invoked in this process the way Lambda invokes them.

Each function is imported lazily from ``lambdas/<fn>/handler.py`` and invoked with a Lambda-like
context, one invocation at a time (one warm container per function, as Powertools' module-level
state assumes). A function whose module is not in the tree is reported as missing, and whatever
feeds it is not started; nothing stands in for it.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from local.events import LambdaContext

log = logging.getLogger("local")

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class Function:
    """One function: where its handler lives and how long an invocation may take."""

    name: str
    modules: tuple[str, ...]  # candidate modules, first found wins
    timeout_seconds: int = 30
    _handler: Handler | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @classmethod
    def of(cls, name: str, handler: Handler, timeout_seconds: int = 30) -> Function:
        """A function whose handler is given rather than imported (tests, tools)."""
        function = cls(name, (), timeout_seconds)
        function._handler = handler
        return function

    @property
    def module(self) -> str | None:
        for module in self.modules:
            try:
                if importlib.util.find_spec(module) is not None:
                    return module
            except ModuleNotFoundError:
                continue
        return None

    @property
    def available(self) -> bool:
        return self._handler is not None or self.module is not None

    def load(self) -> Handler:
        if self._handler is None:
            module = self.module
            if module is None:
                raise RuntimeError(f"function {self.name}: none of {self.modules} exists")
            handler: Handler = importlib.import_module(module).handler
            self._handler = handler
        return self._handler

    def invoke(self, event: Mapping[str, Any]) -> Any:
        handler = self.load()
        context = LambdaContext.for_function(f"strata-local-{self.name}", self.timeout_seconds)
        with self._lock:
            return handler(dict(event), context)


API = Function("api", ("lambdas.api.handler", "lambdas.api.app"), timeout_seconds=29)
INGEST = Function("ingest", ("lambdas.ingest.handler",), timeout_seconds=300)
STREAMS = Function("streams", ("lambdas.streams.handler",), timeout_seconds=60)
COGNITO = Function("cognito", ("lambdas.cognito.handler",), timeout_seconds=5)
MAINTENANCE = Function("maintenance", ("lambdas.maintenance.handler",), timeout_seconds=300)
REALTIME = Function("realtime", ("lambdas.realtime.handler",), timeout_seconds=29)
ALL_FUNCTIONS: tuple[Function, ...] = (API, INGEST, STREAMS, COGNITO, MAINTENANCE, REALTIME)
