"""Which Bedrock models are configured, and a model that is not Active is reported (issue 9,
point 4). Bedrock's control plane is answered by a botocore Stubber."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from strata.assistant.model_check import (
    DEFAULT_ANSWER_MODEL_ID,
    check_model,
    not_active,
    parse_model_id,
    verify_models,
)
from tests.support.settings import make_settings

HAIKU_45 = "anthropic.claude-haiku-4-5-20251001-v1:0"
TITAN = "amazon.titan-embed-text-v2:0"
REGION = "eu-west-1"
ACCOUNT = "123456789012"


@pytest.fixture
def stubbed() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client(
        "bedrock",
        region_name=REGION,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret-example",
    )
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def foundation_model(model_id: str, status: str) -> dict[str, Any]:
    return {
        "modelDetails": {
            "modelArn": f"arn:aws:bedrock:{REGION}::foundation-model/{model_id}",
            "modelId": model_id,
            "modelLifecycle": {"status": status},
        }
    }


def profile(profile_id: str, model_id: str, regions: tuple[str, ...]) -> dict[str, Any]:
    return {
        "inferenceProfileName": profile_id,
        "inferenceProfileArn": f"arn:aws:bedrock:{REGION}:{ACCOUNT}:inference-profile/{profile_id}",
        "inferenceProfileId": profile_id,
        "status": "ACTIVE",
        "type": "SYSTEM_DEFINED",
        "models": [
            {"modelArn": f"arn:aws:bedrock:{region}::foundation-model/{model_id}"}
            for region in regions
        ],
    }


@pytest.mark.parametrize(
    ("model_id", "foundation", "prefix"),
    [
        ("us.anthropic.claude-haiku-4-5-20251001-v1:0", HAIKU_45, "us"),
        ("eu.anthropic.claude-haiku-4-5-20251001-v1:0", HAIKU_45, "eu"),
        ("global.anthropic.claude-haiku-4-5-20251001-v1:0", HAIKU_45, "global"),
        ("us-gov.anthropic.claude-haiku-4-5-20251001-v1:0", HAIKU_45, "us-gov"),
        (TITAN, TITAN, None),
    ],
)
def test_profile_ids_are_split_into_prefix_and_foundation_model(
    model_id: str, foundation: str, prefix: str | None
) -> None:
    ref = parse_model_id(model_id)
    assert (ref.foundation_model_id, ref.profile_prefix) == (foundation, prefix)


def test_the_default_answer_model_is_an_inference_profile_of_an_active_model() -> None:
    assert make_settings().answer_model_id == DEFAULT_ANSWER_MODEL_ID
    assert parse_model_id(DEFAULT_ANSWER_MODEL_ID).foundation_model_id == HAIKU_45


def test_a_legacy_answer_model_is_reported(stubbed: tuple[Any, Stubber]) -> None:
    # Given Bedrock lists the old Claude 3 Haiku as Legacy and Titan v2 as Active
    client, stubber = stubbed
    legacy = "anthropic.claude-3-haiku-20240307-v1:0"
    stubber.add_response(
        "get_foundation_model",
        foundation_model(legacy, "LEGACY"),
        {"modelIdentifier": legacy},
    )
    stubber.add_response(
        "get_foundation_model", foundation_model(TITAN, "ACTIVE"), {"modelIdentifier": TITAN}
    )
    settings = make_settings(answer_model_id=legacy, region=REGION)
    # When the configured models are verified
    statuses = verify_models(settings, client)
    # Then the answer model is reported as not Active, with what to do; Titan passes
    (problem,) = not_active(statuses)
    assert (problem.model_id, problem.purpose, problem.lifecycle) == (legacy, "answers", "LEGACY")
    assert "Active model" in problem.problems[0]
    assert [s.purpose for s in statuses if s.active] == ["embeddings"]


def test_an_active_inference_profile_reports_its_underlying_models(
    stubbed: tuple[Any, Stubber],
) -> None:
    # Given an eu. profile over Claude Haiku 4.5 in three European regions
    client, stubber = stubbed
    profile_id = f"eu.{HAIKU_45}"
    regions = ("eu-west-1", "eu-central-1", "eu-west-3")
    stubber.add_response(
        "get_foundation_model",
        foundation_model(HAIKU_45, "ACTIVE"),
        {"modelIdentifier": HAIKU_45},
    )
    stubber.add_response(
        "get_inference_profile",
        profile(profile_id, HAIKU_45, regions),
        {"inferenceProfileIdentifier": profile_id},
    )
    # When it is checked
    status = check_model(client, profile_id, purpose="answers")
    # Then it is Active and names the model in every destination region
    assert status.active
    assert status.underlying_model_arns == tuple(
        f"arn:aws:bedrock:{region}::foundation-model/{HAIKU_45}" for region in regions
    )


def test_a_profile_the_region_does_not_offer_is_reported(stubbed: tuple[Any, Stubber]) -> None:
    # Given a us. profile asked for from a European region
    client, stubber = stubbed
    profile_id = f"us.{HAIKU_45}"
    stubber.add_response(
        "get_foundation_model",
        foundation_model(HAIKU_45, "ACTIVE"),
        {"modelIdentifier": HAIKU_45},
    )
    stubber.add_client_error(
        "get_inference_profile",
        service_error_code="ResourceNotFoundException",
        http_status_code=404,
        expected_params={"inferenceProfileIdentifier": profile_id},
    )
    # When it is checked
    status = check_model(client, profile_id, purpose="answers")
    # Then it is not Active, and the problem names the profile and Bedrock's answer
    assert not status.active
    assert status.problems == (
        f"inference profile {profile_id}: Bedrock answered ResourceNotFoundException",
    )


def test_local_settings_call_no_bedrock_model() -> None:
    settings = make_settings(embedder="local", responder="extractive", vector_index="local")
    assert verify_models(settings) == []
