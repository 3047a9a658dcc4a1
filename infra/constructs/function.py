"""``StrataFunction``: the one way Strata defines a Lambda function.

arm64, the newest Python runtime, both layers, X-Ray active tracing, Powertools settings, a log
group with the environment's retention, a role of its own with no managed policy, the code of
``lambdas/<name>`` packaged by :class:`~infra.constructs.function_code.FunctionCode` (handler
``lambdas.<name>.handler.handler``), and only ``STRATA_*`` settings from the caller (build them
with :meth:`infra.constructs.resources.PlatformResources.settings`; read by
``strata.config.Settings``).

Every deploy that changes a function publishes a version of it, and the alias ``live`` points at
it: every invoker (API Gateway, event source mappings, Cognito, EventBridge, the WebSocket API)
targets :attr:`StrataFunction.live`, never the function itself (``$LATEST``). Where the
environment's ``snap_start`` is on, each published version carries a SnapStart snapshot (Lambda
SnapStart works on published versions and their aliases only). SnapStart refuses provisioned
concurrency, EFS and ephemeral storage above 512 MB: this construct offers none of them
(tests/infra/test_snapstart.py checks the templates).
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Annotations, Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.config import EnvironmentConfig
from infra.constructs.function_code import FunctionCode
from infra.constructs.layers import ARCHITECTURE, RUNTIME, FunctionLayers
from infra.nag import acknowledge
from infra.names import Names

SETTINGS_PREFIX = "STRATA_"
METRICS_NAMESPACE = "Strata"
LIVE_ALIAS = "live"


_R = logs.RetentionDays
RETENTION_BY_DAYS: dict[int, logs.RetentionDays] = {
    1: _R.ONE_DAY, 3: _R.THREE_DAYS, 5: _R.FIVE_DAYS, 7: _R.ONE_WEEK, 14: _R.TWO_WEEKS,
    30: _R.ONE_MONTH, 60: _R.TWO_MONTHS, 90: _R.THREE_MONTHS, 120: _R.FOUR_MONTHS,
    150: _R.FIVE_MONTHS, 180: _R.SIX_MONTHS, 365: _R.ONE_YEAR, 400: _R.THIRTEEN_MONTHS,
    545: _R.EIGHTEEN_MONTHS, 731: _R.TWO_YEARS, 1096: _R.THREE_YEARS, 1827: _R.FIVE_YEARS,
    2192: _R.SIX_YEARS, 2557: _R.SEVEN_YEARS, 2922: _R.EIGHT_YEARS, 3288: _R.NINE_YEARS,
    3653: _R.TEN_YEARS,
}  # fmt: skip


def retention(days: int) -> logs.RetentionDays:
    """The CloudWatch Logs enum member for ``days`` (config validated the value)."""
    try:
        return RETENTION_BY_DAYS[days]
    except KeyError:
        raise ValueError(f"CloudWatch Logs has no retention of {days} days") from None


class StrataFunction(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        name: str,
        layers: FunctionLayers,
        settings: Mapping[str, str],
        description: str,
        memory_mb: int = 512,
        timeout: Duration | None = None,
        reserved_concurrency: int | None = None,
        code: FunctionCode | None = None,
    ) -> None:
        """``name`` is the function's package under ``lambdas/`` (tests pass ``code``)."""
        super().__init__(scope, construct_id)
        names = Names(config.name)
        self.code = code or FunctionCode(name)
        self.function_name = names.function(name)
        self.log_group = self._build_log_group(config, names)
        self.role = self._build_role(description)
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=self.function_name,
            description=description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=self.code.handler,
            code=lambda_.Code.from_asset(str(self.code.staged(layers.bytecode))),
            layers=layers.all,
            memory_size=memory_mb,
            timeout=timeout or Duration.seconds(30),
            reserved_concurrent_executions=reserved_concurrency,
            tracing=lambda_.Tracing.ACTIVE,
            role=self.role,
            log_group=self.log_group,
            environment=self._environment(config, name, settings),
            snap_start=lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS if config.snap_start else None,
        )
        self.live = self._build_alias()
        if config.snap_start:
            Annotations.of(self.function).acknowledge_warning(
                "@aws-cdk/aws-lambda:snapStartRequirePublish",
                "every deploy publishes a version, and the alias live points at it",
            )
        acknowledge(
            self.role,
            "IAM5",
            "X-Ray's PutTraceSegments and PutTelemetryRecords support no resource-level "
            "permissions; the statement holds only those two actions",
            applies_to="Resource::*",
        )

    def _build_alias(self) -> lambda_.Alias:
        """``live``: the version this deploy published (a new one whenever the code, a layer or
        the configuration changes), the one thing invokers call."""
        return lambda_.Alias(
            self, "Live", alias_name=LIVE_ALIAS, version=self.function.current_version
        )

    def add_setting(self, name: str, value: str) -> None:
        """One more ``STRATA_*`` setting, for a value that exists only after the function (the
        endpoint of an API that invokes it)."""
        if not name.startswith(SETTINGS_PREFIX):
            raise ValueError(f"function settings must be {SETTINGS_PREFIX}* variables: {name}")
        self.function.add_environment(name, value)

    def _build_log_group(self, config: EnvironmentConfig, names: Names) -> logs.LogGroup:
        return logs.LogGroup(
            self,
            "Logs",
            log_group_name=names.log_group(self.function_name),
            retention=retention(config.log_retention_days),
            removal_policy=RemovalPolicy.RETAIN if config.is_retained else RemovalPolicy.DESTROY,
        )

    def _build_role(self, description: str) -> iam.Role:
        role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{self.function_name}: {description}"[:1000],
        )
        # Its own log group only, instead of AWSLambdaBasicExecutionRole's logs:* on every group.
        self.log_group.grant_write(role)
        return role

    @staticmethod
    def _environment(
        config: EnvironmentConfig, name: str, settings: Mapping[str, str]
    ) -> dict[str, str]:
        foreign = sorted(key for key in settings if not key.startswith(SETTINGS_PREFIX))
        if foreign:
            raise ValueError(f"function settings must be {SETTINGS_PREFIX}* variables: {foreign}")
        return {
            "POWERTOOLS_SERVICE_NAME": name,
            "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
            "POWERTOOLS_LOG_LEVEL": "INFO",
            "POWERTOOLS_LOGGER_LOG_EVENT": "false",
            f"{SETTINGS_PREFIX}ENV": config.name,
            **settings,
        }
