"""Request metrics add up per operation, for the operations CLI and the tests."""

from __future__ import annotations

from strata.store.metrics import RequestMetrics


def test_metrics_accumulate_per_operation() -> None:
    # Given two queries (one failed) and a read
    metrics = RequestMetrics()
    metrics.record("Query", 12.0, failed=False)
    metrics.record("Query", 30.0, failed=True)
    metrics.record("GetItem", 4.0, failed=False)

    # Then the snapshot sums them per operation
    assert metrics.snapshot()["Query"] == {
        "requests": 2,
        "failures": 1,
        "averageLatencyMs": 21.0,
        "maxLatencyMs": 30.0,
    }
    assert (metrics.total_requests, metrics.failed_requests) == (3, 1)
    metrics.reset()
    assert metrics.snapshot() == {}
