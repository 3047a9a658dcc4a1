"""strata-{env}-realtime: the WebSocket API and the function behind every one of its routes.

The ``realtime`` function verifies the caller's Cognito ID token on ``$connect`` (PyJWT against
the pool's JWKS; the app client is the audience), records and forgets connections, stores a sent
message and streams the assistant's answer back as frames through the stage's management
endpoint. It may read and write the connection, session and message items, stream from the
answer model, embed the question, read the vector indexes and post to this stage's connections
only. Alarms: function errors and throttles, API Gateway execution and integration errors, and
frames that could not be pushed (metric ``PushFailures``, service ``realtime``).
"""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.config import EnvironmentConfig
from infra.constructs import models
from infra.constructs.function import StrataFunction
from infra.constructs.function_alarms import function_alarms
from infra.constructs.keys import rotating_key
from infra.constructs.layers import SharedLayers
from infra.constructs.operations import Operations
from infra.constructs.resources import PlatformResources
from infra.constructs.websocket_api import (
    STAGE_NAME,
    StrataWebSocketApi,
    WebSocketPushes,
    push_failures,
)
from infra.nag import acknowledge
from infra.names import OUTPUTS, Names, Output

NAME = "realtime"
MEMORY_MB = 1024
# A streamed answer is pushed through the management endpoint while the function runs, so API
# Gateway's 29 s integration timeout bounds only the route's own reply, not the answer.
TIMEOUT = Duration.seconds(60)
PERIOD = Duration.minutes(5)
# A refused $connect (no or a forged token) is an integration error too: alarm on a burst only.
INTEGRATION_ERRORS_ALARM = 10

# GetItem (the caller's profile, a session, a connection), PutItem (a connection; a message),
# UpdateItem (a connection's expiry; the session's counters), DeleteItem (a connection),
# ConditionCheckItem (a message's transaction), Query (a user's connections on GSI1; a session's
# history).
TABLE_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:Query",
)


class RealtimeStack(Stack):
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
            raise ValueError("the realtime function needs the user directory")
        names = Names(config.name)
        self.key = rotating_key(
            self,
            "RealtimeKey",
            alias=names.realtime_key_alias,
            description=f"Strata {config.name}: WebSocket API access logs",
            retain=config.is_retained,
        )
        self.function = StrataFunction(
            self,
            "Realtime",
            config=config,
            name=NAME,
            layers=layers.for_stack(self),
            settings={
                **resources.settings(self),
                "STRATA_USER_POOL_CLIENT_ID": resources.directory.client.user_pool_client_id,
            },
            description="WebSocket routes: connect, disconnect, streamed answers, ping",
            memory_mb=MEMORY_MB,
            timeout=TIMEOUT,
        )
        self.websocket = StrataWebSocketApi(
            self, "WebSocket", config=config, function=self.function.live, key=self.key
        )
        # The API needs the function first, so its endpoint is added once the API exists.
        self.function.add_setting("STRATA_REALTIME_ENDPOINT", self.websocket.management_endpoint)
        self._grant(self.function.role, resources)
        self.websocket.pushes.grant(self.function.role)
        self._acknowledge_api()
        CfnOutput(self, Output.REALTIME_URL, value=self.websocket.url)
        CfnOutput(self, OUTPUTS["realtime_endpoint"], value=self.websocket.management_endpoint)
        CfnOutput(self, Output.REALTIME_API_ID, value=self.websocket.api.api_id)
        self._monitor(operations)

    def pushes_for(self, consumer: Stack) -> WebSocketPushes:
        """For a function in another stack (read through this stack's outputs)."""
        return WebSocketPushes.from_outputs(
            consumer,
            self,
            api_id=Output.REALTIME_API_ID,
            endpoint=OUTPUTS["realtime_endpoint"],
        )

    @staticmethod
    def _grant(role: iam.IRole, resources: PlatformResources) -> None:
        config = resources.config
        resources.main_table.grant(
            role,
            *TABLE_ACTIONS,
            indexes="a user's live connections are found through GSI1",
        )
        models.grant_invoke(role, [config.answer_model_id], action=models.STREAM)
        models.grant_invoke(role, [config.embedding_model_id])
        resources.vectors.grant_data_access(role, grantee_name=NAME)

    def _acknowledge_api(self) -> None:
        reason = (
            "the $connect route authenticates in the function: it verifies the Cognito ID token "
            "of the 'token' query parameter (signature against the pool's JWKS, audience = the "
            "app client, expiry) and refuses the connection without a valid one; API Gateway "
            "offers no Cognito authorizer for WebSocket APIs, and every later frame rides the "
            "authenticated connection"
        )
        acknowledge(self.websocket.api, "APIG4", reason)

    def _monitor(self, operations: Operations) -> None:
        api = self.websocket
        dimensions = {"ApiId": api.api.api_id, "Stage": STAGE_NAME}

        def gateway(metric: str, label: str) -> cloudwatch.Metric:
            return cloudwatch.Metric(
                namespace="AWS/ApiGateway",
                metric_name=metric,
                dimensions_map=dimensions,
                statistic="Sum",
                period=PERIOD,
                label=label,
            )

        health = function_alarms(
            operations,
            self.function.function,
            NAME,
            period=PERIOD,
            errors="The realtime function failed (crash or timeout): a frame went "
            "unanswered or an answer stopped mid-stream",
            throttles="The realtime function was throttled: connections or messages refused",
        )
        errors, throttles = health.errors, health.throttles
        execution = gateway("ExecutionError", "realtime execution errors")
        integration = gateway("IntegrationError", "realtime integration errors")
        connects = gateway("ConnectCount", "realtime connects")
        messages = gateway("MessageCount", "realtime messages")
        pushes = push_failures(NAME, PERIOD)
        operations.add_alarm(
            "realtime-execution-errors",
            metric=execution,
            threshold=1,
            description="API Gateway could not call the realtime function (the WebSocket "
            "equivalent of a 5xx)",
        )
        operations.add_alarm(
            "realtime-integration-errors",
            metric=integration,
            threshold=INTEGRATION_ERRORS_ALARM,
            description="The realtime function answered 4xx/5xx at least 10 times in 5 minutes "
            "(refused connections count: forged or expired tokens, or a broken verifier)",
        )
        operations.add_alarm(
            "realtime-push-failures",
            metric=pushes,
            threshold=1,
            description="The realtime function could not push frames to live connections "
            "(other than connections already gone): answers or notifications were lost",
        )
        operations.add_widgets(
            cloudwatch.GraphWidget(
                title="realtime: connects and messages", left=[connects, messages]
            ),
            cloudwatch.GraphWidget(
                title="realtime: errors",
                left=[errors, throttles, pushes],
                right=[execution, integration],
            ),
        )
