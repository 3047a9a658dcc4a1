"""Graceful degradation: a non-critical step that fails is logged and counted, and the
request that caused it still succeeds.

The default reporter logs a warning and adds a ``<Operation>Failures`` count to Powertools'
metrics; Powertools shares one metric set per process, so the handler's ``log_metrics`` flushes
it with the request's other metrics. Tests pass a recording reporter.
"""

from __future__ import annotations

from typing import Protocol

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger(child=True)


class DegradationReporter(Protocol):
    def report(self, operation: str, error: Exception) -> None: ...


class LogAndCount:
    """Logs the failure with its stack trace and counts it as ``<operation>Failures``."""

    def __init__(self) -> None:
        self._metrics = Metrics()

    def report(self, operation: str, error: Exception) -> None:
        logger.warning(
            "non-critical step failed; the request goes on without it",
            extra={"operation": operation, "error": repr(error)},
            exc_info=error,
        )
        self._metrics.add_metric(name=f"{operation}Failures", unit=MetricUnit.Count, value=1)
