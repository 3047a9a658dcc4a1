"""CDK conventions: every recommended feature flag set, explicit cross-stack reference strength,
and API Gateway's account-level CloudWatch role created once per account, not per environment."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path
from typing import Any

import aws_cdk
from aws_cdk import Stack
from aws_cdk.assertions import Template

from infra.app import cdk_json_context
from infra.config import ENVIRONMENT_NAMES
from infra.names import ACCOUNT_STACK, PROJECT
from infra.stacks.account import AccountStack
from tests.infra.conftest import Synthesized

# Flags cdk.json keeps at a value other than the installed aws-cdk-lib's recommendation, each
# explained in docs/DECISIONS.md. None today.
KEPT_AT_LEGACY: dict[str, Any] = {}
REFERENCE_STRENGTH = "@aws-cdk/core:defaultCrossStackReferences"


def recommended_flags() -> dict[str, Any]:
    """``recommended-feature-flags.json`` of the installed aws-cdk-lib (what ``cdk init`` sets)."""
    (bundle,) = (Path(aws_cdk.__file__).parent / "_jsii").glob("aws-cdk-lib@*.jsii.tgz")
    with tarfile.open(bundle) as archive:
        member = archive.extractfile("package/recommended-feature-flags.json")
        assert member is not None
        flags: dict[str, Any] = json.load(member)
    return flags


def _stage_stacks(synthesized: Synthesized, env: str) -> list[Stack]:
    return [c for c in synthesized.stage(env).node.children if isinstance(c, Stack)]


def test_every_recommended_feature_flag_is_set_to_its_recommendation() -> None:
    # Given the flags the installed aws-cdk-lib recommends and cdk.json's context
    context = cdk_json_context()
    recommended = recommended_flags()
    # Then each is set explicitly (none left to a legacy default) to the recommended value
    unset = sorted(set(recommended) - set(context))
    assert unset == []
    differing = {k: context[k] for k, v in recommended.items() if context[k] != v}
    assert differing == KEPT_AT_LEGACY


def test_cross_stack_references_are_weak_stack_outputs(synthesized: Synthesized) -> None:
    # Given the explicitly chosen reference strength
    assert cdk_json_context()[REFERENCE_STRENGTH] == "weak"
    # Then no stack exports or imports a value: consumers read the producer's output
    stacks = _stage_stacks(synthesized, "dev")
    template = json.dumps([Template.from_stack(stack).to_json() for stack in stacks])
    assert "Fn::ImportValue" not in template
    assert '"Export"' not in template
    assert "Fn::GetStackOutput" in template


def test_no_environment_creates_api_gateways_account_settings(synthesized: Synthesized) -> None:
    # Given every stack of every environment
    for env in ENVIRONMENT_NAMES:
        for stack in _stage_stacks(synthesized, env):
            template = Template.from_stack(stack)
            # Then none writes the account-wide API Gateway settings or their role
            assert template.find_resources("AWS::ApiGateway::Account") == {}
            roles = json.dumps(template.find_resources("AWS::IAM::Role"))
            assert "apigateway.amazonaws.com" not in roles


def test_the_account_stack_creates_the_cloudwatch_role_once_and_keeps_it(
    synthesized: Synthesized,
) -> None:
    # Given the one account stack of the app (every environment shares the account here)
    stacks = [c for c in synthesized.app.node.children if isinstance(c, AccountStack)]
    assert [s.stack_name for s in stacks] == [ACCOUNT_STACK]
    template = Template.from_stack(stacks[0])
    # Then it sets API Gateway's CloudWatch role once, and deleting the stack keeps both
    (account,) = template.find_resources("AWS::ApiGateway::Account").values()
    (role,) = template.find_resources("AWS::IAM::Role").values()
    for resource in (account, role):
        assert resource["DeletionPolicy"] == "Retain"
        assert resource["UpdateReplacePolicy"] == "Retain"
    assert account["Properties"]["CloudWatchRoleArn"]["Fn::GetAtt"][1] == "Arn"
    assert "apigateway.amazonaws.com" in json.dumps(role["Properties"]["AssumeRolePolicyDocument"])


def test_stage_tags_go_on_resources_not_on_stacks(synthesized: Synthesized) -> None:
    # explicitStackTags: CloudFormation does not copy stack tags onto every resource, so a tag
    # can be kept off a resource whose tags cannot change without replacing it.
    for stack in _stage_stacks(synthesized, "dev"):
        assert stack.tags.render_tags() is None
    table = synthesized.template("dev", "data").find_resources("AWS::DynamoDB::Table")
    assert {"Key": "project", "Value": PROJECT} in next(iter(table.values()))["Properties"]["Tags"]
