"""The documents bucket, its access-log bucket, lifecycle, CORS and optional replication."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Aws, CfnElement, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.config import EnvironmentConfig
from infra.nag import acknowledge
from infra.names import DOCUMENTS_PREFIX, TEMP_UPLOADS_PREFIX, Names

ABORT_MULTIPART_AFTER_DAYS = 7
INFREQUENT_ACCESS_AFTER_DAYS = 30
ARCHIVE_AFTER_DAYS = 90
TEMP_UPLOADS_EXPIRE_AFTER_DAYS = 1
# Deleted and overwritten objects stay recoverable this long, then really go.
NONCURRENT_VERSIONS_EXPIRE_AFTER_DAYS = 30
ACCESS_LOGS_EXPIRE_AFTER_DAYS = 365
CORS_MAX_AGE_SECONDS = 3000


class DocumentBucket(Construct):
    """Versioned, SSE-KMS with a bucket key, private, TLS 1.2+ only, access-logged.

    Functions get access through the ``grant_*`` methods: key patterns, not ARNs. The bucket is
    named by a literal ARN (same account, known name) so a policy's key wildcards stay readable
    and each is acknowledged with its reason; the storage key is granted with any object access.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, key: kms.IKey
    ) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self._names = Names(config.name)
        self._removal = RemovalPolicy.RETAIN if config.is_retained else RemovalPolicy.DESTROY
        self.key = key
        # Resolves in whichever stack uses it (a literal, not a cross-stack import).
        self.bucket_name = f"{self._names.documents_bucket_prefix}-{Aws.ACCOUNT_ID}"
        self.access_logs_bucket = self._build_access_logs_bucket()
        self.bucket = self._build_documents_bucket(key)
        if config.replication is not None:
            self._acknowledge_replication_role(config.replication.bucket_arn)

    def _build_access_logs_bucket(self) -> s3.Bucket:
        # Server access logs can only be delivered to an SSE-S3 bucket.
        return s3.Bucket(
            self,
            "AccessLogs",
            bucket_name=f"{self._names.access_logs_bucket_prefix}-{Aws.ACCOUNT_ID}",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            # A deleted or overwritten log object stays recoverable as long as a document's.
            versioned=True,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireAccessLogs", expiration=Duration.days(ACCESS_LOGS_EXPIRE_AFTER_DAYS)
                ),
                s3.LifecycleRule(
                    id="ExpireNoncurrentVersions",
                    noncurrent_version_expiration=Duration.days(
                        NONCURRENT_VERSIONS_EXPIRE_AFTER_DAYS
                    ),
                    expired_object_delete_marker=True,
                ),
            ],
            removal_policy=self._removal,
            auto_delete_objects=not self._config.is_retained,
        )

    def _build_documents_bucket(self, key: kms.IKey) -> s3.Bucket:
        return s3.Bucket(
            self,
            "Documents",
            bucket_name=self.bucket_name,
            versioned=True,
            encryption=s3.BucketEncryption.KMS,
            encryption_key=key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            server_access_logs_bucket=self.access_logs_bucket,
            server_access_logs_prefix="documents-bucket/",
            lifecycle_rules=self._build_lifecycle_rules(),
            cors=[self._build_cors_rule()],
            replication_rules=self._build_replication_rules(),
            removal_policy=self._removal,
            auto_delete_objects=not self._config.is_retained,
        )

    @property
    def arn(self) -> str:
        return f"arn:{Aws.PARTITION}:s3:::{self.bucket_name}"

    def grant_objects(
        self, grantee: iam.IRole, actions: Sequence[str], keys: Sequence[str]
    ) -> None:
        """Let ``grantee`` call ``actions`` on objects matching ``keys`` (patterns such as
        ``documents/*/original``; acknowledge their wildcards with :meth:`acknowledge_keys`)."""
        grantee.add_to_principal_policy(
            iam.PolicyStatement(
                actions=list(actions), resources=[f"{self.arn}/{pattern}" for pattern in keys]
            )
        )

    def grant_listing(
        self,
        grantee: iam.IRole,
        actions: Sequence[str],
        *,
        prefixes: Sequence[str] | None = None,
    ) -> None:
        """Let ``grantee`` list the bucket (``s3:ListBucket*``), under ``prefixes`` if given."""
        conditions: Mapping[str, Any] | None = (
            {"StringLike": {"s3:prefix": list(prefixes)}} if prefixes else None
        )
        grantee.add_to_principal_policy(
            iam.PolicyStatement(actions=list(actions), resources=[self.arn], conditions=conditions)
        )

    def grant_version_deletes(self, grantee: iam.IRole, keys: Sequence[str], reason: str) -> None:
        """Let ``grantee`` list every version under ``keys`` and delete them (a clean-up that
        removes objects for good), acknowledging the keys' wildcards with ``reason``."""
        self.grant_listing(grantee, ["s3:ListBucket", "s3:ListBucketVersions"], prefixes=keys)
        self.grant_objects(grantee, ["s3:DeleteObjectVersion"], keys)
        self.acknowledge_keys(grantee, keys, reason)

    def grant_key(self, grantee: iam.IRole) -> None:
        """Let ``grantee`` read and write SSE-KMS objects with the storage key."""
        grantee.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["kms:Decrypt", "kms:GenerateDataKey"], resources=[self.key.key_arn]
            )
        )

    def acknowledge_keys(self, grantee: iam.IRole, keys: Sequence[str], reason: str) -> None:
        """Acknowledge cdk-nag's IAM5 finding on each key pattern's wildcard, with ``reason``."""
        shown = f"arn:<AWS::Partition>:s3:::{self._names.documents_bucket_prefix}-<AWS::AccountId>"
        for pattern in keys:
            acknowledge(grantee, "IAM5", reason, applies_to=f"Resource::{shown}/{pattern}")

    def _build_lifecycle_rules(self) -> list[s3.LifecycleRule]:
        return [
            s3.LifecycleRule(
                id="AbortIncompleteMultipartUploads",
                abort_incomplete_multipart_upload_after=Duration.days(ABORT_MULTIPART_AFTER_DAYS),
            ),
            s3.LifecycleRule(
                id="TransitionToInfrequentAccess",
                transitions=[
                    s3.Transition(
                        storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                        transition_after=Duration.days(INFREQUENT_ACCESS_AFTER_DAYS),
                    )
                ],
            ),
            # Instant Retrieval: archived originals stay downloadable and re-indexable at once.
            s3.LifecycleRule(
                id="TransitionToGlacier",
                transitions=[
                    s3.Transition(
                        storage_class=s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
                        transition_after=Duration.days(ARCHIVE_AFTER_DAYS),
                    )
                ],
            ),
            s3.LifecycleRule(
                id="ExpireTempUploads",
                prefix=TEMP_UPLOADS_PREFIX,
                expiration=Duration.days(TEMP_UPLOADS_EXPIRE_AFTER_DAYS),
            ),
            s3.LifecycleRule(
                id="ExpireNoncurrentVersions",
                noncurrent_version_expiration=Duration.days(NONCURRENT_VERSIONS_EXPIRE_AFTER_DAYS),
                expired_object_delete_marker=True,
            ),
        ]

    def _build_cors_rule(self) -> s3.CorsRule:
        # Browsers upload with a presigned POST and download with a presigned GET.
        return s3.CorsRule(
            allowed_origins=list(self._config.cors_origins),
            allowed_methods=[s3.HttpMethods.POST, s3.HttpMethods.GET, s3.HttpMethods.HEAD],
            allowed_headers=["*"],
            exposed_headers=["ETag"],
            max_age=CORS_MAX_AGE_SECONDS,
        )

    def _build_replication_rules(self) -> list[s3.ReplicationRule] | None:
        replication = self._config.replication
        if replication is None:
            return None
        return [
            s3.ReplicationRule(
                id="ReplicateDocuments",
                destination=s3.Bucket.from_bucket_arn(self, "Replica", replication.bucket_arn),
                kms_key=kms.Key.from_key_arn(self, "ReplicaKey", replication.kms_key_arn),
                sse_kms_encrypted_objects=True,
                delete_marker_replication=True,
                filter=s3.Filter(prefix=DOCUMENTS_PREFIX),
                priority=0,
                storage_class=s3.StorageClass.INFREQUENT_ACCESS,
            )
        ]

    def _acknowledge_replication_role(self, replica_arn: str) -> None:
        # The role CDK creates for replication: object-level actions on every object of the two
        # buckets (replication is per object) and the KMS data-key actions AWS documents for it.
        role = self.bucket.node.find_child("ReplicationRole")
        bucket_resource = self.bucket.node.default_child
        if not isinstance(bucket_resource, CfnElement):
            raise TypeError("the documents bucket has no CloudFormation resource")
        source_id = Stack.of(self).get_logical_id(bucket_resource)
        reason = (
            "S3 replication acts on every object of the source and replica buckets and needs "
            "KMS GenerateDataKey*/ReEncrypt* for SSE-KMS objects (AWS replication guide); "
            "the role is assumable only by s3.amazonaws.com"
        )
        for finding in (
            f"Resource::<{source_id}.Arn>/*",
            f"Resource::{replica_arn}/*",
            "Action::kms:GenerateDataKey*",
            "Action::kms:ReEncrypt*",
        ):
            acknowledge(role, "IAM5", reason, applies_to=finding)
