"""The ``cognito`` Lambda: the user pool's post-confirmation and post-authentication triggers.

Dispatches on ``triggerSource`` (:mod:`strata.accounts.triggers`) and returns the event unchanged,
as Cognito requires of these triggers. An exception fails the user's confirmation or sign-in with
the message shown to the client; every step is idempotent, so Cognito's retry is safe.
"""

from __future__ import annotations

import logging
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from strata import snapstart
from strata.accounts.factory import build_account_triggers
from strata.budget import invocation_deadline
from strata.config import get_settings

# Cognito waits this long for a trigger, then fails the user's request (and may retry).
COGNITO_TRIGGER_TIMEOUT_SECONDS = 5.0

logger = Logger()
tracer = Tracer()
metrics = Metrics()
logging.getLogger("strata")
copy_config_to_registered_loggers(source_logger=logger, include={"strata"})
# SnapStart: settings read before the snapshot, randomness re-seeded after each restore.
snapstart.register()

_METRIC_NAMES = {
    "profile-created": "ProfilesCreated",
    "profile-kept": "ConfirmationsRepeated",
    "login-recorded": "LoginsRecorded",
}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # Every outbound call fits in what is left of Cognito's 5 s (strata.budget).
    with invocation_deadline(context, limit=COGNITO_TRIGGER_TIMEOUT_SECONDS, reserve=0.5):
        result = build_account_triggers(get_settings()).handle(event)
    if result.outcome in _METRIC_NAMES:
        metrics.add_metric(name=_METRIC_NAMES[result.outcome], unit=MetricUnit.Count, value=1)
    return event
