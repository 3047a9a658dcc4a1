"""`--env NAME` finds an environment from its stacks' outputs; the default is the local stack."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.names import OUTPUTS, Output
from ops.target import TargetError, local_target, settings_from_outputs, stack_outputs
from tests.support.moto_server import MotoServer


def _stack(outputs: dict[str, str]) -> str:
    return json.dumps(
        {
            "Resources": {"Marker": {"Type": "AWS::SQS::Queue"}},
            "Outputs": {key: {"Value": value} for key, value in outputs.items()},
        }
    )


def test_env_resources_come_from_the_deployed_stacks_outputs(moto_server: MotoServer) -> None:
    # Given two stacks of environment "qa" deployed with their outputs
    cloudformation = moto_server.client("cloudformation")
    cloudformation.create_stack(
        StackName="strata-qa-data",
        TemplateBody=_stack(
            {
                OUTPUTS["table_name"]: "strata-qa-main",
                OUTPUTS["idempotency_table_name"]: "strata-qa-idempotency",
                Output.MAIN_TABLE_ARN: "a",
            }
        ),
    )
    cloudformation.create_stack(
        StackName="strata-qa-storage",
        TemplateBody=_stack(
            {OUTPUTS["bucket_name"]: "strata-qa-documents-1", Output.INGEST_DLQ_URL: "http://q"}
        ),
    )
    # When the CLI looks the environment up
    outputs = stack_outputs(cloudformation, "qa")
    settings = settings_from_outputs("qa", "us-east-1", outputs)
    # Then it finds the table, the bucket and the queue, and knows nothing it was not told
    assert settings.table_name == "strata-qa-main"
    assert settings.bucket_name == "strata-qa-documents-1"
    assert outputs[Output.INGEST_DLQ_URL] == "http://q"
    assert Output.BACKUP_VAULT not in outputs


@pytest.mark.parametrize(
    ("output", "value", "store"),
    [
        ("collection_endpoint", "https://x.us-east-1.aoss.amazonaws.com", "opensearch"),
        ("vector_bucket_name", "strata-qa-vectors", "s3vectors"),
    ],
)
def test_the_vector_store_is_the_one_the_search_stack_outputs(
    output: str, value: str, store: str
) -> None:
    # Given an environment whose search stack outputs one backend
    outputs = {
        OUTPUTS["table_name"]: "strata-qa-main",
        OUTPUTS["idempotency_table_name"]: "strata-qa-idempotency",
        OUTPUTS["bucket_name"]: "strata-qa-documents-1",
        OUTPUTS[output]: value,
    }
    # When the CLI reads its settings, then they name that backend
    settings = settings_from_outputs("qa", "us-east-1", outputs)
    assert settings.vector_index == store
    assert getattr(settings, output) == value


def test_an_environment_with_no_stacks_is_a_clear_error(moto_server: MotoServer) -> None:
    with pytest.raises(TargetError, match="no stack of environment 'nowhere'"):
        stack_outputs(moto_server.client("cloudformation"), "nowhere")


def test_the_local_stack_is_found_through_its_runtime_file(tmp_path: Path) -> None:
    runtime = tmp_path / ".strata-local" / "runtime.json"
    runtime.parent.mkdir()
    runtime.write_text(
        json.dumps(
            {
                "gateway_url": "http://127.0.0.1:8000",
                "env": {
                    "STRATA_TABLE_NAME": "strata-local-main",
                    "STRATA_IDEMPOTENCY_TABLE_NAME": "strata-local-idempotency",
                    "STRATA_BUCKET_NAME": "strata-local-documents",
                    "AWS_ENDPOINT_URL": "http://127.0.0.1:4566",
                    "AWS_DEFAULT_REGION": "eu-west-1",
                },
                "ingest_dead_letter_queue_url": "http://127.0.0.1:4566/q/ingest-dlq",
            }
        )
    )
    target = local_target(tmp_path)
    assert target.settings.table_name == "strata-local-main"
    assert target.settings.region == "eu-west-1"
    assert target.endpoint_url == "http://127.0.0.1:4566"
    assert target.is_local
    assert target.outputs[Output.INGEST_DLQ_URL].endswith("ingest-dlq")
    # the running stack's vector index is reached over its loopback routes (local/vectors.py)
    assert type(target.vector_index).__name__ == "RemoteVectorIndex"


def test_no_local_stack_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="make local"):
        local_target(tmp_path)
