"""The alarm topic and the dashboard every stack reports into.

Later stacks call :meth:`Operations.add_alarm` and :meth:`Operations.add_widgets` with metrics of
their own resources. Alarms and widgets live here (the monitoring stack then depends on those
stacks), so no other stack needs to reference the topic and no dependency cycle can arise.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from infra.config import EnvironmentConfig
from infra.names import Names

PERIOD = Duration.minutes(5)
TABLE_OPERATIONS: tuple[dynamodb.Operation, ...] = (
    dynamodb.Operation.GET_ITEM,
    dynamodb.Operation.PUT_ITEM,
    dynamodb.Operation.UPDATE_ITEM,
    dynamodb.Operation.DELETE_ITEM,
    dynamodb.Operation.QUERY,
    dynamodb.Operation.BATCH_GET_ITEM,
    dynamodb.Operation.BATCH_WRITE_ITEM,
    dynamodb.Operation.TRANSACT_WRITE_ITEMS,
    dynamodb.Operation.TRANSACT_GET_ITEMS,
)


class Operations(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, key: kms.Key
    ) -> None:
        super().__init__(scope, construct_id)
        self._names = Names(config.name)
        self.alarm_topic = self._build_topic(key, config.alarm_email)
        self.dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=self._names.dashboard,
            default_interval=Duration.hours(6),
        )
        self.alarms: list[cloudwatch.Alarm] = []

    def _build_topic(self, key: kms.Key, email: str) -> sns.Topic:
        # CloudWatch publishes alarm notifications to an encrypted topic only with key access.
        key.grant_encrypt_decrypt(iam.ServicePrincipal("cloudwatch.amazonaws.com"))
        topic = sns.Topic(
            self,
            "AlarmTopic",
            topic_name=self._names.alarm_topic,
            display_name=f"Strata {self._names.env} alarms",
            master_key=key,
            enforce_ssl=True,
        )
        topic.add_subscription(subscriptions.EmailSubscription(email))
        return topic

    def add_alarm(
        self,
        construct_id: str,
        *,
        metric: cloudwatch.IMetric,
        threshold: float,
        description: str,
        evaluation_periods: int = 1,
        comparison: cloudwatch.ComparisonOperator = (
            cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
        ),
    ) -> cloudwatch.Alarm:
        """An alarm that notifies the alarm topic on ALARM and on OK; missing data is fine."""
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            alarm_name=self._names.resource(construct_id),
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            evaluation_periods=evaluation_periods,
            comparison_operator=comparison,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        action = cloudwatch_actions.SnsAction(self.alarm_topic)
        alarm.add_alarm_action(action)
        alarm.add_ok_action(action)
        self.alarms.append(alarm)
        return alarm

    def add_widgets(self, *widgets: cloudwatch.IWidget) -> None:
        """Append a row of widgets to the dashboard."""
        self.dashboard.add_widgets(*widgets)

    def watch_table(self, label: str, table: dynamodb.ITable) -> None:
        """Throttles and system errors alarm; both, with user errors, go on the dashboard."""
        throttles = table.metric_throttled_requests_for_operations(
            operations=list(TABLE_OPERATIONS), period=PERIOD, label=f"{label} throttled requests"
        )
        system_errors = table.metric_system_errors_for_operations(
            operations=list(TABLE_OPERATIONS), period=PERIOD, label=f"{label} system errors"
        )
        # UserErrors is an account-and-region metric: DynamoDB does not report it per table.
        user_errors = table.metric_user_errors(period=PERIOD, label="DynamoDB user errors")
        self.add_alarm(
            f"{label}-throttles",
            metric=throttles,
            threshold=1,
            description=f"DynamoDB {label} table throttled requests in 5 minutes",
        )
        self.add_alarm(
            f"{label}-system-errors",
            metric=system_errors,
            threshold=1,
            description=f"DynamoDB {label} table returned 5xx errors in 5 minutes",
        )
        self.add_widgets(
            cloudwatch.GraphWidget(title=f"{label} table: throttled requests", left=[throttles]),
            cloudwatch.GraphWidget(title=f"{label} table: system errors", left=[system_errors]),
            cloudwatch.GraphWidget(title="DynamoDB user errors (account)", left=[user_errors]),
        )
