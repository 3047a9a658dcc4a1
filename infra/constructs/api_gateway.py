"""The REST API in front of the api function.

Every method requires the Cognito authorizer (``default_method_options`` on the RestApi, so no
method can be left open by accident); only ``/health``, ``/openapi.json`` and ``/swagger`` are
public, each declared explicitly. One ``{proxy+}`` resource forwards everything else to the
function, whose resolver owns routing and body validation; API Gateway validates the required
parameters. JSON access logs (encrypted with the stack's KMS key), X-Ray, throttling and
(optionally) a cache keyed by the caller's token, path and query from the environment's config;
AWS WAF when the config enables it.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from infra.config import EnvironmentConfig
from infra.constructs.log_groups import encrypted_log_group
from infra.constructs.web_acl import ApiWebAcl
from infra.names import Names

STAGE_NAME = "v1"
PUBLIC_PATHS = ("health", "openapi.json", "swagger")
AUTHORIZATION = "method.request.header.Authorization"
PROXY = "method.request.path.proxy"
# Responses name the caller's origin (with Vary: Origin, which the cache does not honour).
ORIGIN = "method.request.header.Origin"
# Every query parameter of the API (docs/openapi.json; an infra test keeps them in step). A
# cached response is keyed by all of them, or two pages of one list would share an entry.
QUERY_PARAMETERS = (
    "limit",
    "nextToken",
    "order",
    "status",
    "fileType",
    "type",
    "unreadOnly",
    "format",
    "entity",
    "id",
    "day",
    "from",
    "to",
)
CACHE_KEY = (
    AUTHORIZATION,
    ORIGIN,
    PROXY,
    *(f"method.request.querystring.{q}" for q in QUERY_PARAMETERS),
)
CORS_HEADERS = ("Authorization", "Content-Type", "If-Match", "X-Amz-Date", "X-Api-Key")
ERROR_TEMPLATE = (
    '{"error": {"type": "%s", "message": $context.error.messageString, '
    '"details": {"requestId": "$context.requestId"}}}'
)
GATEWAY_ERRORS: dict[str, tuple[apigw.ResponseType, str]] = {
    "Unauthorized": (apigw.ResponseType.UNAUTHORIZED, "Unauthorized"),
    "AccessDenied": (apigw.ResponseType.ACCESS_DENIED, "PermissionDenied"),
    "Throttled": (apigw.ResponseType.THROTTLED, "Throttled"),
    "BadRequest": (apigw.ResponseType.BAD_REQUEST_PARAMETERS, "ValidationError"),
    "Default4xx": (apigw.ResponseType.DEFAULT_4_XX, "ClientError"),
    "Default5xx": (apigw.ResponseType.DEFAULT_5_XX, "Unavailable"),
}


class StrataRestApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        function: lambda_.IFunction,
        user_pool: cognito.IUserPool,
        key: kms.IKey,
    ) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self._names = Names(config.name)
        self.access_logs = self._build_access_logs(key)
        self.authorizer = apigw.CognitoUserPoolsAuthorizer(
            self,
            "Authorizer",
            cognito_user_pools=[user_pool],
            identity_source=AUTHORIZATION,
            authorizer_name=self._names.resource("cognito"),
            results_cache_ttl=Duration.minutes(5),
        )
        self.api = self._build_rest_api()
        self._build_routes(function)
        self._build_gateway_responses()
        self.web_acl = self._build_waf() if config.waf_enabled else None

    def _build_access_logs(self, key: kms.IKey) -> logs.LogGroup:
        """Access logs name callers (IP, user agent, path): encrypted with ``key``."""
        return encrypted_log_group(
            self, "AccessLogs", name=self._names.api_access_logs, key=key, config=self._config
        )

    @property
    def stage(self) -> apigw.Stage:
        return self.api.deployment_stage

    def _build_rest_api(self) -> apigw.RestApi:
        api_settings = self._config.api
        caching = api_settings.cache_enabled
        return apigw.RestApi(
            self,
            "RestApi",
            rest_api_name=self._names.resource("api"),
            description=f"Strata REST API ({self._config.name})",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            # API Gateway's CloudWatch role is one per account and region, shared by every API
            # there: the account stack (infra/stacks/account.py) creates it once, retained.
            cloud_watch_role=False,
            default_method_options=apigw.MethodOptions(
                authorizer=self.authorizer,
                authorization_type=apigw.AuthorizationType.COGNITO,
            ),
            default_cors_preflight_options=apigw.CorsOptions(
                allow_origins=list(self._config.cors_origins),
                allow_methods=apigw.Cors.ALL_METHODS,
                allow_headers=list(CORS_HEADERS),
                max_age=Duration.hours(1),
            ),
            deploy_options=apigw.StageOptions(
                stage_name=STAGE_NAME,
                tracing_enabled=True,
                metrics_enabled=True,
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,
                access_log_destination=apigw.LogGroupLogDestination(self.access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=False,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
                throttling_rate_limit=api_settings.throttle_rate_limit,
                throttling_burst_limit=api_settings.throttle_burst_limit,
                cache_cluster_enabled=caching,
                cache_cluster_size="0.5" if caching else None,
                caching_enabled=caching,
                cache_ttl=Duration.seconds(api_settings.cache_ttl_seconds) if caching else None,
                cache_data_encrypted=caching,
            ),
        )

    def _build_routes(self, function: lambda_.IFunction) -> None:
        validator = apigw.RequestValidator(
            self,
            "Validator",
            rest_api=self.api,
            request_validator_name="required-parameters",
            validate_request_parameters=True,
            validate_request_body=False,
        )
        queries = {f"method.request.querystring.{q}": False for q in QUERY_PARAMETERS}
        integration = apigw.LambdaIntegration(
            function, proxy=True, cache_key_parameters=list(CACHE_KEY)
        )
        proxy = self.api.root.add_resource("{proxy+}")
        proxy.add_method(
            "ANY",
            integration,
            request_validator=validator,
            request_parameters={AUTHORIZATION: True, ORIGIN: False, PROXY: True, **queries},
        )
        public_integration = apigw.LambdaIntegration(function, proxy=True)
        for path in PUBLIC_PATHS:
            self.api.root.add_resource(path).add_method(
                "GET",
                public_integration,
                authorization_type=apigw.AuthorizationType.NONE,
                request_parameters={"method.request.querystring.format": False},
            )

    def _build_gateway_responses(self) -> None:
        for construct_id, (response_type, error_type) in GATEWAY_ERRORS.items():
            self.api.add_gateway_response(
                construct_id,
                type=response_type,
                # Browsers may read these gateway errors (401, 403, 429, ...) from any origin: a
                # gateway response cannot echo one of several origins, and its body holds no data.
                # The function's own responses name only the configured origin.
                response_headers={"Access-Control-Allow-Origin": "'*'"},
                templates={"application/json": ERROR_TEMPLATE % error_type},
            )

    def _build_waf(self) -> wafv2.CfnWebACL:
        return ApiWebAcl(self, names=self._names, stage_arn=self.stage.stage_arn).acl
