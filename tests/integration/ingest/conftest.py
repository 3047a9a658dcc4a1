"""A documents bucket whose uploaded originals notify an SQS queue, as in AWS, on moto."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from tests.support.moto_server import MotoServer


@dataclass
class UploadBucket:
    name: str
    queue_url: str
    queue_arn: str
    s3: Any
    sqs: Any

    def receive(self) -> list[dict[str, Any]]:
        """Messages waiting in the queue (S3's test event first on a fresh queue)."""
        response = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=1,
            AttributeNames=["All"],
        )
        return list(response.get("Messages", []))


@pytest.fixture
def upload_bucket(moto_server: MotoServer) -> UploadBucket:
    name = f"strata-test-docs-{uuid.uuid4().hex[:10]}"
    s3 = moto_server.client("s3")
    sqs = moto_server.client("sqs")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    rules = [{"Name": "prefix", "Value": "documents/"}, {"Name": "suffix", "Value": "original"}]
    s3.put_bucket_notification_configuration(
        Bucket=name,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": queue_arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": rules}},
                }
            ]
        },
    )
    return UploadBucket(name, queue_url, queue_arn, s3, sqs)


def sqs_event(bucket: UploadBucket, messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The event Lambda's SQS event source mapping sends for ``messages``."""
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": {
                    "ApproximateReceiveCount": message.get("Attributes", {}).get(
                        "ApproximateReceiveCount", "1"
                    ),
                    "SentTimestamp": "0",
                    "SenderId": "s3",
                    "ApproximateFirstReceiveTimestamp": "0",
                },
                "messageAttributes": {},
                "md5OfBody": message["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": bucket.queue_arn,
                "awsRegion": "us-east-1",
            }
            for message in messages
        ]
    }
