"""strata-{env}-ingest: the function that turns uploaded originals into searchable documents.

It consumes the storage stack's ingest queue (partial batch failures, a maximum concurrency that
protects the Bedrock quota) and may touch only what ingestion needs: the originals and the
artifact keys in the bucket, the storage key for them, its table items, the idempotency table,
one embedding model and the vector collection's indexes. Its DLQ, errors and backlog alarm on
the operations dashboard.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
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
from infra.nag import acknowledge
from strata.schema import CHUNKS_INDEX

# Several documents per invocation; idempotency makes a timed-out batch cheap to retry.
BATCH_SIZE = 5
# A message older than this means ingestion is not keeping up (or is stuck).
BACKLOG_ALARM_SECONDS = 15 * 60
PERIOD = Duration.minutes(5)

READ_KEYS = ("documents/*/original", "processed/*/embeddings.jsonl")
WRITE_KEYS = (
    "documents/*/extracted-text.txt",
    "documents/*/chunks.jsonl",
    "processed/*/metadata.json",
    "processed/*/embeddings.jsonl",
)
MAIN_TABLE_ACTIONS = ("dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:PutItem")
IDEMPOTENCY_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
)


class IngestStack(Stack):
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
        self.function = StrataFunction(
            self,
            "Ingest",
            config=config,
            name="ingest",
            layers=layers.for_stack(self),
            settings={
                **resources.settings(self),
                "STRATA_OCR": "textract" if config.ingest.ocr_enabled else "off",
            },
            description="Uploaded originals -> text, chunks, embeddings, vectors; ready or error",
            memory_mb=config.ingest.memory_mb,
            timeout=Duration.seconds(config.ingest.timeout_seconds),
        )
        queues = resources.ingest_queue
        self.function.live.add_event_source(
            event_sources.SqsEventSource(
                queues.queue,
                batch_size=BATCH_SIZE,
                report_batch_item_failures=True,
                max_concurrency=config.ingest.max_concurrency,
            )
        )
        self._grant(self.function.role, resources)
        if config.ingest.ocr_enabled:
            self._grant_ocr(self.function.role)
        self._monitor(operations, queues.queue, queues.dead_letter_queue)

    @staticmethod
    def _grant(role: iam.IRole, resources: PlatformResources) -> None:
        documents = resources.documents
        documents.grant_objects(role, ["s3:GetObject", "s3:GetObjectVersion"], READ_KEYS)
        # Delete (every version): its own artifacts, when the document was deleted mid-ingestion.
        documents.grant_objects(role, ["s3:PutObject", "s3:DeleteObjectVersion"], WRITE_KEYS)
        # Without ListBucket a missing key answers 403, not 404 (the first ingestion of a
        # document looks for stored embeddings that do not exist yet). ListBucketVersions finds
        # the versions of those artifacts to delete.
        documents.grant_listing(role, ["s3:ListBucket", "s3:ListBucketVersions"])
        documents.grant_key(role)
        documents.acknowledge_keys(
            role,
            sorted({*READ_KEYS, *WRITE_KEYS}),
            "the wildcard stands for <sub>/<docId>: the function reads originals and "
            "writes artifacts of every user's documents, and no other keys",
        )
        resources.main_table.grant(role, *MAIN_TABLE_ACTIONS)
        resources.idempotency_table.grant(role, *IDEMPOTENCY_ACTIONS)
        models.grant_invoke(role, [resources.config.embedding_model_id])
        resources.vectors.grant_data_access(
            role, grantee_name="ingest", write=True, indexes=(CHUNKS_INDEX.name,)
        )

    @staticmethod
    def _grant_ocr(role: iam.IRole) -> None:
        """Textract: images synchronously, PDFs as jobs that read the original from S3 with this
        role's own S3 and KMS permissions (granted above)."""
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=[
                    "textract:DetectDocumentText",
                    "textract:StartDocumentTextDetection",
                    "textract:GetDocumentTextDetection",
                ],
                resources=["*"],
            )
        )
        acknowledge(
            role,
            "IAM5",
            "X-Ray's PutTraceSegments/PutTelemetryRecords and Textract's DetectDocumentText, "
            "StartDocumentTextDetection and GetDocumentTextDetection support no resource-level "
            "permissions; the statements hold only those actions",
            applies_to="Resource::*",
        )

    def _monitor(
        self, operations: Operations, queue: sqs.IQueue, dead_letter_queue: sqs.IQueue
    ) -> None:
        function = self.function.function
        health = function_alarms(
            operations,
            function,
            "ingest",
            period=PERIOD,
            errors="The ingest function failed (timeouts, crashes) in 5 minutes",
            throttles=None,
        )
        errors, throttles = health.errors, health.throttles
        duration = function.metric_duration(period=PERIOD, statistic="p95", label="p95 duration")
        dead_letters = dead_letter_queue.metric_approximate_number_of_messages_visible(
            period=PERIOD, statistic="Maximum", label="ingest DLQ messages"
        )
        oldest = queue.metric_approximate_age_of_oldest_message(
            period=PERIOD, statistic="Maximum", label="oldest ingest message (s)"
        )
        outcomes = [
            cloudwatch.Metric(
                namespace="Strata",
                metric_name=name,
                dimensions_map={"service": "ingest"},
                statistic="Sum",
                period=PERIOD,
            )
            for name in ("DocumentsReady", "DocumentsFailed", "ObjectsSkipped", "MessagesRetried")
        ]
        operations.add_alarm(
            "ingest-dlq",
            metric=dead_letters,
            threshold=1,
            description="Ingest messages reached the dead-letter queue: their documents are "
            "marked error; see docs/RELIABILITY.md to redrive",
        )
        operations.add_alarm(
            "ingest-backlog",
            metric=oldest,
            threshold=BACKLOG_ALARM_SECONDS,
            description="Uploads have waited more than 15 minutes for ingestion",
        )
        operations.add_widgets(
            cloudwatch.GraphWidget(title="ingest: documents", left=outcomes),
            cloudwatch.GraphWidget(title="ingest: errors and throttles", left=[errors, throttles]),
            cloudwatch.GraphWidget(title="ingest: p95 duration", left=[duration]),
            cloudwatch.GraphWidget(title="ingest: queue", left=[oldest], right=[dead_letters]),
        )
