"""The ``realtime`` Lambda: the WebSocket API's routes -> :class:`strata.realtime.api.RealtimeApi`.

``$connect`` (Cognito ID token in the ``token`` query parameter), ``$disconnect``,
``sendMessage`` (the answer streamed as frames), ``ping`` and ``$default``. Frames go back
through the management API at ``STRATA_REALTIME_ENDPOINT``.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.utilities.typing import LambdaContext

from strata import snapstart
from strata.budget import invocation_deadline
from strata.config import get_settings
from strata.realtime.api import RealtimeApi
from strata.realtime.factory import build_realtime

# Kept back from the remaining time to send the error frame of a request that ran out of time.
REALTIME_RESERVE_SECONDS = 2.0

logger = Logger()
tracer = Tracer()
metrics = Metrics()
logging.getLogger("strata")
copy_config_to_registered_loggers(source_logger=logger, include={"strata"})
# SnapStart: settings read before the snapshot, randomness re-seeded after each restore.
snapstart.register()


@lru_cache(maxsize=1)
def realtime() -> RealtimeApi:
    return build_realtime(get_settings())


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with invocation_deadline(context, reserve=REALTIME_RESERVE_SECONDS):
        return realtime().handle(event)
