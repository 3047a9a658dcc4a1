"""The queue that S3 object-created events for uploaded originals land in, with its DLQ."""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.config import EnvironmentConfig
from infra.nag import acknowledge, managed_policy
from infra.names import DOCUMENTS_PREFIX, ORIGINAL_SUFFIX, Names
from infra.specs import MAX_RECEIVE_COUNT

_NOTIFICATIONS_HANDLER_PREFIX = "BucketNotificationsHandler"

# MAX_RECEIVE_COUNT (infra/specs.py): deliveries before a message moves to the DLQ. The ingest
# function gets it as the setting STRATA_INGEST_MAX_RECEIVE_COUNT: on that delivery it marks the
# document error first.
RETENTION = Duration.days(14)


class IngestQueue(Construct):
    """Encrypted (SSE-SQS), TLS-only queue + DLQ; visibility is six times the ingest timeout.

    SQS-managed keys rather than the storage KMS key: the messages hold only object keys, and a
    KMS-encrypted queue fed by the bucket would make the key policy and the bucket reference
    each other (a CloudFormation cycle) unless each had its own key.
    """

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig) -> None:
        super().__init__(scope, construct_id)
        names = Names(config.name)
        self.max_receive_count = MAX_RECEIVE_COUNT
        self.visibility_timeout_seconds = config.ingest_queue_visibility_seconds
        self.dead_letter_queue = self._build_queue(
            "DeadLetterQueue", names.ingest_dead_letter_queue
        )
        self.queue = self._build_queue(
            "Queue",
            names.ingest_queue,
            visibility_timeout=Duration.seconds(self.visibility_timeout_seconds),
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.dead_letter_queue, max_receive_count=self.max_receive_count
            ),
        )

    def _build_queue(
        self,
        construct_id: str,
        queue_name: str,
        *,
        visibility_timeout: Duration | None = None,
        dead_letter_queue: sqs.DeadLetterQueue | None = None,
    ) -> sqs.Queue:
        return sqs.Queue(
            self,
            construct_id,
            queue_name=queue_name,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=RETENTION,
            visibility_timeout=visibility_timeout,
            dead_letter_queue=dead_letter_queue,
        )

    def subscribe_to_uploads(self, bucket: s3.Bucket) -> None:
        """Object-created events for ``documents/.../original`` keys go to the queue."""
        bucket.add_event_notification(
            s3.EventType.OBJECT_CREATED,
            s3n.SqsDestination(self.queue),
            s3.NotificationKeyFilter(prefix=DOCUMENTS_PREFIX, suffix=ORIGINAL_SUFFIX),
        )
        self._acknowledge_notifications_handler(Stack.of(bucket))

    @staticmethod
    def _acknowledge_notifications_handler(stack: Stack) -> None:
        # CDK's singleton custom resource that writes the bucket's notification configuration.
        for child in stack.node.children:
            if child.node.id.startswith(_NOTIFICATIONS_HANDLER_PREFIX):
                acknowledge(
                    child,
                    "IAM4",
                    "CDK's bucket-notifications custom resource: the managed policy only lets "
                    "it write its own CloudWatch logs; its inline policy allows only "
                    "s3:PutBucketNotification",
                    applies_to=managed_policy("service-role/AWSLambdaBasicExecutionRole"),
                )
