"""Request metrics of the table wrapper (seed 002): counts, failures, latency, capacity."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Protocol


class MetricSink(Protocol):
    """Where metrics go: Powertools ``Metrics`` satisfies this (``add_metric``)."""

    def add_metric(self, name: str, unit: str, value: float) -> None: ...


@dataclass
class OperationStats:
    requests: int = 0
    failures: int = 0
    total_latency_ms: float = 0.0
    max_latency_ms: float = 0.0
    consumed_capacity: float = 0.0

    @property
    def average_latency_ms(self) -> float:
        return self.total_latency_ms / self.requests if self.requests else 0.0


@dataclass
class RequestMetrics:
    """Thread-safe accumulator; one per table wrapper. Publish a :meth:`snapshot` as EMF."""

    operations: dict[str, OperationStats] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(
        self, operation: str, latency_ms: float, *, failed: bool, capacity: float = 0.0
    ) -> None:
        with self._lock:
            stats = self.operations.setdefault(operation, OperationStats())
            stats.requests += 1
            stats.failures += int(failed)
            stats.total_latency_ms += latency_ms
            stats.max_latency_ms = max(stats.max_latency_ms, latency_ms)
            stats.consumed_capacity += capacity

    @property
    def total_requests(self) -> int:
        with self._lock:
            return sum(s.requests for s in self.operations.values())

    @property
    def failed_requests(self) -> int:
        with self._lock:
            return sum(s.failures for s in self.operations.values())

    def snapshot(self) -> dict[str, dict[str, float]]:
        """Per operation: requests, failures, averageLatencyMs, maxLatencyMs, consumedCapacity."""
        with self._lock:
            return {
                name: {
                    "requests": s.requests,
                    "failures": s.failures,
                    "averageLatencyMs": round(s.average_latency_ms, 3),
                    "maxLatencyMs": round(s.max_latency_ms, 3),
                    "consumedCapacity": s.consumed_capacity,
                }
                for name, s in self.operations.items()
            }

    def publish(self, sink: MetricSink) -> None:
        """Add per-operation totals to ``sink`` (e.g. Powertools Metrics, flushed as EMF)."""
        for operation, stats in self.snapshot().items():
            sink.add_metric(
                name=f"DynamoDB{operation}Requests", unit="Count", value=stats["requests"]
            )
            sink.add_metric(
                name=f"DynamoDB{operation}Failures", unit="Count", value=stats["failures"]
            )
            sink.add_metric(
                name=f"DynamoDB{operation}LatencyMax",
                unit="Milliseconds",
                value=stats["maxLatencyMs"],
            )
            sink.add_metric(
                name=f"DynamoDB{operation}Capacity", unit="Count", value=stats["consumedCapacity"]
            )

    def reset(self) -> None:
        with self._lock:
            self.operations.clear()
