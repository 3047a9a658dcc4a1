"""strata-{env}-api: the REST API and its function, with exactly the permissions the routes use.

The function reads and writes the main table and its indexes; signs uploads and downloads of
``documents/<sub>/<docId>/original`` and deletes a document's objects (every version) under
``documents/`` and ``processed/``; creates users and keeps groups in step in the user pool;
embeds and answers with two Bedrock models; and reads/writes the vector indexes. Its pagination
tokens are signed with a generated secret, read through Parameter Store's Secrets Manager
reference; the stack's KMS key encrypts that secret and the API's access logs. Alarms (5xx, p99
latency, throttles) go on the operations dashboard.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.config import EnvironmentConfig
from infra.constructs import models
from infra.constructs.api_gateway import StrataRestApi
from infra.constructs.function import StrataFunction
from infra.constructs.function_alarms import function_alarms
from infra.constructs.keys import rotating_key
from infra.constructs.layers import SharedLayers
from infra.constructs.operations import Operations
from infra.constructs.resources import PlatformResources
from infra.constructs.user_directory import UserDirectory
from infra.nag import acknowledge
from infra.names import Names

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
    "cognito-idp:AdminGetUser",
    "cognito-idp:AdminDisableUser",
    "cognito-idp:AdminEnableUser",
    "cognito-idp:AdminUserGlobalSignOut",
    "cognito-idp:AdminAddUserToGroup",
    "cognito-idp:AdminRemoveUserFromGroup",
    "cognito-idp:CreateGroup",
    "cognito-idp:DeleteGroup",
)
ORIGINALS = "documents/*/original"
DOCUMENT_PREFIXES = ("documents/*", "processed/*")


class ApiStack(Stack):
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
        if resources.directory is None:
            raise ValueError("the api function needs the user directory")
        directory = resources.directory
        self._names = Names(config.name)
        self.key = rotating_key(
            self,
            "ApiKey",
            alias=self._names.api_key_alias,
            description=f"Strata {config.name}: API access logs and token secret",
            retain=config.is_retained,
        )
        self.token_secret = secretsmanager.Secret(
            self,
            "TokenSecret",
            secret_name=self._names.resource("api-token-secret"),
            description="Signs the API's pagination tokens (HMAC-SHA256)",
            encryption_key=self.key,
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
            layers=layers.for_stack(self),
            settings={
                **resources.settings(self),
                "STRATA_TOKEN_SECRET_PARAMETER": self._secret_reference,
            },
            description="The REST API: users, groups, apps, chats, documents, memories",
            memory_mb=MEMORY_MB,
            timeout=TIMEOUT,
        )
        self._grant(self.function.role, resources, directory)
        self.rest_api = StrataRestApi(
            self,
            "Rest",
            config=config,
            function=self.function.live,
            user_pool=directory.user_pool,
            key=self.key,
        )
        self._acknowledge_api(config)
        self._monitor(operations)

    def _grant(
        self, role: iam.IRole, resources: PlatformResources, directory: UserDirectory
    ) -> None:
        config = resources.config
        resources.main_table.grant(
            role,
            *TABLE_ACTIONS,
            indexes="queries run on the main table's GSI1-GSI3 (admin lists, a user's lists, "
            "unread notifications)",
        )
        documents = resources.documents
        # Presigned POST (upload) and GET (download) of originals act with this role.
        documents.grant_objects(role, ["s3:PutObject", "s3:GetObject"], [ORIGINALS])
        documents.grant_objects(
            role, ["s3:DeleteObject", "s3:DeleteObjectVersion"], DOCUMENT_PREFIXES
        )
        documents.grant_listing(role, ["s3:ListBucketVersions"], prefixes=DOCUMENT_PREFIXES)
        documents.grant_key(role)
        documents.acknowledge_keys(
            role,
            [ORIGINALS, *DOCUMENT_PREFIXES],
            "the wildcard stands for <sub>/<docId>: the API signs uploads and downloads of "
            "users' originals and deletes a document's objects, under these prefixes only",
        )
        directory.grant(role, *DIRECTORY_ACTIONS)
        models.grant_invoke(role, [config.embedding_model_id, config.answer_model_id])
        self._grant_token_secret(role)
        resources.vectors.grant_data_access(role, grantee_name="api", write=True)

    @property
    def _secret_reference(self) -> str:
        """Parameter Store's read-only view of the secret (``strata.store`` reads SSM)."""
        return f"/aws/reference/secretsmanager/{self._names.resource('api-token-secret')}"

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
        if not config.waf_enabled:
            acknowledge(
                rest.api,
                "APIG3",
                f"WAF is off in {config.name} by configuration (waf_enabled); the stage is "
                "throttled and every method but the public three needs a Cognito token",
            )

    def _monitor(self, operations: Operations) -> None:
        api = self.rest_api.api
        server_errors = api.metric_server_error(period=PERIOD, statistic="Sum", label="api 5xx")
        client_errors = api.metric_client_error(period=PERIOD, statistic="Sum", label="api 4xx")
        p99 = api.metric_latency(period=PERIOD, statistic="p99", label="api p99 latency (ms)")
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
        throttles = function_alarms(
            operations,
            self.function.function,
            "api",
            period=PERIOD,
            label="api function",
            errors=None,
            throttles="The api function was throttled (account or reserved concurrency)",
        ).throttles
        operations.add_widgets(
            cloudwatch.GraphWidget(
                title="api: requests and errors",
                left=[requests],
                right=[client_errors, server_errors],
            ),
            cloudwatch.GraphWidget(title="api: p99 latency", left=[p99]),
            cloudwatch.GraphWidget(title="api: function throttles", left=[throttles]),
        )
