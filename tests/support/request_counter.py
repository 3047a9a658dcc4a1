"""Count the DynamoDB requests a client sends, per operation, through botocore's event hooks.

    with RequestCounter(client) as counts:
        repository.list_documents("u1")
    assert counts.by_operation == {"Query": 1}

``by_operation`` counts API calls (``before-call``); ``attempts`` counts HTTP sends
(``before-send``), which includes botocore's retries.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from types import TracebackType
from typing import Any


class RequestCounter:
    def __init__(self, client: Any, service: str = "dynamodb") -> None:
        self._events = client.meta.events
        self._service = service
        self._id = uuid.uuid4().hex
        self._lock = threading.Lock()
        self.by_operation: Counter[str] = Counter()
        self.attempts: Counter[str] = Counter()

    @property
    def total(self) -> int:
        return sum(self.by_operation.values())

    def reset(self) -> None:
        with self._lock:
            self.by_operation.clear()
            self.attempts.clear()

    def __enter__(self) -> RequestCounter:
        self._events.register(
            f"before-call.{self._service}", self._on_call, unique_id=f"count-call-{self._id}"
        )
        self._events.register(
            f"before-send.{self._service}", self._on_send, unique_id=f"count-send-{self._id}"
        )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._events.unregister(f"before-call.{self._service}", unique_id=f"count-call-{self._id}")
        self._events.unregister(f"before-send.{self._service}", unique_id=f"count-send-{self._id}")

    def _on_call(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.by_operation[model.name] += 1

    def _on_send(self, request: Any, **_: Any) -> None:
        target = request.headers.get("X-Amz-Target", b"")
        name = target.decode() if isinstance(target, bytes) else str(target)
        with self._lock:
            self.attempts[name.rsplit(".", 1)[-1] or "unknown"] += 1
