"""strata-{env}-api: the REST API and its function, with exactly the permissions the routes use.

The function reads and writes the main table and its indexes; signs uploads and downloads of
``documents/<sub>/<docId>/original`` and deletes a document's objects (every version) under
``documents/`` and ``processed/``; creates users and keeps groups in step in the user pool;
embeds and answers with two Bedrock models; and reads/writes the vector indexes. Its pagination
tokens are signed with a generated secret, read through Parameter Store's Secrets Manager
reference. Alarms (5xx, p99 latency, throttles) go on the operations dashboard.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_cdk import Aws, Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.config import EnvironmentConfig
from infra.constructs.api_code import HANDLER, staged_api_code
from infra.constructs.api_gateway import StrataRestApi
from infra.constructs.function import StrataFunction
from infra.constructs.layers import SharedLayers
from infra.constructs.operations import Operations
from infra.constructs.vector_collection import VectorCollection
from infra.nag import acknowledge, managed_policy
from infra.names import Names

if TYPE_CHECKING:
    from infra.stage import StrataStage

PERIOD = Duration.minutes(5)
MEMORY_MB = 1024
TIMEOUT = Duration.seconds(29)  # API Gateway's integration timeout
P99_LATENCY_ALARM_MS = 3000
SERVER_ERRORS_ALARM = 5

TABLE_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:Query",
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
)
DIRECTORY_ACTIONS = (
    "cognito-idp:AdminCreateUser",
    "cognito-idp:AdminDeleteUser",
    "cognito-idp:AdminAddUserToGroup",
    "cognito-idp:AdminRemoveUserFromGroup",
    "cognito-idp:CreateGroup",
    "cognito-idp:DeleteGroup",
)
ORIGINALS = "documents/*/original"
DOCUMENT_PREFIXES = ("documents/*", "processed/*")


class ApiStack(Stack):
    @classmethod
    def in_stage(cls, stage: StrataStage) -> ApiStack:
        """The api stack of ``stage``, wired to the stacks it needs."""
        return cls(
            stage,
            "api",
            config=stage.config,
            stack_name=Names(stage.config.name).stack("api"),
            layers=stage.layers,
            main_table=stage.data.main_table,
            bucket_key=stage.storage.bucket.encryption_key,
            user_pool=stage.auth.user_pool,
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
        bucket_key: kms.IKey | None,
        user_pool: cognito.IUserPool,
        vectors: VectorCollection,
        operations: Operations,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        names = Names(config.name)
        self._names = names
        # Same account, known name: a literal ARN keeps the prefixes readable in the policy.
        self._bucket_name = f"{names.documents_bucket_prefix}-{Aws.ACCOUNT_ID}"
        self.token_secret = secretsmanager.Secret(
            self,
            "TokenSecret",
            secret_name=names.resource("api-token-secret"),
            description="Signs the API's pagination tokens (HMAC-SHA256)",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=64, exclude_punctuation=True
            ),
        )
        acknowledge(
            self.token_secret,
            "SMG4",
            "the secret only signs pagination tokens that bind a page position to its query; "
            "rotating it would only invalidate open nextTokens, so it is rotated by redeploying",
        )
        self.function = StrataFunction(
            self,
            "Api",
            config=config,
            name="api",
            code=staged_api_code(),
            handler=HANDLER,
            layers=layers.for_stack(self),
            settings=self._settings(config, main_table, user_pool, vectors),
            description="The REST API: users, groups, apps, chats, documents, memories",
            memory_mb=MEMORY_MB,
            timeout=TIMEOUT,
        )
        role = self.function.role
        self._grant_table(role)
        self._grant_bucket(role, bucket_key)
        self._grant_directory(role, user_pool)
        self._grant_models(role, config)
        self._grant_token_secret(role)
        vectors.grant_data_access(role, grantee_name="api", write=True)
        self.rest_api = StrataRestApi(
            self, "Rest", config=config, function=self.function.function, user_pool=user_pool
        )
        self._acknowledge_api(config)
        self._monitor(operations)

    def _settings(
        self,
        config: EnvironmentConfig,
        main_table: dynamodb.ITable,
        user_pool: cognito.IUserPool,
        vectors: VectorCollection,
    ) -> dict[str, str]:
        return {
            "STRATA_REGION": self.region,
            "STRATA_TABLE_NAME": main_table.table_name,
            "STRATA_BUCKET_NAME": self._bucket_name,
            "STRATA_USER_POOL_ID": user_pool.user_pool_id,
            "STRATA_TOKEN_SECRET_PARAMETER": self._secret_reference,
            "STRATA_COLLECTION_ENDPOINT": vectors.collection_endpoint,
            "STRATA_CHUNKS_INDEX": self._names.chunks_index,
            "STRATA_MEMORIES_INDEX": self._names.memories_index,
            "STRATA_EMBEDDER": "bedrock",
            "STRATA_VECTOR_INDEX": "opensearch",
            "STRATA_RESPONDER": "bedrock",
            "STRATA_EMBEDDING_MODEL_ID": config.embedding_model_id,
            "STRATA_EMBEDDING_DIMENSION": str(config.vector_dimension),
            "STRATA_ANSWER_MODEL_ID": config.answer_model_id,
            "STRATA_MAX_UPLOAD_BYTES": str(config.max_upload_mb * 1024 * 1024),
            # The function names a caller's origin in its responses only if it is one of these.
            "STRATA_CORS_ORIGINS": ",".join(config.cors_origins),
        }

    @property
    def _secret_reference(self) -> str:
        """Parameter Store's read-only view of the secret (``strata.store`` reads SSM)."""
        return f"/aws/reference/secretsmanager/{self._names.resource('api-token-secret')}"

    def _grant_table(self, role: iam.IRole) -> None:
        # A literal ARN (same account, known name) instead of a cross-stack import keeps the
        # index wildcard readable and acknowledgeable.
        table = self._names.main_table
        table_arn = f"arn:{Aws.PARTITION}:dynamodb:{Aws.REGION}:{Aws.ACCOUNT_ID}:table/{table}"
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=list(TABLE_ACTIONS), resources=[table_arn, f"{table_arn}/index/*"]
            )
        )
        acknowledge(
            role,
            "IAM5",
            "queries run on the main table's GSI1-GSI3 (admin lists, a user's lists, unread "
            "notifications); the wildcard covers that table's indexes only",
            applies_to="Resource::arn:<AWS::Partition>:dynamodb:<AWS::Region>:<AWS::AccountId>:"
            f"table/{table}/index/*",
        )

    def _grant_bucket(self, role: iam.IRole, key: kms.IKey | None) -> None:
        bucket_arn = f"arn:{Aws.PARTITION}:s3:::{self._bucket_name}"
        role.add_to_principal_policy(
            iam.PolicyStatement(
                # Presigned POST (upload) and GET (download) of originals act with this role.
                actions=["s3:PutObject", "s3:GetObject"],
                resources=[f"{bucket_arn}/{ORIGINALS}"],
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["s3:DeleteObject", "s3:DeleteObjectVersion"],
                resources=[f"{bucket_arn}/{prefix}" for prefix in DOCUMENT_PREFIXES],
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucketVersions"],
                resources=[bucket_arn],
                conditions={"StringLike": {"s3:prefix": list(DOCUMENT_PREFIXES)}},
            )
        )
        if key is not None:
            role.add_to_principal_policy(
                iam.PolicyStatement(
                    actions=["kms:Decrypt", "kms:GenerateDataKey"], resources=[key.key_arn]
                )
            )
        shown = f"arn:<AWS::Partition>:s3:::{self._names.documents_bucket_prefix}-<AWS::AccountId>"
        for pattern in (ORIGINALS, *DOCUMENT_PREFIXES):
            acknowledge(
                role,
                "IAM5",
                "the wildcard stands for <sub>/<docId>: the API signs uploads and downloads of "
                "users' originals and deletes a document's objects, under these prefixes only",
                applies_to=f"Resource::{shown}/{pattern}",
            )

    def _grant_directory(self, role: iam.IRole, user_pool: cognito.IUserPool) -> None:
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=list(DIRECTORY_ACTIONS), resources=[user_pool.user_pool_arn]
            )
        )

    def _grant_models(self, role: iam.IRole, config: EnvironmentConfig) -> None:
        models = sorted({config.embedding_model_id, config.answer_model_id})
        role.add_to_principal_policy(
            iam.PolicyStatement(
                # Converse is authorized by bedrock:InvokeModel on the model.
                actions=["bedrock:InvokeModel"],
                resources=[
                    f"arn:{self.partition}:bedrock:{self.region}::foundation-model/{model}"
                    for model in models
                ],
            )
        )

    def _grant_token_secret(self, role: iam.IRole) -> None:
        self.token_secret.grant_read(role)
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["ssm:GetParameter"],
                resources=[
                    f"arn:{self.partition}:ssm:{self.region}:{self.account}:parameter"
                    f"{self._secret_reference}"
                ],
            )
        )

    def _acknowledge_api(self, config: EnvironmentConfig) -> None:
        rest = self.rest_api
        acknowledge(
            rest.api,
            "APIG4",
            "only /health, /openapi.json, /swagger and CORS preflight (OPTIONS) are public, "
            "on purpose; every other method requires the Cognito authorizer",
        )
        acknowledge(
            rest.api,
            "COG4",
            "only /health, /openapi.json, /swagger and CORS preflight (OPTIONS) skip the Cognito "
            "authorizer, on purpose; every other method requires it",
        )
        acknowledge(
            rest.api,
            "APIG2",
            "API Gateway validates the required parameters (token, path); bodies are validated "
            "by the function against each route's full schema (422 naming every field), which "
            "a single proxy resource cannot carry as API Gateway models",
        )
        acknowledge(
            rest.api,
            "IAM4",
            "API Gateway's account-level CloudWatch role needs the AWS managed push-to-logs "
            "policy (it writes the execution logs of every API in the account)",
            applies_to=managed_policy("service-role/AmazonAPIGatewayPushToCloudWatchLogs"),
        )
        if not config.waf_enabled:
            acknowledge(
                rest.api,
                "APIG3",
                f"WAF is off in {config.name} by configuration (waf_enabled); the stage is "
                "throttled and every method but the public three needs a Cognito token",
            )

    def _monitor(self, operations: Operations) -> None:
        api = self.rest_api.api
        function = self.function.function
        server_errors = api.metric_server_error(period=PERIOD, statistic="Sum", label="api 5xx")
        client_errors = api.metric_client_error(period=PERIOD, statistic="Sum", label="api 4xx")
        p99 = api.metric_latency(period=PERIOD, statistic="p99", label="api p99 latency (ms)")
        throttles = function.metric_throttles(period=PERIOD, label="api function throttles")
        requests = api.metric_count(period=PERIOD, statistic="Sum", label="api requests")
        operations.add_alarm(
            "api-5xx",
            metric=server_errors,
            threshold=SERVER_ERRORS_ALARM,
            description="The API answered 5xx at least 5 times in 5 minutes",
        )
        operations.add_alarm(
            "api-p99-latency",
            metric=p99,
            threshold=P99_LATENCY_ALARM_MS,
            evaluation_periods=3,
            description="The API's p99 latency stayed above 3 s for 15 minutes",
        )
        operations.add_alarm(
            "api-throttles",
            metric=throttles,
            threshold=1,
            description="The api function was throttled (account or reserved concurrency)",
        )
        operations.add_widgets(
            cloudwatch.GraphWidget(
                title="api: requests and errors",
                left=[requests],
                right=[client_errors, server_errors],
            ),
            cloudwatch.GraphWidget(title="api: p99 latency", left=[p99]),
            cloudwatch.GraphWidget(title="api: function throttles", left=[throttles]),
        )
