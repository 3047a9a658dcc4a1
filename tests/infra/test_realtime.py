"""The realtime stack: the WebSocket API's routes and stage, the function's settings and least
privilege, the streams function's push grant, alarms and outputs."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Template

from infra.constructs.websocket_api import ACTION_ROUTES, SPECIAL_ROUTES, STAGE_NAME
from infra.names import OUTPUTS, Names, Output
from infra.stacks.realtime import TABLE_ACTIONS
from tests.infra.aliases import live_alias_id
from tests.infra.conftest import Synthesized, vector_actions

HANDLER = "lambdas.realtime.handler.handler"
MANAGE = "execute-api:ManageConnections"


def _one(template: Template, kind: str, props: dict[str, Any] | None = None) -> tuple[str, Any]:
    found = template.find_resources(kind, {"Properties": props} if props else None)
    assert len(found) == 1, (kind, list(found))
    ((logical_id, resource),) = found.items()
    return logical_id, resource["Properties"]


def _statements(template: Template) -> list[dict[str, Any]]:
    return [
        statement
        for policy in template.find_resources("AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else list(actions)


def _joined(value: Any) -> str:
    """An ``Fn::Join`` with an empty separator, rendered with its parts as JSON."""
    parts = value["Fn::Join"][1]
    return "".join(part if isinstance(part, str) else json.dumps(part) for part in parts)


def _metric(alarm: dict[str, Any]) -> dict[str, Any]:
    """The one metric an alarm watches (labelled metrics render as ``Metrics``)."""
    (query,) = alarm["Metrics"]
    metric: dict[str, Any] = query["MetricStat"]["Metric"]
    return metric


def _ref(name: str) -> str:
    return json.dumps({"Ref": name})


def _endpoint(api_id: str, scheme: str) -> str:
    region, suffix = _ref("AWS::Region"), _ref("AWS::URLSuffix")
    return f"{scheme}://{_ref(api_id)}.execute-api.{region}.{suffix}/{STAGE_NAME}"


def test_every_route_is_selected_on_the_action_and_proxied_to_the_one_function(
    synthesized: Synthesized, env: str
) -> None:
    # Given the realtime stack of each environment
    template = synthesized.template(env, "realtime")
    function_id, _ = _one(template, "AWS::Lambda::Function", {"Handler": HANDLER})
    # Then the API is a WebSocket API that picks a route by the frame's action field
    api_id, api = _one(template, "AWS::ApiGatewayV2::Api")
    assert api["ProtocolType"] == "WEBSOCKET"
    assert api["RouteSelectionExpression"] == "$request.body.action"
    assert api["Name"] == Names(env).realtime_api
    # And the five routes go to one Lambda proxy integration of the realtime function
    routes = {
        r["Properties"]["RouteKey"]: r["Properties"]
        for r in template.find_resources("AWS::ApiGatewayV2::Route").values()
    }
    assert set(routes) == {"$connect", "$disconnect", "$default", "sendMessage", "ping"}
    assert set(routes) == {*SPECIAL_ROUTES, *ACTION_ROUTES}
    integration_id, integration = _one(template, "AWS::ApiGatewayV2::Integration")
    assert integration["IntegrationType"] == "AWS_PROXY"
    # (through the alias live: SnapStart runs published versions only)
    assert live_alias_id(template, function_id) in json.dumps(integration["IntegrationUri"])
    for route in routes.values():
        assert route["ApiId"] == {"Ref": api_id}
        assert integration_id in json.dumps(route["Target"])
    # And $connect has no gateway authorizer: the function verifies the token itself
    assert routes["$connect"]["AuthorizationType"] == "NONE"
    template.has_resource_properties(
        "AWS::Lambda::Permission",
        {"Action": "lambda:InvokeFunction", "Principal": "apigateway.amazonaws.com"},
    )


def test_the_stage_is_throttled_by_config_and_logs_json_to_an_encrypted_group(
    synthesized: Synthesized, env: str
) -> None:
    template = synthesized.template(env, "realtime")
    config = synthesized.config(env)
    _, stage = _one(template, "AWS::ApiGatewayV2::Stage")
    assert stage["StageName"] == STAGE_NAME
    assert stage["AutoDeploy"] is True
    # Throttling from cdk.json's realtime settings of this environment
    routes = stage["DefaultRouteSettings"]
    assert routes["ThrottlingRateLimit"] == config.realtime.throttle_rate_limit
    assert routes["ThrottlingBurstLimit"] == config.realtime.throttle_burst_limit
    # Errors in the execution log, never message bodies
    assert routes["LoggingLevel"] == "ERROR"
    assert routes["DataTraceEnabled"] is False
    # JSON access logs that say which connection and route, and never the token
    fields = json.loads(stage["AccessLogSettings"]["Format"])
    assert {"requestId", "connectionId", "routeKey", "eventType", "status", "error"} <= set(fields)
    assert "querystring" not in stage["AccessLogSettings"]["Format"].lower()
    group_id, group = _one(
        template, "AWS::Logs::LogGroup", {"LogGroupName": Names(env).realtime_access_logs}
    )
    assert stage["AccessLogSettings"]["DestinationArn"] == {"Fn::GetAtt": [group_id, "Arn"]}
    assert group["RetentionInDays"] == config.log_retention_days
    key_id, key = _one(template, "AWS::KMS::Key")
    assert group["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert key["EnableKeyRotation"] is True
    # The key lets CloudWatch Logs use it for this log group only
    (logs_grant,) = [
        s for s in key["KeyPolicy"]["Statement"] if "logs." in json.dumps(s.get("Principal", {}))
    ]
    condition = logs_grant["Condition"]["ArnEquals"]["kms:EncryptionContext:aws:logs:arn"]
    assert _joined(condition).endswith(f":log-group:{Names(env).realtime_access_logs}")


def test_the_function_gets_the_audience_the_management_endpoint_and_every_shared_setting(
    synthesized: Synthesized, env: str
) -> None:
    template = synthesized.template(env, "realtime")
    stage = synthesized.stage(env)
    api_id, _ = _one(template, "AWS::ApiGatewayV2::Api")
    _, function = _one(template, "AWS::Lambda::Function", {"Handler": HANDLER})
    variables = function["Environment"]["Variables"]
    assert function["FunctionName"] == Names(env).function("realtime")
    assert set(stage.resources.settings(stage.realtime)) <= set(variables)
    # The ID tokens' audience is the auth stack's app client
    client = variables["STRATA_USER_POOL_CLIENT_ID"]["Fn::GetStackOutput"]
    assert client["StackName"] == Names(env).stack("auth")
    assert "AppClient" in client["OutputName"]
    # https://{api}.execute-api.{region}.amazonaws.com/v1 (strata.config's realtime_endpoint)
    assert _joined(variables["STRATA_REALTIME_ENDPOINT"]) == _endpoint(api_id, "https")


def test_the_function_holds_only_what_its_routes_call(synthesized: Synthesized, env: str) -> None:
    template = synthesized.template(env, "realtime")
    config = synthesized.config(env)
    api_id, _ = _one(template, "AWS::ApiGatewayV2::Api")
    statements = _statements(template)
    actions = {action for statement in statements for action in _actions(statement)}
    assert {a for a in actions if a.startswith("dynamodb:")} == set(TABLE_ACTIONS)
    assert not {"dynamodb:Scan", "dynamodb:BatchWriteItem"} & actions
    assert not {a for a in actions if a.split(":")[0] in {"s3", "cognito-idp", "sqs"}}
    # Streams answers from the answer model (profile and model), embeds with the embedding one
    by_action: dict[str, str] = {}
    for statement in statements:
        for action in _actions(statement):
            if action.startswith("bedrock:"):
                by_action[action] = by_action.get(action, "") + json.dumps(statement["Resource"])
    assert set(by_action) == {"bedrock:InvokeModelWithResponseStream", "bedrock:InvokeModel"}
    answer_model = config.answer_model_id.split(".", 1)[1]
    assert (
        f"inference-profile/{config.answer_model_id}"
        in by_action["bedrock:InvokeModelWithResponseStream"]
    )
    assert f"foundation-model/{answer_model}" in by_action["bedrock:InvokeModelWithResponseStream"]
    assert config.embedding_model_id in by_action["bedrock:InvokeModel"]
    assert answer_model not in by_action["bedrock:InvokeModel"]
    # Reads the vector indexes only
    read = set(vector_actions(config.vector_store))
    written = set(vector_actions(config.vector_store, write=True)) - read
    assert read <= actions
    assert not written & actions
    if config.vector_store == "opensearch":
        _, access = _one(template, "AWS::OpenSearchServerless::AccessPolicy")
        permissions = json.dumps(access["Policy"])
        assert "aoss:ReadDocument" in permissions
        assert "aoss:WriteDocument" not in permissions
    assert {a for a in actions if a.startswith("kms:")} <= {"kms:Decrypt"}
    # Pushes to this API's stage connections only
    (manage,) = [s for s in statements if MANAGE in _actions(s)]
    assert _actions(manage) == [MANAGE]
    assert _joined(manage["Resource"]).endswith(
        f":{json.dumps({'Ref': api_id})}/{STAGE_NAME}/*/@connections/*"
    )


def test_the_streams_function_pushes_through_the_realtime_stacks_outputs(
    synthesized: Synthesized, env: str
) -> None:
    template = synthesized.template(env, "streams")
    realtime = Names(env).stack("realtime")
    _, function = _one(
        template, "AWS::Lambda::Function", {"Handler": "lambdas.streams.handler.handler"}
    )
    endpoint = function["Environment"]["Variables"]["STRATA_REALTIME_ENDPOINT"]
    assert endpoint["Fn::GetStackOutput"]["StackName"] == realtime
    assert endpoint["Fn::GetStackOutput"]["OutputName"] == OUTPUTS["realtime_endpoint"]
    (manage,) = [s for s in _statements(template) if MANAGE in _actions(s)]
    assert _actions(manage) == [MANAGE]
    api = {"StackName": realtime, "OutputName": Output.REALTIME_API_ID}
    rendered = _joined(manage["Resource"])
    assert rendered.endswith(f"/{STAGE_NAME}/*/@connections/*")
    assert all(json.dumps(value) in rendered for value in api.values())
    # Deployed after the stack whose outputs it reads
    streams = synthesized.stack(env, "streams")
    assert synthesized.stack(env, "realtime") in streams.dependencies


def test_errors_throttles_gateway_errors_and_push_failures_alarm(
    synthesized: Synthesized, env: str
) -> None:
    monitoring = synthesized.template(env, "monitoring")
    names = Names(env)
    alarms = {
        alarm["Properties"]["AlarmName"]: alarm["Properties"]
        for alarm in monitoring.find_resources("AWS::CloudWatch::Alarm").values()
    }
    assert _metric(alarms[names.resource("realtime-errors")])["MetricName"] == "Errors"
    assert _metric(alarms[names.resource("realtime-throttles")])["MetricName"] == "Throttles"
    gateway = (("execution-errors", "ExecutionError"), ("integration-errors", "IntegrationError"))
    for name, metric_name in gateway:
        metric = _metric(alarms[names.resource(f"realtime-{name}")])
        assert (metric["Namespace"], metric["MetricName"]) == ("AWS/ApiGateway", metric_name)
        dimensions = {d["Name"]: d["Value"] for d in metric["Dimensions"]}
        assert dimensions["Stage"] == STAGE_NAME
        assert dimensions["ApiId"]["Fn::GetStackOutput"]["StackName"] == names.stack("realtime")
    for service in ("realtime", "streams"):
        alarm = alarms[names.resource(f"{service}-push-failures")]
        metric = _metric(alarm)
        assert (metric["Namespace"], metric["MetricName"]) == ("Strata", "PushFailures")
        assert metric["Dimensions"] == [{"Name": "service", "Value": service}]
        assert alarm["Threshold"] == 1


def test_the_client_url_and_the_management_endpoint_are_stack_outputs(
    synthesized: Synthesized, env: str
) -> None:
    template = synthesized.template(env, "realtime")
    api_id, _ = _one(template, "AWS::ApiGatewayV2::Api")
    outputs = template.to_json()["Outputs"]
    assert _joined(outputs[Output.REALTIME_URL]["Value"]) == _endpoint(api_id, "wss")
    management = outputs[OUTPUTS["realtime_endpoint"]]["Value"]
    assert _joined(management) == _endpoint(api_id, "https")
    assert outputs[Output.REALTIME_API_ID]["Value"] == {"Ref": api_id}
