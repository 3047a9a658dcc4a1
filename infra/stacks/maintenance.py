"""strata-{env}-maintenance: the scheduled function that keeps documents and vectors true.

An EventBridge rule runs it every ``maintenance.schedule_minutes``; one run at a time (reserved
concurrency 1), no automatic retry (the next run is the retry). It may read the main table through
its keys and indexes (never Scan), move documents to ``error``, write notifications, delete
expired documents, list and delete objects under ``documents/`` and ``processed/`` (every
version), and read and delete vectors. Errors, throttles and timed-out processing alarm.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.config import EnvironmentConfig
from infra.constructs.function import StrataFunction
from infra.constructs.function_alarms import function_alarms
from infra.constructs.layers import SharedLayers
from infra.constructs.operations import Operations
from infra.constructs.resources import PlatformResources
from infra.names import Names

NAME = "maintenance"
TIMEOUT = Duration.minutes(10)
PERIOD = Duration.minutes(5)
# The longest an asynchronous invocation may wait (Lambda's limit).
MAX_EVENT_AGE = Duration.hours(6)
# Query (status and user-list shards, Select=COUNT), BatchGetItem and GetItem (does the document
# or memory exist), UpdateItem (-> error; the streams function tells the owner), DeleteItem
# (retention).
TABLE_ACTIONS = (
    "dynamodb:Query",
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
)
OBJECT_KEYS = ("documents/*", "processed/*")
SWEEP_METRICS = (
    "UploadsExpired",
    "ProcessingTimedOut",
    "OrphanDocumentsDeleted",
    "DocumentsRetired",
)
QUALITY_METRICS = (
    "DocumentsUploading",
    "DocumentsProcessing",
    "DocumentsReady",
    "DocumentsError",
    "VectorsWithoutDocument",
    "VectorsWithoutMemory",
)


class MaintenanceStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        layers: SharedLayers,
        resources: PlatformResources,
        operations: Operations,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self._schedule = Duration.minutes(config.maintenance.schedule_minutes)
        self.function = StrataFunction(
            self,
            "Maintenance",
            config=config,
            name=NAME,
            layers=layers.for_stack(self),
            settings={
                # With the ingest queue's maxReceiveCount and visibility timeout: processing is
                # stuck after every delivery of its ingest message plus a margin.
                **resources.settings(self),
                "STRATA_DOCUMENT_RETENTION_DAYS": str(config.maintenance.document_retention_days),
            },
            description="Stuck documents to error, orphan objects and vectors, retention, metrics",
            timeout=TIMEOUT,
            reserved_concurrency=1,
        )
        # EventBridge invokes the alias, so the asynchronous-invocation settings are the alias's
        # (settings on the function would apply to unqualified invocations only).
        live = self.function.live
        # A failed run is not retried, and a run that could not start within one period is
        # dropped: the next scheduled run does the same work.
        max_age = min(self._schedule.to_seconds(), MAX_EVENT_AGE.to_seconds())
        live.configure_async_invoke(retry_attempts=0, max_event_age=Duration.seconds(max_age))
        names = Names(config.name)
        minutes = config.maintenance.schedule_minutes
        self.rule = events.Rule(
            self,
            "Schedule",
            rule_name=names.resource(NAME),
            description=f"Runs {names.function(NAME)} every {minutes} minutes",
            schedule=events.Schedule.rate(self._schedule),
            targets=[targets.LambdaFunction(live, retry_attempts=0)],
        )
        self._grant(self.function.role, resources)
        self._monitor(operations)

    @staticmethod
    def _grant(role: iam.IRole, resources: PlatformResources) -> None:
        resources.main_table.grant(
            role,
            *TABLE_ACTIONS,
            indexes="maintenance reads documents by status (GSI2) and counts users (GSI3)",
        )
        resources.documents.grant_version_deletes(
            role,
            OBJECT_KEYS,
            "the wildcard stands for <sub>/<docId>/<object>: the function deletes every version "
            "of orphaned and expired documents' objects, and no other keys",
        )
        resources.vectors.grant_data_access(role, grantee_name="maint", write=True, sweep=True)

    def _monitor(self, operations: Operations) -> None:
        health = function_alarms(
            operations,
            self.function.function,
            NAME,
            period=PERIOD,
            errors="A maintenance run failed (a step named in its log) or timed out",
            throttles="A maintenance run was throttled: the previous run was still going",
        )
        errors, throttles = health.errors, health.throttles
        period = max(PERIOD, self._schedule, key=lambda d: d.to_seconds())

        def strata(name: str, statistic: str = "Sum") -> cloudwatch.Metric:
            return cloudwatch.Metric(
                namespace="Strata",
                metric_name=name,
                dimensions_map={"service": NAME},
                statistic=statistic,
                period=period,
            )

        timed_out = strata("ProcessingTimedOut")
        operations.add_alarm(
            "maintenance-processing-timed-out",
            metric=timed_out,
            threshold=1,
            description="Documents hung in processing until maintenance marked them error: "
            "ingestion is stuck",
        )
        operations.add_widgets(
            cloudwatch.GraphWidget(
                title="maintenance: sweeps", left=[strata(name) for name in SWEEP_METRICS]
            ),
            cloudwatch.GraphWidget(
                title="maintenance: data quality",
                left=[strata(name, "Maximum") for name in QUALITY_METRICS],
                right=[strata("Users", "Maximum")],
            ),
            cloudwatch.GraphWidget(
                title="maintenance: processing time (s)",
                left=[strata("AverageProcessingSeconds", "Average")],
            ),
            cloudwatch.GraphWidget(
                title="maintenance: errors and throttles", left=[errors, throttles]
            ),
        )
