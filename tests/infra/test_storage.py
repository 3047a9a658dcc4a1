"""The documents bucket, its access logs, lifecycle, CORS, notification, queue and DLQ."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Match, Template

from infra.constructs.document_bucket import NONCURRENT_VERSIONS_EXPIRE_AFTER_DAYS
from infra.names import Names
from tests.infra.conftest import Synthesized

DAY = 24 * 3600


def _documents_bucket(template: Template, env: str) -> dict[str, Any]:
    buckets = template.find_resources("AWS::S3::Bucket")
    prefix = Names(env).documents_bucket_prefix
    matching = [
        dict(bucket)
        for bucket in buckets.values()
        if prefix in str(bucket["Properties"].get("BucketName"))
    ]
    assert len(matching) == 1
    return matching[0]


def _queues(template: Template) -> dict[str, dict[str, Any]]:
    return {
        queue["Properties"]["QueueName"]: dict(queue)
        for queue in template.find_resources("AWS::SQS::Queue").values()
    }


def test_bucket_is_versioned_kms_encrypted_private_and_logged(
    synthesized: Synthesized, env: str
) -> None:
    properties = _documents_bucket(synthesized.template(env, "storage"), env)["Properties"]
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    (rule,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["BucketKeyEnabled"] is True
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert "KMSMasterKeyID" in rule["ServerSideEncryptionByDefault"]
    assert properties["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert "DestinationBucketName" in properties["LoggingConfiguration"]


def test_bucket_lifecycle_has_the_five_rules(synthesized: Synthesized, env: str) -> None:
    properties = _documents_bucket(synthesized.template(env, "storage"), env)["Properties"]
    rules = {rule["Id"]: rule for rule in properties["LifecycleConfiguration"]["Rules"]}
    assert set(rules) == {
        "AbortIncompleteMultipartUploads",
        "TransitionToInfrequentAccess",
        "TransitionToGlacier",
        "ExpireTempUploads",
        "ExpireNoncurrentVersions",
    }
    assert all(rule["Status"] == "Enabled" for rule in rules.values())
    assert rules["AbortIncompleteMultipartUploads"]["AbortIncompleteMultipartUpload"] == {
        "DaysAfterInitiation": 7
    }
    assert rules["TransitionToInfrequentAccess"]["Transitions"] == [
        {"StorageClass": "STANDARD_IA", "TransitionInDays": 30}
    ]
    assert rules["TransitionToGlacier"]["Transitions"] == [
        {"StorageClass": "GLACIER_IR", "TransitionInDays": 90}
    ]
    assert rules["ExpireTempUploads"]["Prefix"] == "temp-uploads/"
    assert rules["ExpireTempUploads"]["ExpirationInDays"] == 1
    assert rules["ExpireNoncurrentVersions"]["NoncurrentVersionExpiration"] == {
        "NoncurrentDays": 30
    }
    assert rules["ExpireNoncurrentVersions"]["ExpiredObjectDeleteMarker"] is True


def test_bucket_cors_allows_presigned_post_from_configured_origins(
    synthesized: Synthesized, env: str
) -> None:
    properties = _documents_bucket(synthesized.template(env, "storage"), env)["Properties"]
    (rule,) = properties["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedOrigins"] == list(synthesized.config(env).cors_origins)
    assert "POST" in rule["AllowedMethods"]
    assert "PUT" not in rule["AllowedMethods"]


def test_bucket_policies_deny_plain_http_and_old_tls(synthesized: Synthesized, env: str) -> None:
    template = synthesized.template(env, "storage")
    policies = template.find_resources("AWS::S3::BucketPolicy")
    assert len(policies) == 2  # documents and access logs
    for policy in policies.values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        denies = [s for s in statements if s["Effect"] == "Deny"]
        conditions = [s["Condition"] for s in denies]
        assert {"Bool": {"aws:SecureTransport": "false"}} in conditions
        assert {"NumericLessThan": {"s3:TlsVersion": 1.2}} in conditions


def test_access_log_bucket_is_sse_s3_private_and_versioned(
    synthesized: Synthesized, env: str
) -> None:
    template = synthesized.template(env, "storage")
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketName": Match.object_like(
                {"Fn::Join": ["", [Names(env).access_logs_bucket_prefix + "-", Match.any_value()]]}
            ),
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                ]
            },
            "PublicAccessBlockConfiguration": Match.object_like({"BlockPublicAcls": True}),
            # A deleted or overwritten log object stays recoverable, then really goes
            "VersioningConfiguration": {"Status": "Enabled"},
            "LifecycleConfiguration": {
                "Rules": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Id": "ExpireNoncurrentVersions",
                                "NoncurrentVersionExpiration": {
                                    "NoncurrentDays": NONCURRENT_VERSIONS_EXPIRE_AFTER_DAYS
                                },
                            }
                        )
                    ]
                )
            },
        },
    )


def test_uploads_of_originals_notify_the_ingest_queue(synthesized: Synthesized, env: str) -> None:
    template = synthesized.template(env, "storage")
    notifications = template.find_resources("Custom::S3BucketNotifications")
    (notification,) = notifications.values()
    (queue_config,) = notification["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
    assert queue_config["Events"] == ["s3:ObjectCreated:*"]
    assert queue_config["Filter"] == {
        "Key": {
            "FilterRules": [
                {"Name": "suffix", "Value": "original"},
                {"Name": "prefix", "Value": "documents/"},
            ]
        }
    }
    queue_logical_id = queue_config["QueueArn"]["Fn::GetAtt"][0]
    queue = template.find_resources("AWS::SQS::Queue")[queue_logical_id]
    assert queue["Properties"]["QueueName"] == Names(env).ingest_queue


def test_ingest_queue_and_dlq_settings(synthesized: Synthesized, env: str) -> None:
    # Given the environment's ingest timeout
    config = synthesized.config(env)
    names = Names(env)
    queues = _queues(synthesized.template(env, "storage"))
    queue = queues[names.ingest_queue]["Properties"]
    dlq = queues[names.ingest_dead_letter_queue]["Properties"]
    # Then visibility is six times the timeout, messages live 14 days, 5 receives then the DLQ
    assert queue["VisibilityTimeout"] == 6 * config.ingest.timeout_seconds
    assert queue["MessageRetentionPeriod"] == 14 * DAY
    assert dlq["MessageRetentionPeriod"] == 14 * DAY
    assert queue["RedrivePolicy"]["maxReceiveCount"] == 5
    assert queue["SqsManagedSseEnabled"] is True
    assert dlq["SqsManagedSseEnabled"] is True


def test_queues_refuse_plain_http(synthesized: Synthesized, env: str) -> None:
    policies = synthesized.template(env, "storage").find_resources("AWS::SQS::QueuePolicy")
    insecure_denied = [
        policy
        for policy in policies.values()
        if any(
            s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            for s in policy["Properties"]["PolicyDocument"]["Statement"]
        )
    ]
    assert len(insecure_denied) == 2


def test_no_replication_unless_configured(synthesized: Synthesized, env: str) -> None:
    properties = _documents_bucket(synthesized.template(env, "storage"), env)["Properties"]
    assert "ReplicationConfiguration" not in properties


def test_configured_replica_bucket_gets_kms_replication(federated_dev: Synthesized) -> None:
    properties = _documents_bucket(federated_dev.template("dev", "storage"), "dev")["Properties"]
    (rule,) = properties["ReplicationConfiguration"]["Rules"]
    assert rule["Destination"]["Bucket"] == "arn:aws:s3:::strata-dev-replica"
    assert rule["Destination"]["EncryptionConfiguration"]["ReplicaKmsKeyID"].startswith(
        "arn:aws:kms:eu-west-1:123456789012:key/"
    )
    assert rule["Filter"] == {"Prefix": "documents/"}
    assert rule["SourceSelectionCriteria"]["SseKmsEncryptedObjects"] == {"Status": "Enabled"}
    assert rule["DeleteMarkerReplication"] == {"Status": "Enabled"}
