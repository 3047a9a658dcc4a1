"""SnapStart per environment, and every invoker of every function on its alias ``live``.

SnapStart snapshots published versions only: an invoker left on the function itself ($LATEST)
would silently run without it. So every Strata function publishes a version with an alias, and
each way in (REST and WebSocket integrations and their permissions, the SQS and DynamoDB stream
mappings, the Cognito triggers, the EventBridge schedule and its async-invoke settings) is checked
to name the alias.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Template

from infra.constructs.function import LIVE_ALIAS
from tests.infra.aliases import live_alias_id
from tests.infra.conftest import Synthesized

FUNCTION_STACKS = ("api", "ingest", "streams", "maintenance", "realtime", "auth")
SNAPSHOT_ON = {"ApplyOn": "PublishedVersions"}
# SnapStart refuses more ephemeral storage than this (and provisioned concurrency, and EFS).
SNAPSTART_MAX_EPHEMERAL_MB = 512


def _strata_functions(template: Template) -> dict[str, dict[str, Any]]:
    """Logical id -> properties of the functions built from ``lambdas/`` (not CDK's helpers)."""
    return {
        logical_id: resource["Properties"]
        for logical_id, resource in template.find_resources("AWS::Lambda::Function").items()
        if str(resource["Properties"].get("Handler", "")).startswith("lambdas.")
    }


def _resources(template: Template, kind: str) -> list[dict[str, Any]]:
    return [resource["Properties"] for resource in template.find_resources(kind).values()]


def _names_alias(value: Any, alias: str) -> bool:
    """The alias's ARN, or something CloudFormation derives from it alone (an event source
    mapping takes ``<function>:live``, split out of the alias ARN)."""
    return value == {"Ref": alias} or (
        json.dumps({"Ref": alias}) in json.dumps(value) and '"Fn::GetAtt"' not in json.dumps(value)
    )


@pytest.mark.parametrize("concern", FUNCTION_STACKS)
def test_snapstart_follows_the_environment_and_nothing_it_refuses_is_configured(
    synthesized: Synthesized, env: str, concern: str
) -> None:
    # Given each stack with a function, in each environment
    config = synthesized.config(env)
    template = synthesized.template(env, concern)
    functions = _strata_functions(template)
    assert functions, f"{concern} has no Strata function"
    for function_id, properties in functions.items():
        # Then SnapStart is on the published versions exactly where the config says so
        if config.snap_start:
            assert properties["SnapStart"] == SNAPSHOT_ON
        else:
            assert "SnapStart" not in properties
        # And nothing SnapStart refuses is there: EFS, large ephemeral storage
        assert "FileSystemConfigs" not in properties
        storage = properties.get("EphemeralStorage", {"Size": 512})["Size"]
        assert storage <= SNAPSTART_MAX_EPHEMERAL_MB
        # And the function has one alias, live, on a version this template publishes
        live_alias_id(template, function_id)
    # And no alias or version has provisioned concurrency
    for kind in ("AWS::Lambda::Alias", "AWS::Lambda::Version"):
        for properties in _resources(template, kind):
            assert "ProvisionedConcurrencyConfig" not in properties


@pytest.mark.parametrize("concern", FUNCTION_STACKS)
def test_no_invoker_calls_a_function_outside_its_alias(
    synthesized: Synthesized, env: str, concern: str
) -> None:
    # Given each stack with a function
    template = synthesized.template(env, concern)
    functions = _strata_functions(template)
    aliases = {live_alias_id(template, function_id) for function_id in functions}
    # Then every invoke permission on a Strata function is on its alias
    permissions = [
        p
        for p in _resources(template, "AWS::Lambda::Permission")
        if any(fid in json.dumps(p["FunctionName"]) for fid in (*functions, *aliases))
    ]
    for permission in permissions:
        assert permission["Action"] == "lambda:InvokeFunction"
        assert any(_names_alias(permission["FunctionName"], a) for a in aliases), permission
    # And every event source mapping feeds an alias
    for mapping in _resources(template, "AWS::Lambda::EventSourceMapping"):
        assert any(_names_alias(mapping["FunctionName"], a) for a in aliases), mapping
    # And nothing in the template calls a function by its own ARN ($LATEST)
    text = json.dumps(template.to_json())
    for function_id in functions:
        assert json.dumps({"Fn::GetAtt": [function_id, "Arn"]}) not in text


def test_the_rest_api_integrates_the_alias_on_every_method(
    synthesized: Synthesized, env: str
) -> None:
    template = synthesized.template(env, "api")
    (function_id,) = _strata_functions(template)
    alias = live_alias_id(template, function_id)
    proxies = [
        m["Integration"]
        for m in _resources(template, "AWS::ApiGateway::Method")
        if m.get("Integration", {}).get("Type") == "AWS_PROXY"
    ]
    # /{proxy+} ANY and the three public GETs
    assert len(proxies) == 4
    for integration in proxies:
        assert {"Ref": alias} in integration["Uri"]["Fn::Join"][1]
    permissions = _resources(template, "AWS::Lambda::Permission")
    assert permissions
    assert all(p["Principal"] == "apigateway.amazonaws.com" for p in permissions)
    assert all(p["FunctionName"] == {"Ref": alias} for p in permissions)


def test_the_websocket_api_and_its_permission_use_the_alias(
    synthesized: Synthesized, env: str
) -> None:
    template = synthesized.template(env, "realtime")
    (function_id,) = _strata_functions(template)
    alias = live_alias_id(template, function_id)
    (integration,) = _resources(template, "AWS::ApiGatewayV2::Integration")
    assert {"Ref": alias} in integration["IntegrationUri"]["Fn::Join"][1]
    # One permission per route
    permissions = _resources(template, "AWS::Lambda::Permission")
    assert len(permissions) == 5
    assert all(p["FunctionName"] == {"Ref": alias} for p in permissions)


def test_the_queue_and_the_stream_feed_the_alias(synthesized: Synthesized, env: str) -> None:
    for concern in ("ingest", "streams"):
        template = synthesized.template(env, concern)
        (function_id,) = _strata_functions(template)
        (mapping,) = _resources(template, "AWS::Lambda::EventSourceMapping")
        alias = live_alias_id(template, function_id)
        # <function>:live, split out of the alias ARN
        assert _names_alias(mapping["FunctionName"], alias)
        assert mapping["FunctionName"]["Fn::Join"][1][-1] == f":{LIVE_ALIAS}"


def test_the_schedule_and_its_no_retry_settings_are_on_the_alias(
    synthesized: Synthesized, env: str
) -> None:
    template = synthesized.template(env, "maintenance")
    (function_id,) = _strata_functions(template)
    alias = live_alias_id(template, function_id)
    (rule,) = _resources(template, "AWS::Events::Rule")
    assert [t["Arn"] for t in rule["Targets"]] == [{"Ref": alias}]
    (permission,) = _resources(template, "AWS::Lambda::Permission")
    assert permission["Principal"] == "events.amazonaws.com"
    assert permission["FunctionName"] == {"Ref": alias}
    # EventBridge invokes the alias, so the no-retry settings must be the alias's
    (invoke_config,) = _resources(template, "AWS::Lambda::EventInvokeConfig")
    # (the alias's name, split out of its ARN)
    assert _names_alias(invoke_config["Qualifier"], alias)
    assert invoke_config["FunctionName"] == {"Ref": function_id}
    assert invoke_config["MaximumRetryAttempts"] == 0


def test_both_cognito_triggers_and_their_permissions_use_the_alias(
    synthesized: Synthesized, env: str
) -> None:
    template = synthesized.template(env, "auth")
    (function_id,) = _strata_functions(template)
    alias = live_alias_id(template, function_id)
    (pool,) = _resources(template, "AWS::Cognito::UserPool")
    assert set(pool["LambdaConfig"]) == {"PostConfirmation", "PostAuthentication"}
    assert all(arn == {"Ref": alias} for arn in pool["LambdaConfig"].values())
    permissions = _resources(template, "AWS::Lambda::Permission")
    assert len(permissions) == 2
    assert all(p["FunctionName"] == {"Ref": alias} for p in permissions)


# Alarm names (without the strata-<env>- prefix) the one helper builds, per function.
FUNCTION_ALARMS = {
    "api": ("throttles",),
    "ingest": ("errors",),
    "streams": ("errors", "throttles"),
    "maintenance": ("errors", "throttles"),
    "realtime": ("errors", "throttles"),
    "cognito": ("errors", "throttles"),
}
LAMBDA_METRICS = {"errors": "Errors", "throttles": "Throttles"}


def test_every_function_alarms_on_its_errors_and_throttles_one_way(
    synthesized: Synthesized, env: str
) -> None:
    template = synthesized.template(env, "monitoring")
    alarms = {a["AlarmName"]: a for a in _resources(template, "AWS::CloudWatch::Alarm")}
    for function, kinds in FUNCTION_ALARMS.items():
        for kind in ("errors", "throttles"):
            name = f"strata-{env}-{function}-{kind}"
            if kind not in kinds:
                assert name not in alarms
                continue
            alarm = alarms[name]
            ((query,),) = [alarm["Metrics"]]
            stat = query["MetricStat"]
            assert stat["Metric"]["Namespace"] == "AWS/Lambda"
            assert stat["Metric"]["MetricName"] == LAMBDA_METRICS[kind]
            # The function name alone: Lambda adds up every version and alias there
            assert [d["Name"] for d in stat["Metric"]["Dimensions"]] == ["FunctionName"]
            assert (stat["Period"], stat["Stat"]) == (300, "Sum")
            assert alarm["Threshold"] == 1
