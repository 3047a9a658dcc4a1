"""strata-{env}-streams: the function that keeps derived data true after every table write.

It reads the main table's stream (NEW_AND_OLD_IMAGES) through an event source mapping that
admits only records of the entities some reaction needs (``strata.schema.STREAM_ENTITIES``: new
image for inserts and changes, old image for removals), reports partial batch failures, bisects
a failing batch, retries at most 5 times, drops records older than an hour and sends the
description of what it gave up on to its own on-failure queue. It pushes notifications and
document status frames to the owner's live WebSocket connections through the realtime stack's
management endpoint. Alarms: iterator age, errors, throttles, any message in the on-failure queue,
and frames it could not push.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.config import EnvironmentConfig
from infra.constructs import models
from infra.constructs.function import StrataFunction
from infra.constructs.function_alarms import function_alarms
from infra.constructs.layers import SharedLayers
from infra.constructs.operations import Operations
from infra.constructs.resources import PlatformResources
from infra.constructs.websocket_api import push_failures
from infra.nag import acknowledge
from infra.names import Names
from infra.stacks.realtime import RealtimeStack
from strata.schema import STREAM_ENTITIES
from strata.store import keys

NAME = "streams"
TIMEOUT = Duration.seconds(60)
BATCH_SIZE = 100
BATCHING_WINDOW = Duration.seconds(1)
RETRY_ATTEMPTS = 5
MAX_RECORD_AGE = Duration.hours(1)
FAILURES_RETENTION = Duration.days(14)
PERIOD = Duration.minutes(5)
# The stream is read well behind the writes: a minute of lag means the reactions fall behind.
ITERATOR_AGE_ALARM_MS = 60_000

# GetItem (current group/app names, does the application exist), PutItem (audit entries,
# notifications, record markers), UpdateItem (counters, usage, copied names), Query (a group's
# members; an application's grants on GSI1). Transactions need no action of their own.
TABLE_ACTIONS = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query")
LEFTOVER_KEYS = ("documents/*", "processed/*")
# A connection that answered 410 Gone to a push is deleted: DeleteItem on connection items only.
CONNECTION_PARTITIONS = keys.connection("x").pk.removesuffix("x") + "*"


def stream_filters() -> list[Mapping[str, Any]]:
    """Records of the reacted-to entities only: by the new image, or the old one for removals."""
    entities = list(STREAM_ENTITIES)
    return [
        lambda_.FilterCriteria.filter({"dynamodb": {"NewImage": {"entity": {"S": entities}}}}),
        lambda_.FilterCriteria.filter(
            {"eventName": ["REMOVE"], "dynamodb": {"OldImage": {"entity": {"S": entities}}}}
        ),
    ]


class StreamsStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        layers: SharedLayers,
        resources: PlatformResources,
        operations: Operations,
        realtime: RealtimeStack,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        names = Names(config.name)
        pushes = realtime.pushes_for(self)
        self.function = StrataFunction(
            self,
            "Streams",
            config=config,
            name=NAME,
            layers=layers.for_stack(self),
            settings={
                **resources.settings(self),
                "STRATA_REALTIME_ENDPOINT": pushes.management_endpoint,
            },
            description="Table changes -> audit, counters, usage, names, vectors, notifications",
            timeout=TIMEOUT,
        )
        self.failures = sqs.Queue(
            self,
            "Failures",
            queue_name=names.resource("streams-failures"),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=FAILURES_RETENTION,
        )
        self.source = event_sources.DynamoEventSource(
            resources.main_table.table,
            starting_position=lambda_.StartingPosition.TRIM_HORIZON,
            batch_size=BATCH_SIZE,
            max_batching_window=BATCHING_WINDOW,
            bisect_batch_on_error=True,
            retry_attempts=RETRY_ATTEMPTS,
            max_record_age=MAX_RECORD_AGE,
            report_batch_item_failures=True,
            on_failure=event_sources.SqsDlq(self.failures),
            filters=stream_filters(),
        )
        self.function.live.add_event_source(self.source)
        self._grant(self.function.role, resources)
        pushes.grant(self.function.role)
        self._acknowledge_failures_queue()
        self._monitor(operations)

    @staticmethod
    def _grant(role: iam.IRole, resources: PlatformResources) -> None:
        resources.main_table.grant(
            role,
            *TABLE_ACTIONS,
            indexes="an application's grants are found through GSI1 to copy its new name",
        )
        resources.main_table.grant_on_partitions(
            role, "dynamodb:DeleteItem", partitions=CONNECTION_PARTITIONS
        )
        # A removed document's leftovers: every version of its objects.
        resources.documents.grant_version_deletes(
            role,
            LEFTOVER_KEYS,
            "the wildcard stands for <sub>/<docId>/<object>: the function deletes every version "
            "of a removed document's objects, and no other keys",
        )
        # Memories are embedded again when their text changes.
        models.grant_invoke(role, [resources.config.embedding_model_id])
        resources.vectors.grant_data_access(role, grantee_name=NAME, write=True)

    def _acknowledge_failures_queue(self) -> None:
        acknowledge(
            self.failures,
            "SQS3",
            "this queue is itself the stream's on-failure destination (it holds descriptions "
            "of records given up on, for an operator); it needs no dead-letter queue of its own",
        )

    def _monitor(self, operations: Operations) -> None:
        function = self.function.function
        iterator_age = function.metric(
            "IteratorAge", period=PERIOD, statistic="Maximum", label="streams iterator age (ms)"
        )
        failed = self.failures.metric_approximate_number_of_messages_visible(
            period=PERIOD, statistic="Maximum", label="streams records given up on"
        )
        operations.add_alarm(
            "streams-iterator-age",
            metric=iterator_age,
            threshold=ITERATOR_AGE_ALARM_MS,
            evaluation_periods=3,
            description="The streams function is more than a minute behind the table: derived "
            "data (audit, counters, vectors, notifications) is late",
        )
        health = function_alarms(
            operations,
            function,
            NAME,
            period=PERIOD,
            errors="A stream batch failed as a whole (a record failing alone is retried "
            "by bisection and shows in the failures queue if it never succeeds)",
            throttles="The streams function was throttled: the stream falls behind",
        )
        errors, throttles = health.errors, health.throttles
        operations.add_alarm(
            "streams-failures",
            metric=failed,
            threshold=1,
            description="Stream records were given up on after 5 retries or an hour: their "
            "reactions did not happen",
        )
        pushes = push_failures(NAME, PERIOD)
        operations.add_alarm(
            "streams-push-failures",
            metric=pushes,
            threshold=1,
            description="The streams function could not push notifications or document status "
            "to live WebSocket connections (other than connections already gone); the items "
            "are stored, clients see them on their next read",
        )
        operations.add_widgets(
            cloudwatch.GraphWidget(title="streams: iterator age (ms)", left=[iterator_age]),
            cloudwatch.GraphWidget(
                title="streams: errors, throttles, given up, push failures",
                left=[errors, throttles, failed, pushes],
            ),
        )
