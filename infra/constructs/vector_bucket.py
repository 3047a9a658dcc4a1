"""The Amazon S3 Vectors backend: a vector bucket encrypted with the search stack's key, and the
``chunks`` and ``memories`` indexes rendered from ``strata.schema``. Pay per use: no capacity
runs while nobody searches (docs/DECISIONS.md, issue 17).

Access is granted per grantee and per index (:meth:`VectorBucket.grant_data_access`), as an IAM
statement in the *grantee's* stack naming only the index ARNs it uses and only the
``s3vectors:`` actions the index adapter calls (:mod:`strata.search.s3vectors`).
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3vectors as s3vectors
from constructs import Construct

from infra.config import EnvironmentConfig
from infra.constructs.keys import rotating_key
from infra.names import Names
from strata.schema import (
    S3VECTORS_DATA_TYPE,
    S3VECTORS_DISTANCE_METRIC,
    VECTOR_INDEXES,
    VectorIndex,
)

ALL_INDEXES: tuple[str, ...] = tuple(index.name for index in VECTOR_INDEXES)
# What strata.search.s3vectors calls: queries (GetVectors too: a query returning metadata or
# with a filter needs it), writes by key, and the listing the orphan sweep pages through.
READ_ACTIONS: tuple[str, ...] = ("s3vectors:QueryVectors", "s3vectors:GetVectors")
WRITE_ACTIONS: tuple[str, ...] = ("s3vectors:PutVectors", "s3vectors:DeleteVectors")
SWEEP_ACTIONS: tuple[str, ...] = ("s3vectors:ListVectors",)
INDEXING_PRINCIPAL = "indexing.s3vectors.amazonaws.com"


class VectorBucket(Construct):
    """A vector bucket with one index per ``strata.schema`` vector index."""

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self._names = Names(config.name)
        self.bucket_name = self._names.vector_bucket
        self.key = self._build_key()
        self.bucket = self._build_bucket()
        self.indexes = {index.name: self._build_index(index) for index in VECTOR_INDEXES}

    @property
    def store(self) -> str:
        return "s3vectors"

    def settings(self) -> dict[str, str]:
        """The functions' ``STRATA_*`` settings that point them at this backend."""
        return {"STRATA_VECTOR_INDEX": "s3vectors", "STRATA_VECTOR_BUCKET_NAME": self.bucket_name}

    def outputs(self) -> dict[str, str]:
        return {"vector_bucket_name": self.bucket_name}

    def _removal(self) -> RemovalPolicy:
        return RemovalPolicy.RETAIN if self._config.is_retained else RemovalPolicy.DESTROY

    def _build_key(self) -> kms.Key:
        key = rotating_key(
            self,
            "Key",
            alias=self._names.search_key_alias,
            description=f"Strata {self._config.name}: the vector bucket's vectors and metadata",
            retain=self._config.is_retained,
        )
        # S3 Vectors maintains the indexes in the background with its own principal, which
        # must be able to decrypt with the key (only for this account's vector buckets).
        stack = Stack.of(self)
        bucket_arn = (
            f"arn:{stack.partition}:s3vectors:{stack.region}:{stack.account}"
            f":bucket/{self.bucket_name}"
        )
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowS3VectorsIndexing",
                principals=[iam.ServicePrincipal(INDEXING_PRINCIPAL)],
                actions=["kms:Decrypt"],
                resources=["*"],
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    # The bucket, or one of its indexes.
                    "ArnLike": {"aws:SourceArn": [bucket_arn, f"{bucket_arn}/index/*"]},
                },
            )
        )
        return key

    def _build_bucket(self) -> s3vectors.CfnVectorBucket:
        bucket = s3vectors.CfnVectorBucket(
            self,
            "Bucket",
            vector_bucket_name=self.bucket_name,
            encryption_configuration=s3vectors.CfnVectorBucket.EncryptionConfigurationProperty(
                sse_type="aws:kms", kms_key_arn=self.key.key_arn
            ),
        )
        bucket.apply_removal_policy(self._removal())
        bucket.node.add_dependency(self.key)
        return bucket

    def _build_index(self, index: VectorIndex) -> s3vectors.CfnIndex:
        cfn_index = s3vectors.CfnIndex(
            self,
            f"{index.name.capitalize()}Index",
            index_name=index.name,
            vector_bucket_name=self.bucket_name,
            data_type=S3VECTORS_DATA_TYPE,
            dimension=self._config.vector_dimension,
            distance_metric=S3VECTORS_DISTANCE_METRIC,
            metadata_configuration=s3vectors.CfnIndex.MetadataConfigurationProperty(
                non_filterable_metadata_keys=list(index.non_filterable_keys)
            ),
        )
        cfn_index.apply_removal_policy(self._removal())
        cfn_index.add_dependency(self.bucket)
        return cfn_index

    def index_arn(self, name: str) -> str:
        return self.indexes[name].attr_index_arn

    def grant_data_access(
        self,
        grantee: iam.IRole,
        *,
        grantee_name: str,
        write: bool = False,
        indexes: Sequence[str] = ALL_INDEXES,
        sweep: bool = False,
    ) -> None:
        """Let ``grantee`` query (with ``write``, put and delete; with ``sweep``, list) the
        named ``indexes`` only, and use the key as those calls need (in the grantee's stack).
        ``grantee_name`` is kept for the same call shape as the OpenSearch backend's."""
        del grantee_name
        unknown = set(indexes) - set(self.indexes)
        if unknown or not indexes:
            raise ValueError(f"unknown vector indexes {sorted(unknown)}; known: {ALL_INDEXES}")
        actions = [
            *READ_ACTIONS,
            *(WRITE_ACTIONS if write else ()),
            *(SWEEP_ACTIONS if sweep else ()),
        ]
        grantee.add_to_principal_policy(
            iam.PolicyStatement(
                actions=actions, resources=[self.index_arn(name) for name in indexes]
            )
        )
        key_actions = ["kms:Decrypt", *(["kms:GenerateDataKey"] if write else [])]
        grantee.add_to_principal_policy(
            iam.PolicyStatement(actions=key_actions, resources=[self.key.key_arn])
        )
