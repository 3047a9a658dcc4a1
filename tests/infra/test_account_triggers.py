"""The cognito function as the user pool's triggers, beside the pool, with no dependency cycle."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Template

from infra.constructs.account_triggers import POOL_ACTIONS, TABLE_ACTIONS
from infra.names import Names
from tests.infra.aliases import live_alias_id
from tests.infra.conftest import Synthesized

HANDLER = "lambdas.cognito.handler.handler"


def _resources(template: Template, kind: str) -> dict[str, Any]:
    return dict(template.find_resources(kind))


def _function_id(template: Template) -> str:
    (logical_id,) = template.find_resources(
        "AWS::Lambda::Function", {"Properties": {"Handler": HANDLER}}
    )
    return str(logical_id)


def _references(node: Any) -> set[str]:
    """Logical ids a template fragment refers to (Ref, Fn::GetAtt)."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                found.add(value[0] if isinstance(value, list) else str(value).split(".")[0])
            else:
                found |= _references(value)
    elif isinstance(node, list):
        for value in node:
            found |= _references(value)
    return found


def _cycle(resources: dict[str, Any]) -> list[str] | None:
    """A dependency cycle among the resources (references and DependsOn), if there is one."""
    graph: dict[str, set[str]] = {}
    for name, resource in resources.items():
        depends = resource.get("DependsOn", [])
        edges = _references(resource.get("Properties", {})) | set(
            [depends] if isinstance(depends, str) else depends
        )
        graph[name] = {edge for edge in edges if edge in resources}
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*path, target]
            if target not in state and (found := visit(target, [*path, target])):
                return found
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start, [start])):
            return found
    return None


def test_both_triggers_call_the_cognito_function_in_the_auth_stack(
    synthesized: Synthesized, env: str
) -> None:
    template = synthesized.template(env, "auth")
    function_id = _function_id(template)
    (pool,) = _resources(template, "AWS::Cognito::UserPool").values()
    # Through the alias live (SnapStart runs published versions only)
    arn = {"Ref": live_alias_id(template, function_id)}
    assert pool["Properties"]["LambdaConfig"] == {
        "PostConfirmation": arn,
        "PostAuthentication": arn,
    }
    permissions = _resources(template, "AWS::Lambda::Permission").values()
    assert sorted(p["Properties"]["Principal"] for p in permissions) == [
        "cognito-idp.amazonaws.com",
        "cognito-idp.amazonaws.com",
    ]
    function = _resources(template, "AWS::Lambda::Function")[function_id]["Properties"]
    assert function["FunctionName"] == Names(env).function("cognito")
    assert function["Timeout"] == 5
    # The pool comes with each event: the function is given no pool setting
    assert "STRATA_USER_POOL_ID" not in function["Environment"]["Variables"]


def test_the_auth_template_has_no_dependency_cycle(synthesized: Synthesized, env: str) -> None:
    resources = synthesized.template(env, "auth").to_json()["Resources"]
    assert _cycle(resources) is None


def test_the_cycle_check_finds_a_cycle() -> None:
    resources = {
        "Pool": {"Properties": {"Lambda": {"Fn::GetAtt": ["Function", "Arn"]}}},
        "Function": {"DependsOn": ["Policy"], "Properties": {}},
        "Policy": {"Properties": {"Resource": {"Fn::GetAtt": ["Pool", "Arn"]}}},
    }
    assert _cycle(resources) == ["Function", "Policy", "Pool", "Function"]


def test_the_function_holds_only_the_actions_it_calls(synthesized: Synthesized, env: str) -> None:
    template = synthesized.template(env, "auth")
    role_id = _resources(template, "AWS::Lambda::Function")[_function_id(template)]["Properties"][
        "Role"
    ]["Fn::GetAtt"][0]
    statements = [
        (name, statement)
        for name, policy in _resources(template, "AWS::IAM::Policy").items()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    granted = {
        action
        for _, statement in statements
        for action in (
            [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        )
    }
    assert granted == {
        *TABLE_ACTIONS,
        *POOL_ACTIONS,
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "xray:PutTelemetryRecords",
        "xray:PutTraceSegments",
    }
    # The table actions name the main table only, no index
    (table,) = [s for _, s in statements if "dynamodb:GetItem" in s["Action"]]
    resource = json.dumps(table["Resource"])
    assert f":table/{Names(env).main_table}" in resource
    assert "/index/" not in resource
    # The pool action names this pool exactly, in a policy of its own
    (pool_id,) = _resources(template, "AWS::Cognito::UserPool")
    ((policy_name, pool_statement),) = [
        (name, s) for name, s in statements if s["Action"] == "cognito-idp:AdminAddUserToGroup"
    ]
    assert pool_statement["Resource"] == {"Fn::GetAtt": [pool_id, "Arn"]}
    assert "DefaultPolicy" not in policy_name


def test_errors_and_throttles_alarm(synthesized: Synthesized, env: str) -> None:
    alarms = synthesized.template(env, "monitoring").find_resources("AWS::CloudWatch::Alarm")
    names = {alarm["Properties"]["AlarmName"] for alarm in alarms.values()}
    assert {Names(env).resource("cognito-errors"), Names(env).resource("cognito-throttles")} <= (
        names
    )
