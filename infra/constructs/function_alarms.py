"""The errors and throttles of one function: their metrics and their alarms, built one way.

Every stack with a function watched the same two Lambda metrics and alarmed on them with the same
threshold (one in a period); :func:`function_alarms` is that block, once. The alarms keep their
names (``<function>-errors``, ``<function>-throttles``), so their logical ids in the monitoring
stack do not change. The metrics have the function name as their only dimension: Lambda adds up
every version and alias there, so the alarms see the invocations of the ``live`` alias (and of
any other qualifier) alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_

from infra.constructs.operations import Operations


@dataclass(frozen=True)
class FunctionMetrics:
    """What a stack puts on its dashboard widgets beside its own metrics."""

    errors: cloudwatch.Metric
    throttles: cloudwatch.Metric


def function_alarms(
    operations: Operations,
    function: lambda_.IFunction,
    name: str,
    *,
    period: Duration,
    errors: str | None,
    throttles: str | None,
    label: str | None = None,
) -> FunctionMetrics:
    """Alarm ``<name>-errors`` and ``<name>-throttles`` (at 1 in ``period``) with these
    descriptions; ``None`` leaves that alarm out (the metric is still returned for widgets).
    ``label`` names the function in the metrics' labels (default: ``name``)."""
    shown = label or name
    metrics = FunctionMetrics(
        errors=function.metric_errors(period=period, label=f"{shown} errors"),
        throttles=function.metric_throttles(period=period, label=f"{shown} throttles"),
    )
    for kind, metric, description in (
        ("errors", metrics.errors, errors),
        ("throttles", metrics.throttles, throttles),
    ):
        if description is not None:
            operations.add_alarm(
                f"{name}-{kind}", metric=metric, threshold=1, description=description
            )
    return metrics
