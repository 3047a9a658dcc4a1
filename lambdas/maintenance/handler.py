"""The ``maintenance`` Lambda, run by an EventBridge schedule (:mod:`strata.maintenance.sweeps`).

Stuck uploads and processing become ``error`` (the streams function notifies the owner), orphan
objects and vectors and (when configured) expired documents are deleted, and the data-quality
figures go out as EMF.
A failed step fails the invocation (the error alarm) after the other steps have run.
"""

from __future__ import annotations

import logging
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from strata import snapstart
from strata.budget import invocation_deadline
from strata.config import get_settings
from strata.maintenance.factory import build_maintenance

# Kept back from the remaining time to publish the figures of a run that ran out of time.
MAINTENANCE_RESERVE_SECONDS = 10.0

logger = Logger()
tracer = Tracer()
metrics = Metrics()
logging.getLogger("strata")
copy_config_to_registered_loggers(source_logger=logger, include={"strata"})
# SnapStart: settings read before the snapshot, randomness re-seeded after each restore.
snapstart.register()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # A step that runs out of time fails (and is reported) instead of the function being cut off.
    with invocation_deadline(context, reserve=MAINTENANCE_RESERVE_SECONDS):
        report = build_maintenance(get_settings()).run()
    for name, value in report.metrics():
        unit = MetricUnit.Seconds if name.endswith("Seconds") else MetricUnit.Count
        metrics.add_metric(name=name, unit=unit, value=value)
    report.raise_if_failed()
    return dict(report.metrics())
