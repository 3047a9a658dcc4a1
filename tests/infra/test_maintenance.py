"""The maintenance stack: a schedule from config, one run at a time, least privilege, alarms."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Template

from infra.names import Names
from infra.stacks.maintenance import OBJECT_KEYS, TABLE_ACTIONS
from tests.infra.aliases import live_alias_id
from tests.infra.conftest import Synthesized, vector_actions


def _function(template: Template) -> dict[str, Any]:
    (function,) = template.find_resources(
        "AWS::Lambda::Function", {"Properties": {"Handler": "lambdas.maintenance.handler.handler"}}
    ).values()
    return dict(function["Properties"])


def _statements(template: Template) -> list[dict[str, Any]]:
    return [
        statement
        for policy in template.find_resources("AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else list(actions)


def rate_expression(minutes: int) -> str:
    """EventBridge's rate() as CDK renders it: the largest whole unit, singular for 1."""
    for unit, size in (("day", 1440), ("hour", 60), ("minute", 1)):
        if minutes % size == 0:
            count = minutes // size
            return f"rate({count} {unit}{'' if count == 1 else 's'})"
    raise AssertionError(minutes)


def test_an_eventbridge_rule_runs_it_at_the_configured_rate(
    synthesized: Synthesized, env: str
) -> None:
    config = synthesized.config(env)
    template = synthesized.template(env, "maintenance")
    (rule,) = template.find_resources("AWS::Events::Rule").values()
    minutes = config.maintenance.schedule_minutes
    assert rule["Properties"]["ScheduleExpression"] == rate_expression(minutes)
    assert rule["Properties"]["Name"] == Names(env).resource("maintenance")
    (target,) = rule["Properties"]["Targets"]
    function_id = next(
        iter(
            template.find_resources(
                "AWS::Lambda::Function",
                {"Properties": {"Handler": "lambdas.maintenance.handler.handler"}},
            )
        )
    )
    # The rule invokes the alias live (SnapStart runs published versions only)
    assert target["Arn"] == {"Ref": live_alias_id(template, function_id)}


def test_one_run_at_a_time_and_no_automatic_retry(synthesized: Synthesized, env: str) -> None:
    template = synthesized.template(env, "maintenance")
    properties = _function(template)
    assert properties["ReservedConcurrentExecutions"] == 1
    (invoke_config,) = template.find_resources("AWS::Lambda::EventInvokeConfig").values()
    assert invoke_config["Properties"]["MaximumRetryAttempts"] == 0
    settings = properties["Environment"]["Variables"]
    config = synthesized.config(env)
    assert settings["STRATA_INGEST_VISIBILITY_TIMEOUT_SECONDS"] == str(
        config.ingest_queue_visibility_seconds
    )
    assert settings["STRATA_DOCUMENT_RETENTION_DAYS"] == str(
        config.maintenance.document_retention_days
    )


def test_it_holds_only_the_actions_it_calls(synthesized: Synthesized, env: str) -> None:
    statements = _statements(synthesized.template(env, "maintenance"))
    granted = {action for statement in statements for action in _actions(statement)}
    assert granted == {
        *TABLE_ACTIONS,
        "s3:ListBucket",
        "s3:ListBucketVersions",
        "s3:DeleteObjectVersion",
        *vector_actions(synthesized.config(env).vector_store, write=True, sweep=True),
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "xray:PutTelemetryRecords",
        "xray:PutTraceSegments",
    }
    assert "dynamodb:Scan" not in granted
    # Listing is confined to the document prefixes, deleting to objects under them
    (listing,) = [s for s in statements if "s3:ListBucket" in _actions(s)]
    assert listing["Condition"] == {"StringLike": {"s3:prefix": list(OBJECT_KEYS)}}
    (deleting,) = [s for s in statements if "s3:DeleteObjectVersion" in _actions(s)]
    resources = [json.dumps(resource) for resource in deleting["Resource"]]
    assert len(resources) == len(OBJECT_KEYS)
    assert all(
        resource.endswith(f'/{key}"]]}}')
        for resource, key in zip(resources, OBJECT_KEYS, strict=True)
    )


def test_errors_throttles_and_timed_out_processing_alarm(
    synthesized: Synthesized, env: str
) -> None:
    alarms = synthesized.template(env, "monitoring").find_resources("AWS::CloudWatch::Alarm")
    names = {alarm["Properties"]["AlarmName"] for alarm in alarms.values()}
    expected = {
        Names(env).resource(name)
        for name in (
            "maintenance-errors",
            "maintenance-throttles",
            "maintenance-processing-timed-out",
        )
    }
    assert expected <= names
