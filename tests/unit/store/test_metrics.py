"""Request metrics add up per operation and publish through Powertools as EMF."""

from __future__ import annotations

from aws_lambda_powertools import Metrics

from strata.store.metrics import RequestMetrics


def test_metrics_accumulate_and_publish_as_emf() -> None:
    # Given two queries (one failed) and a read
    metrics = RequestMetrics()
    metrics.record("Query", 12.0, failed=False, capacity=0.5)
    metrics.record("Query", 30.0, failed=True)
    metrics.record("GetItem", 4.0, failed=False, capacity=0.5)

    # Then the snapshot sums them per operation
    assert metrics.snapshot()["Query"] == {
        "requests": 2,
        "failures": 1,
        "averageLatencyMs": 21.0,
        "maxLatencyMs": 30.0,
        "consumedCapacity": 0.5,
    }
    assert (metrics.total_requests, metrics.failed_requests) == (3, 1)

    # When they are published to Powertools Metrics
    sink = Metrics(namespace="StrataTest", service="unit")
    metrics.publish(sink)
    emf = sink.serialize_metric_set()
    sink.clear_metrics()

    # Then the EMF document carries them with their units
    assert emf["DynamoDBQueryRequests"] == [2.0]
    definitions = {d["Name"]: d["Unit"] for d in emf["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert definitions["DynamoDBQueryLatencyMax"] == "Milliseconds"
    assert definitions["DynamoDBGetItemFailures"] == "Count"
    metrics.reset()
    assert metrics.snapshot() == {}
