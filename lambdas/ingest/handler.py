"""The ``ingest`` Lambda: SQS batches of S3 object-created events -> the ingestion pipeline.

Each SQS record is processed on its own (Powertools ``BatchProcessor``); a record that raises is
reported as a partial batch failure and SQS redelivers only it. Poison files do not raise: the
pipeline marks their document ``error`` and the message is consumed. Every object version is
ingested at most once (Powertools idempotency, see :mod:`strata.documents.worker`).
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from strata import snapstart
from strata.budget import invocation_deadline
from strata.config import get_settings
from strata.documents.factory import build_ingest_worker
from strata.documents.worker import IngestWorker

# Kept back from the remaining time to report the batch's failures and flush metrics.
INGEST_RESERVE_SECONDS = 5.0

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)
# strata logs through the standard library; its loggers write with this function's JSON handler.
logging.getLogger("strata")
copy_config_to_registered_loggers(source_logger=logger, include={"strata"})
# SnapStart: settings read before the snapshot, randomness re-seeded after each restore.
snapstart.register()

_METRIC_NAMES = {
    "ready": "DocumentsReady",
    "skipped": "ObjectsSkipped",
    "failed": "DocumentsFailed",
}


@lru_cache(maxsize=1)
def worker() -> IngestWorker:
    # STRATA_INGEST_MAX_RECEIVE_COUNT is the queue's maxReceiveCount: on that delivery, the
    # last before the dead-letter queue, the worker marks the document error first.
    return build_ingest_worker(get_settings())


@tracer.capture_method
def record_handler(record: SQSRecord) -> None:
    receive_count = int(record.attributes.approximate_receive_count or "1")
    for result in worker().handle_message(record.body, receive_count):
        metrics.add_metric(name=_METRIC_NAMES[result["status"]], unit=MetricUnit.Count, value=1)
        if result.get("embedded"):
            metrics.add_metric(
                name="ChunksEmbedded", unit=MetricUnit.Count, value=result["embedded"]
            )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    worker().register_lambda_context(context)
    # Every outbound call fits in the invocation; a record that runs out of time fails and comes
    # back, instead of the function being cut off mid-write (strata.budget).
    with invocation_deadline(context, reserve=INGEST_RESERVE_SECONDS):
        response = process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
    failures = len(response.get("batchItemFailures", []))
    if failures:
        metrics.add_metric(name="MessagesRetried", unit=MetricUnit.Count, value=failures)
    return dict(response)
