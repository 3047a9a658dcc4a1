"""Request metrics of the table wrapper: counts, failures and latency per operation.

Read in process (the operations CLI reports an import's requests; tests count requests). They
are not published: DynamoDB's own CloudWatch metrics (consumed capacity, throttles, latency per
operation) already cover the table, so the wrapper no longer asks for consumed capacity.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class OperationStats:
    requests: int = 0
    failures: int = 0
    total_latency_ms: float = 0.0
    max_latency_ms: float = 0.0

    @property
    def average_latency_ms(self) -> float:
        return self.total_latency_ms / self.requests if self.requests else 0.0


@dataclass
class RequestMetrics:
    """Thread-safe accumulator; one per table wrapper."""

    operations: dict[str, OperationStats] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, operation: str, latency_ms: float, *, failed: bool) -> None:
        with self._lock:
            stats = self.operations.setdefault(operation, OperationStats())
            stats.requests += 1
            stats.failures += int(failed)
            stats.total_latency_ms += latency_ms
            stats.max_latency_ms = max(stats.max_latency_ms, latency_ms)

    @property
    def total_requests(self) -> int:
        with self._lock:
            return sum(s.requests for s in self.operations.values())

    @property
    def failed_requests(self) -> int:
        with self._lock:
            return sum(s.failures for s in self.operations.values())

    def snapshot(self) -> dict[str, dict[str, float]]:
        """Per operation: requests, failures, averageLatencyMs, maxLatencyMs."""
        with self._lock:
            return {
                name: {
                    "requests": s.requests,
                    "failures": s.failures,
                    "averageLatencyMs": round(s.average_latency_ms, 3),
                    "maxLatencyMs": round(s.max_latency_ms, 3),
                }
                for name, s in self.operations.items()
            }

    def reset(self) -> None:
        with self._lock:
            self.operations.clear()
