"""Bedrock permissions for foundation models and cross-region inference profiles (issue 9,
point 4): the profile ARN in the stack's region, the underlying model in every region the profile
routes to (only through the profile), the region-less ARN for global profiles."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from infra.app import cdk_json_context
from infra.config import ConfigError, load_environment
from infra.constructs import models
from strata.assistant import model_check
from tests.infra.conftest import Synthesized

HAIKU = "anthropic.claude-haiku-4-5-20251001-v1:0"
TITAN = "amazon.titan-embed-text-v2:0"


def _text(value: Any) -> Any:
    """A template value with ``Fn::Join`` and the partition resolved (``aws``)."""
    if isinstance(value, list):
        return [_text(item) for item in value]
    if isinstance(value, dict):
        if value == {"Ref": "AWS::Partition"}:
            return "aws"
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return separator.join(str(_text(part)) for part in parts)
        return {key: _text(item) for key, item in value.items()}
    return value


def _bedrock_statements(template: Template) -> list[dict[str, Any]]:
    return [
        _text(statement)
        for policy in template.find_resources("AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Action"] == "bedrock:InvokeModel"
    ]


def _granted(*model_ids: str) -> list[dict[str, Any]]:
    stack = Stack(App(), "probe", env=Environment(account="123456789012", region="eu-west-1"))
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    models.grant_invoke(role, model_ids)
    return _bedrock_statements(Template.from_stack(stack))


def test_a_foundation_model_is_granted_in_the_stacks_region_only() -> None:
    (statement,) = _granted(TITAN)
    assert statement["Resource"] == f"arn:aws:bedrock:eu-west-1::foundation-model/{TITAN}"
    assert "Condition" not in statement


def test_a_geographic_profile_grants_the_profile_and_the_model_through_it() -> None:
    # Given an eu. inference profile
    profile_id = f"eu.{HAIKU}"
    profile_arn = f"arn:aws:bedrock:eu-west-1:123456789012:inference-profile/{profile_id}"
    # When the role is granted it
    profile, underlying = _granted(profile_id)
    # Then it may invoke the profile in its region, and the model in any destination region
    # only when the call comes through that profile
    assert profile["Resource"] == profile_arn
    assert underlying["Resource"] == f"arn:aws:bedrock:*::foundation-model/{HAIKU}"
    assert underlying["Condition"] == {"StringEquals": {"bedrock:InferenceProfileArn": profile_arn}}


def test_a_global_profile_also_grants_the_regionless_model_arn() -> None:
    _, underlying = _granted(f"global.{HAIKU}")
    assert underlying["Resource"] == [
        f"arn:aws:bedrock:*::foundation-model/{HAIKU}",
        f"arn:aws:bedrock:::foundation-model/{HAIKU}",
    ]


def test_the_shipped_api_role_can_call_the_profile_and_the_embedding_model(
    synthesized: Synthesized,
) -> None:
    # Given prod's answer model, a us. inference profile
    config = synthesized.config("prod")
    assert config.answer_model_id.startswith("us.")
    statements = _bedrock_statements(synthesized.template("prod", "api"))
    resources = [str(statement["Resource"]) for statement in statements]
    # Then the role names the embedding model, the profile and the underlying model
    assert any(TITAN in resource for resource in resources)
    assert any(f"inference-profile/{config.answer_model_id}" in r for r in resources)
    assert [s for s in statements if "Condition" in s]


def test_infra_and_strata_agree_on_the_profile_prefixes() -> None:
    assert models.INFERENCE_PROFILE_PREFIXES == model_check.INFERENCE_PROFILE_PREFIXES


@pytest.mark.parametrize(
    ("region", "model_id", "refused"),
    [
        ("eu-west-1", f"us.{HAIKU}", True),
        ("us-east-1", f"eu.{HAIKU}", True),
        ("eu-west-1", f"eu.{HAIKU}", False),
        ("eu-west-1", f"global.{HAIKU}", False),
        ("ap-northeast-1", f"jp.{HAIKU}", False),
        ("us-east-1", HAIKU, False),
    ],
)
def test_a_profile_of_another_geography_is_refused(
    region: str, model_id: str, refused: bool
) -> None:
    values = {**cdk_json_context()["environments"]["dev"], "region": region}
    values["answer_model_id"] = model_id
    if refused:
        with pytest.raises(ConfigError, match=r"environments\.dev: .*cannot call"):
            load_environment("dev", {"dev": values})
    else:
        assert load_environment("dev", {"dev": values}).answer_model_id == model_id
