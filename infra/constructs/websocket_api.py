"""The WebSocket API in front of the realtime function.

Routes are selected on the frame's ``action`` field (``$request.body.action``): ``$connect``,
``$disconnect``, ``$default``, ``sendMessage`` and ``ping``, all proxied to the one function.
``$connect`` has no API Gateway authorizer: the function verifies the Cognito ID token of the
``token`` query parameter against the pool's JWKS and refuses the connection without a valid one
(a Cognito authorizer exists only for REST APIs; a Lambda authorizer would be a second function
doing the same check). The stage ``v1`` deploys automatically, is throttled by the environment's
``realtime`` config, logs errors and writes JSON access logs to a KMS-encrypted log group.

Pushes (answer deltas, notifications) go through the stage's management endpoint; a function
gets it and ``execute-api:ManageConnections`` on this stage's connections only through
:class:`WebSocketPushes` (:attr:`StrataWebSocketApi.pushes` in the API's stack,
:meth:`WebSocketPushes.from_outputs` in another).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import jsii
from aws_cdk import CfnElement, Duration, Fn, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.config import EnvironmentConfig
from infra.constructs.function import METRICS_NAMESPACE
from infra.constructs.log_groups import encrypted_log_group
from infra.nag import acknowledge
from infra.names import Names

STAGE_NAME = "v1"
ROUTE_SELECTION = "$request.body.action"
# Routes API Gateway selects without a frame ($connect, $disconnect) or when no other matches.
SPECIAL_ROUTES = ("$connect", "$disconnect", "$default")
ACTION_ROUTES = ("sendMessage", "ping")
MANAGE_CONNECTIONS = "execute-api:ManageConnections"
# What a pushing function counts (Powertools metrics, default dimension service=<function>).
PUSH_FAILURES = "PushFailures"
# WebSocket context variables (the query string, and so the token, is never logged).
ACCESS_LOG_FIELDS: dict[str, str] = {
    "requestId": "$context.requestId",
    "requestTime": "$context.requestTime",
    "ip": "$context.identity.sourceIp",
    "userAgent": "$context.identity.userAgent",
    "connectionId": "$context.connectionId",
    "eventType": "$context.eventType",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "integrationStatus": "$context.integrationStatus",
    "integrationLatency": "$context.integrationLatency",
    "error": "$context.error.message",
    "integrationError": "$context.integration.error",
}


def push_failures(service: str, period: Duration) -> cloudwatch.Metric:
    """Frames ``service`` could not deliver (a connection already gone is not a failure)."""
    return cloudwatch.Metric(
        namespace=METRICS_NAMESPACE,
        metric_name=PUSH_FAILURES,
        dimensions_map={"service": service},
        statistic="Sum",
        period=period,
        label=f"{service} push failures",
    )


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogs:
    """The stage's access log settings (an interface in aws-cdk-lib, not a struct)."""

    def __init__(
        self, destination: apigwv2.IAccessLogDestination, format: apigw.AccessLogFormat
    ) -> None:
        self._destination = destination
        self._format = format

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigw.AccessLogFormat:
        return self._format


class StrataWebSocketApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        function: lambda_.IFunction,
        key: kms.IKey,
    ) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self._names = Names(config.name)
        self.access_logs = self._build_access_logs(key)
        integration = integrations.WebSocketLambdaIntegration("Realtime", function)
        self.api = apigwv2.WebSocketApi(
            self,
            "Api",
            api_name=self._names.realtime_api,
            description=f"Strata WebSocket API ({config.name}): streamed answers and pushes",
            route_selection_expression=ROUTE_SELECTION,
            connect_route_options=apigwv2.WebSocketRouteOptions(integration=integration),
            disconnect_route_options=apigwv2.WebSocketRouteOptions(integration=integration),
            default_route_options=apigwv2.WebSocketRouteOptions(integration=integration),
        )
        for action in ACTION_ROUTES:
            self.api.add_route(action, integration=integration)
        self.stage = self._build_stage()

    def _build_access_logs(self, key: kms.IKey) -> logs.LogGroup:
        """Access logs name callers (IP, user agent, path): encrypted with ``key``."""
        return encrypted_log_group(
            self, "AccessLogs", name=self._names.realtime_access_logs, key=key, config=self._config
        )

    def _build_stage(self) -> apigwv2.WebSocketStage:
        settings = self._config.realtime
        stage = apigwv2.WebSocketStage(
            self,
            "Stage",
            web_socket_api=self.api,
            stage_name=STAGE_NAME,
            auto_deploy=True,
            description=f"Strata realtime {self._config.name}",
            throttle=apigwv2.ThrottleSettings(
                rate_limit=settings.throttle_rate_limit,
                burst_limit=settings.throttle_burst_limit,
            ),
            access_log_settings=_AccessLogs(
                apigwv2.LogGroupLogDestination(self.access_logs),
                apigw.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FIELDS)),
            ),
        )
        # Execution logs for errors only, as on the REST stage (the CloudWatch role is the
        # account stack's); message bodies are never logged.
        stage_resource = stage.node.default_child
        assert isinstance(stage_resource, apigwv2.CfnStage)
        stage_resource.add_property_override("DefaultRouteSettings.LoggingLevel", "ERROR")
        stage_resource.add_property_override("DefaultRouteSettings.DataTraceEnabled", False)
        return stage

    @property
    def url(self) -> str:
        """What clients connect to: ``wss://{api}.execute-api.{region}.amazonaws.com/v1``."""
        return self.stage.url

    @property
    def management_endpoint(self) -> str:
        """Where functions post frames: ``https://{api}.execute-api.{region}.amazonaws.com/v1``
        (the ``STRATA_REALTIME_ENDPOINT`` setting)."""
        return self.stage.callback_url

    @property
    def pushes(self) -> WebSocketPushes:
        """For a function in this construct's stack."""
        resource = self.api.node.default_child
        if not isinstance(resource, CfnElement):
            raise TypeError("the WebSocket API has no CloudFormation resource")
        return WebSocketPushes(
            api_id=self.api.api_id,
            management_endpoint=self.management_endpoint,
            shown_api_id=f"<{Stack.of(self).get_logical_id(resource)}>",
        )


@dataclass(frozen=True)
class WebSocketPushes:
    """What a function needs to push frames to the API's connections: the API id and the
    management endpoint as its own stack reads them (a reference in the API's stack, or a stack
    output in another one), and the API id as cdk-nag shows it in a finding."""

    api_id: str
    management_endpoint: str
    shown_api_id: str

    @staticmethod
    def from_outputs(
        consumer: Stack, producer: Stack, *, api_id: str, endpoint: str
    ) -> WebSocketPushes:
        """Read through the producer's outputs ``api_id`` and ``endpoint`` (output names):
        ``Fn::GetStackOutput``, deployed after the producer."""
        consumer.add_stack_dependency(producer, "pushes to the WebSocket API's connections")
        api = Fn.get_stack_output(producer.stack_name, api_id, consumer.region)
        return WebSocketPushes(
            api_id=api,
            management_endpoint=Fn.get_stack_output(producer.stack_name, endpoint, consumer.region),
            shown_api_id=json.dumps(consumer.resolve(api), separators=(",", ":")),
        )

    def grant(self, grantee: iam.IRole) -> None:
        """``execute-api:ManageConnections`` on the stage's connections (``@connections/*``: a
        connection id is known only at run time; ``*`` before it: POST a frame, GET or DELETE
        a connection), and nothing else."""
        stack = Stack.of(grantee)
        connections = f"{STAGE_NAME}/*/@connections/*"
        grantee.add_to_principal_policy(
            iam.PolicyStatement(
                actions=[MANAGE_CONNECTIONS],
                resources=[
                    stack.format_arn(
                        service="execute-api", resource=self.api_id, resource_name=connections
                    )
                ],
            )
        )
        acknowledge(
            grantee,
            "IAM5",
            "a function pushes frames to connections whose ids exist only at run time; the "
            f"statement names one API's stage {STAGE_NAME} and its connections only, for "
            "ManageConnections only",
            applies_to="Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:"
            f"<AWS::AccountId>:{self.shown_api_id}/{connections}",
        )
