"""The ``streams`` Lambda: batches of the main table's stream -> the reactions in ``strata.events``.

Each record is handled on its own (Powertools ``BatchProcessor``); one that raises is reported as
a partial batch failure, so Lambda bisects and retries from it (at most 5 times, records at most
an hour old) and then sends its description to the on-failure queue. Every reaction is
idempotent on the record, so the records retried with it change nothing twice.
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
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from strata import snapstart
from strata.budget import invocation_deadline
from strata.config import get_settings
from strata.events.reactor import StreamReactor, build_reactor

# Kept back from the remaining time to report the batch's failures and flush metrics.
STREAMS_RESERVE_SECONDS = 3.0

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
# strata logs through the standard library; its loggers write with this function's JSON handler.
logging.getLogger("strata")
copy_config_to_registered_loggers(source_logger=logger, include={"strata"})
# SnapStart: settings read before the snapshot, randomness re-seeded after each restore.
snapstart.register()


@lru_cache(maxsize=1)
def reactor() -> StreamReactor:
    return build_reactor(get_settings())


@tracer.capture_method
def record_handler(record: DynamoDBRecord) -> None:
    reactor().handle_record(record.raw_event)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # Every outbound call fits in the invocation: a record that runs out of time fails and is
    # retried (bisected) instead of the batch being cut off mid-reaction (strata.budget).
    with invocation_deadline(context, reserve=STREAMS_RESERVE_SECONDS):
        response = process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
    records = len(event.get("Records") or [])
    failures = len(response.get("batchItemFailures", []))
    metrics.add_metric(name="StreamRecordsHandled", unit=MetricUnit.Count, value=records - failures)
    if failures:
        metrics.add_metric(name="StreamRecordsFailed", unit=MetricUnit.Count, value=failures)
    return dict(response)
