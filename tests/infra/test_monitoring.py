"""The encrypted alarm topic, the table alarms and the dashboard."""

from __future__ import annotations

import json

from aws_cdk import App, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk.assertions import Template

from infra.names import Names
from infra.stacks.monitoring import MonitoringStack
from tests.infra.conftest import Synthesized, config_for


def test_alarm_topic_is_encrypted_tls_only_and_mails_the_configured_address(
    synthesized: Synthesized, env: str
) -> None:
    template = synthesized.template(env, "monitoring")
    (topic,) = template.find_resources("AWS::SNS::Topic").values()
    assert topic["Properties"]["TopicName"] == Names(env).alarm_topic
    assert "KmsMasterKeyId" in topic["Properties"]
    (subscription,) = template.find_resources("AWS::SNS::Subscription").values()
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["Endpoint"] == synthesized.config(env).alarm_email
    (policy,) = template.find_resources("AWS::SNS::TopicPolicy").values()
    assert "aws:SecureTransport" in json.dumps(policy["Properties"]["PolicyDocument"])


def test_cloudwatch_may_use_the_topic_key(synthesized: Synthesized, env: str) -> None:
    template = synthesized.template(env, "monitoring")
    (key,) = template.find_resources("AWS::KMS::Key").values()
    assert "cloudwatch.amazonaws.com" in json.dumps(key["Properties"]["KeyPolicy"])


def test_table_throttles_and_system_errors_alarm_to_the_topic(
    synthesized: Synthesized, env: str
) -> None:
    template = synthesized.template(env, "monitoring")
    (topic_id,) = template.find_resources("AWS::SNS::Topic")
    alarms = {
        a["Properties"]["AlarmName"]: a["Properties"]
        for a in template.find_resources("AWS::CloudWatch::Alarm").values()
    }
    for name in (f"strata-{env}-main-throttles", f"strata-{env}-main-system-errors"):
        assert alarms[name]["AlarmActions"] == [{"Ref": topic_id}]
        assert alarms[name]["OKActions"] == [{"Ref": topic_id}]
        assert alarms[name]["TreatMissingData"] == "notBreaching"


def test_dashboard_shows_throttles_system_and_user_errors(
    synthesized: Synthesized, env: str
) -> None:
    template = synthesized.template(env, "monitoring")
    (dashboard,) = template.find_resources("AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    for metric in ("ThrottledRequests", "SystemErrors", "UserErrors"):
        assert metric in body


def test_later_stacks_add_alarms_and_widgets() -> None:
    # Given a monitoring stack and a metric from another stack
    app = App(context={"aws:cdk:bundling-stacks": []})
    config = config_for("dev")
    tables = Stack(app, "tables")
    table = dynamodb.Table(
        tables, "T", partition_key=dynamodb.Attribute(name="PK", type=dynamodb.AttributeType.STRING)
    )
    monitoring = MonitoringStack(app, "monitoring", config=config, main_table=table)
    metric = cloudwatch.Metric(namespace="Strata", metric_name="IngestFailures")
    # When a later stack registers an alarm and a widget
    monitoring.operations.add_alarm(
        "ingest-failures", metric=metric, threshold=1, description="ingest failed"
    )
    monitoring.operations.add_widgets(cloudwatch.GraphWidget(title="Ingest", left=[metric]))
    # Then both appear in the monitoring stack, wired to the topic
    template = Template.from_stack(monitoring)
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm", {"AlarmName": "strata-dev-ingest-failures"}
    )
    (dashboard,) = template.find_resources("AWS::CloudWatch::Dashboard").values()
    assert "IngestFailures" in json.dumps(dashboard["Properties"]["DashboardBody"])
