"""The ingest stack: the function on the queue, least-privilege IAM, and its alarms."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Match, Template

from infra.names import Names
from infra.specs import MAX_RECEIVE_COUNT as QUEUE_MAX_RECEIVE_COUNT
from strata.config import Settings
from tests.infra.conftest import Synthesized, vector_actions

TEXTRACT_ACTIONS = {
    "textract:DetectDocumentText",
    "textract:StartDocumentTextDetection",
    "textract:GetDocumentTextDetection",
}


def _function(template: Template) -> dict[str, Any]:
    (function,) = template.find_resources(
        "AWS::Lambda::Function", {"Properties": {"Handler": "lambdas.ingest.handler.handler"}}
    ).values()
    return dict(function)


def _statements(template: Template) -> list[dict[str, Any]]:
    policies = template.find_resources("AWS::IAM::Policy")
    return [
        s
        for policy in policies.values()
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else list(actions)


def test_the_function_is_arm64_with_memory_and_timeout_from_config(
    synthesized: Synthesized, env: str
) -> None:
    config = synthesized.config(env)
    properties = _function(synthesized.template(env, "ingest"))["Properties"]
    assert properties["Architectures"] == ["arm64"]
    assert properties["MemorySize"] == config.ingest.memory_mb
    assert properties["Timeout"] == config.ingest.timeout_seconds
    assert properties["FunctionName"] == Names(env).function("ingest")
    variables = properties["Environment"]["Variables"]
    assert variables["STRATA_EMBEDDER"] == "bedrock"
    assert variables["STRATA_VECTOR_INDEX"] == config.vector_store
    assert variables["STRATA_EMBEDDING_MODEL_ID"] == config.embedding_model_id
    assert variables["STRATA_EMBEDDING_DIMENSION"] == str(config.vector_dimension)
    assert variables["STRATA_MAX_UPLOAD_BYTES"] == str(config.max_upload_mb * 1024 * 1024)


def test_the_queue_feeds_it_with_partial_failures_and_bounded_concurrency(
    synthesized: Synthesized, env: str
) -> None:
    template = synthesized.template(env, "ingest")
    template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "ScalingConfig": {"MaximumConcurrency": synthesized.config(env).ingest.max_concurrency},
            "EventSourceArn": {
                "Fn::GetStackOutput": Match.object_like(
                    {"OutputName": Match.string_like_regexp("IngestQueue")}
                )
            },
        },
    )


def test_the_last_delivery_the_function_expects_is_the_queues_max_receive_count(
    synthesized: Synthesized, env: str
) -> None:
    # Given the queue's redrive policy and the ingest function's settings
    queues = synthesized.template(env, "storage").find_resources(
        "AWS::SQS::Queue", {"Properties": {"RedrivePolicy": Match.any_value()}}
    )
    (queue,) = queues.values()
    variables = _function(synthesized.template(env, "ingest"))["Properties"]["Environment"]
    # Then the function marks a document error on the delivery that is the queue's last
    count = queue["Properties"]["RedrivePolicy"]["maxReceiveCount"]
    assert count == QUEUE_MAX_RECEIVE_COUNT
    assert variables["Variables"]["STRATA_INGEST_MAX_RECEIVE_COUNT"] == str(count)


def _object_pattern(resource: Any, bucket_prefix: str) -> str:
    """``/documents/*/original`` of ``arn:...:s3:::<prefix>-<account>/documents/*/original``."""
    parts = resource["Fn::Join"][1]
    assert parts[2] == f":s3:::{bucket_prefix}-", parts
    assert parts[3] == {"Ref": "AWS::AccountId"}
    return str(parts[4]) if len(parts) > 4 else ""


def test_s3_access_is_limited_to_originals_and_artifacts(
    synthesized: Synthesized, env: str
) -> None:
    granted: dict[str, set[str]] = {}
    for statement in _statements(synthesized.template(env, "ingest")):
        for action in (a for a in _actions(statement) if a.startswith("s3:")):
            resources = statement["Resource"]
            for resource in resources if isinstance(resources, list) else [resources]:
                pattern = _object_pattern(resource, Names(env).documents_bucket_prefix)
                granted.setdefault(action, set()).add(pattern)
    reads = {"/documents/*/original", "/processed/*/embeddings.jsonl"}
    artifacts = {
        "/documents/*/extracted-text.txt",
        "/documents/*/chunks.jsonl",
        "/processed/*/metadata.json",
        "/processed/*/embeddings.jsonl",
    }
    assert granted == {
        "s3:GetObject": reads,
        "s3:GetObjectVersion": reads,
        "s3:PutObject": artifacts,
        # Every version of its own artifacts, when a document is deleted mid-ingestion.
        "s3:DeleteObjectVersion": artifacts,
        "s3:ListBucket": {""},
        "s3:ListBucketVersions": {""},
    }


def test_tables_model_and_collection_are_granted_narrowly(
    synthesized: Synthesized, env: str
) -> None:
    template = synthesized.template(env, "ingest")
    statements = _statements(template)
    actions = {a for s in statements for a in _actions(s)}
    # No scans, queries, batch writes, deletes of documents or wildcard actions.
    assert not {a for a in actions if a.endswith("*")}
    assert not actions & {"dynamodb:Scan", "dynamodb:Query", "dynamodb:BatchWriteItem"}
    wildcard_resources = [s for s in statements if s["Resource"] == "*"]
    # Only actions without resource-level permissions: X-Ray's, and Textract's (OCR is on)
    assert [sorted(_actions(s)) for s in wildcard_resources] == [
        sorted({"xray:PutTelemetryRecords", "xray:PutTraceSegments", *TEXTRACT_ACTIONS})
    ]
    (bedrock,) = [s for s in statements if "bedrock:InvokeModel" in _actions(s)]
    model = synthesized.config(env).embedding_model_id
    assert json.dumps(bedrock["Resource"]).endswith(f'"::foundation-model/{model}"]]}}')
    if synthesized.config(env).vector_store == "s3vectors":
        # S3 Vectors: reads and writes by key on the chunks index only (see test_vector_store)
        assert actions & set(vector_actions("s3vectors", write=True)) == set(
            vector_actions("s3vectors", write=True)
        )
        return
    template.has_resource_properties(
        "AWS::OpenSearchServerless::AccessPolicy",
        {
            "Name": f"{Names(env).collection}-ingest",
            "Policy": Match.object_like(
                {"Fn::Join": ["", Match.array_with([Match.string_like_regexp("WriteDocument")])]}
            ),
        },
    )


def test_dlq_errors_and_backlog_alarm_on_the_operations_topic(
    synthesized: Synthesized, env: str
) -> None:
    alarms = synthesized.template(env, "monitoring").find_resources("AWS::CloudWatch::Alarm")
    names = {alarm["Properties"]["AlarmName"] for alarm in alarms.values()}
    prefix = Names(env).prefix
    assert {f"{prefix}-ingest-dlq", f"{prefix}-ingest-errors", f"{prefix}-ingest-backlog"} <= names
    (dlq,) = [
        a["Properties"] for a in alarms.values() if a["Properties"]["AlarmName"].endswith("-dlq")
    ]
    assert "ApproximateNumberOfMessagesVisible" in json.dumps(dlq)
    assert dlq["Threshold"] == 1
    assert dlq["AlarmActions"]


def test_queue_visibility_outlasts_the_function_six_times(
    synthesized: Synthesized, env: str
) -> None:
    timeout = _function(synthesized.template(env, "ingest"))["Properties"]["Timeout"]
    queues = synthesized.template(env, "storage").find_resources(
        "AWS::SQS::Queue", {"Properties": {"RedrivePolicy": Match.any_value()}}
    )
    (queue,) = queues.values()
    assert queue["Properties"]["VisibilityTimeout"] >= 6 * timeout


def test_the_functions_settings_are_valid_strata_settings(
    synthesized: Synthesized, env: str
) -> None:
    # Given the function's environment, with deploy-time references as placeholder strings
    variables = _function(synthesized.template(env, "ingest"))["Properties"]["Environment"][
        "Variables"
    ]
    environ = {
        name: value if isinstance(value, str) else "resolved-at-deploy"
        for name, value in variables.items()
    }
    # When the function reads them at start, Then they parse (a bad one would crash every run)
    settings = Settings.from_env(environ)
    assert settings.embedding_dimension == synthesized.config(env).vector_dimension
    assert settings.max_upload_bytes == synthesized.config(env).max_upload_mb * 1024 * 1024


def _textract_statements(template: Template) -> list[dict[str, Any]]:
    return [s for s in _statements(template) if TEXTRACT_ACTIONS & set(_actions(s))]


def test_ocr_is_textract_with_its_permissions_where_the_environment_turns_it_on(
    synthesized: Synthesized, env: str
) -> None:
    # Given an environment whose cdk.json turns OCR on (every shipped one does)
    assert synthesized.config(env).ingest.ocr_enabled
    template = synthesized.template(env, "ingest")
    # Then the function reads scans with Textract, and may call exactly its three actions
    variables = _function(template)["Properties"]["Environment"]["Variables"]
    assert variables["STRATA_OCR"] == "textract"
    (statement,) = _textract_statements(template)
    assert statement["Resource"] == "*"  # Textract has no resource-level permissions
    textract = {action for action in _actions(statement) if action.startswith("textract:")}
    assert textract == TEXTRACT_ACTIONS


def test_ocr_off_leaves_the_function_without_textract(federated_dev: Synthesized) -> None:
    # Given dev synthesized with ingest.ocr_enabled false
    template = federated_dev.template("dev", "ingest")
    # Then scans are refused with a reason (STRATA_OCR=off) and no Textract permission exists
    variables = _function(template)["Properties"]["Environment"]["Variables"]
    assert variables["STRATA_OCR"] == "off"
    assert _textract_statements(template) == []
