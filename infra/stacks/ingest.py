"""strata-{env}-ingest: the function that turns uploaded originals into searchable documents.

It consumes the storage stack's ingest queue (partial batch failures, a maximum concurrency that
protects the Bedrock quota) and may touch only what ingestion needs: the originals and the
artifact keys in the bucket, the storage key for them, its table items, the idempotency table,
one embedding model and the vector collection's indexes. Its DLQ, errors and backlog alarm on
the operations dashboard.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from aws_cdk import Aws, Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.config import EnvironmentConfig
from infra.constructs.function import StrataFunction
from infra.constructs.layers import SharedLayers
from infra.constructs.operations import Operations
from infra.constructs.vector_collection import VectorCollection
from infra.nag import acknowledge

if TYPE_CHECKING:
    from infra.stage import StrataStage
from infra.names import Names

CODE = Path(__file__).resolve().parents[2] / "lambdas" / "ingest"
HANDLER = "handler.handler"
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
    @classmethod
    def in_stage(cls, stage: StrataStage) -> IngestStack:
        """The ingest stack of ``stage``, wired to the stacks it needs."""
        return cls(
            stage,
            "ingest",
            config=stage.config,
            stack_name=Names(stage.config.name).stack("ingest"),
            layers=stage.layers,
            main_table=stage.data.main_table,
            idempotency_table=stage.data.idempotency_table,
            bucket=stage.storage.bucket,
            queue=stage.storage.ingest_queue,
            dead_letter_queue=stage.storage.ingest_dead_letter_queue,
            vectors=stage.search.vectors,
            operations=stage.monitoring.operations,
        )

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        layers: SharedLayers,
        main_table: dynamodb.ITable,
        idempotency_table: dynamodb.ITable,
        bucket: s3.IBucket,
        queue: sqs.IQueue,
        dead_letter_queue: sqs.IQueue,
        vectors: VectorCollection,
        operations: Operations,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self._env = config.name
        # The bucket's name is known in advance (same account): a literal ARN keeps the policy's
        # wildcards readable (and acknowledgeable) instead of a cross-stack import.
        bucket_name = f"{Names(config.name).documents_bucket_prefix}-{Aws.ACCOUNT_ID}"
        self.function = StrataFunction(
            self,
            "Ingest",
            config=config,
            name="ingest",
            code=CODE,
            handler=HANDLER,
            layers=layers.for_stack(self),
            settings={
                "STRATA_REGION": self.region,
                "STRATA_TABLE_NAME": main_table.table_name,
                "STRATA_IDEMPOTENCY_TABLE_NAME": idempotency_table.table_name,
                "STRATA_BUCKET_NAME": bucket_name,
                "STRATA_COLLECTION_ENDPOINT": vectors.collection_endpoint,
                "STRATA_EMBEDDER": "bedrock",
                "STRATA_VECTOR_INDEX": "opensearch",
                "STRATA_EMBEDDING_MODEL_ID": config.embedding_model_id,
                "STRATA_EMBEDDING_DIMENSION": str(config.vector_dimension),
                "STRATA_MAX_UPLOAD_BYTES": str(config.max_upload_mb * 1024 * 1024),
            },
            description="Uploaded originals -> text, chunks, embeddings, vectors; ready or error",
            memory_mb=config.ingest.memory_mb,
            timeout=Duration.seconds(config.ingest.timeout_seconds),
        )
        function = self.function.function
        role = self.function.role
        function.add_event_source(
            event_sources.SqsEventSource(
                queue,
                batch_size=BATCH_SIZE,
                report_batch_item_failures=True,
                max_concurrency=config.ingest.max_concurrency,
            )
        )
        self._grant_bucket(role, bucket_name, bucket.encryption_key)
        self._grant_tables(role, main_table, idempotency_table)
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["bedrock:InvokeModel"],
                resources=[
                    f"arn:{self.partition}:bedrock:{self.region}::foundation-model/"
                    f"{config.embedding_model_id}"
                ],
            )
        )
        vectors.grant_data_access(role, grantee_name="ingest", write=True)
        self._monitor(operations, queue, dead_letter_queue)

    def _grant_bucket(self, role: iam.IRole, bucket_name: str, key: kms.IKey | None) -> None:
        bucket_arn = f"arn:{Aws.PARTITION}:s3:::{bucket_name}"
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject", "s3:GetObjectVersion"],
                resources=[f"{bucket_arn}/{pattern}" for pattern in READ_KEYS],
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                # Delete (every version): its own artifacts, when the document was deleted
                # mid-ingestion.
                actions=["s3:PutObject", "s3:DeleteObjectVersion"],
                resources=[f"{bucket_arn}/{pattern}" for pattern in WRITE_KEYS],
            )
        )
        # Without ListBucket a missing key answers 403, not 404 (the first ingestion of a
        # document looks for stored embeddings that do not exist yet). ListBucketVersions finds
        # the versions of those artifacts to delete.
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucket", "s3:ListBucketVersions"], resources=[bucket_arn]
            )
        )
        if key is not None:
            role.add_to_principal_policy(
                iam.PolicyStatement(
                    actions=["kms:Decrypt", "kms:GenerateDataKey"], resources=[key.key_arn]
                )
            )
        shown_arn = f"arn:<AWS::Partition>:s3:::{Names(self._env).documents_bucket_prefix}"
        for pattern in sorted({*READ_KEYS, *WRITE_KEYS}):
            acknowledge(
                role,
                "IAM5",
                "the wildcard stands for <sub>/<docId>: the function reads originals and "
                "writes artifacts of every user's documents, and no other keys",
                applies_to=f"Resource::{shown_arn}-<AWS::AccountId>/{pattern}",
            )

    def _grant_tables(
        self, role: iam.IRole, main_table: dynamodb.ITable, idempotency_table: dynamodb.ITable
    ) -> None:
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=list(MAIN_TABLE_ACTIONS), resources=[main_table.table_arn])
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=list(IDEMPOTENCY_ACTIONS), resources=[idempotency_table.table_arn]
            )
        )

    def _monitor(
        self, operations: Operations, queue: sqs.IQueue, dead_letter_queue: sqs.IQueue
    ) -> None:
        function = self.function.function
        errors = function.metric_errors(period=PERIOD, label="ingest errors")
        throttles = function.metric_throttles(period=PERIOD, label="ingest throttles")
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
            "ingest-errors",
            metric=errors,
            threshold=1,
            description="The ingest function failed (timeouts, crashes) in 5 minutes",
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
