"""``vector_store`` per environment (issue 17): an S3 Vectors environment has a vector bucket
and no collection at all, an OpenSearch one no vector bucket, and every function's policy names
only the vector indexes it uses, with only the actions the index adapter calls."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.names import Names
from strata.schema import (
    S3VECTORS_DATA_TYPE,
    S3VECTORS_DISTANCE_METRIC,
    VECTOR_INDEXES,
)
from tests.infra.conftest import Synthesized, vector_actions

FUNCTION_STACKS = ("api", "ingest", "streams", "maintenance", "realtime")
# The indexes each function uses (strata/documents, strata/events, services, maintenance, the
# realtime function's retrieval for streamed answers).
INDEXES_USED: dict[str, set[str]] = {
    "api": {"chunks", "memories"},
    "ingest": {"chunks"},
    "streams": {"chunks", "memories"},
    "maintenance": {"chunks", "memories"},
    "realtime": {"chunks", "memories"},
}
SWEEPS = {"maintenance"}
READ_ONLY = {"realtime"}


def _resource_types(synthesized: Synthesized, env: str) -> set[str]:
    stage = synthesized.stage(env)
    types: set[str] = set()
    for concern in ("data", "storage", "search", "auth", "backup", "monitoring", *FUNCTION_STACKS):
        if getattr(stage, concern, None) is None:
            continue
        template = synthesized.template(env, concern).to_json()
        types |= {resource["Type"] for resource in template.get("Resources", {}).values()}
    return types


def _statements(synthesized: Synthesized, env: str, concern: str) -> list[dict[str, Any]]:
    policies = synthesized.template(env, concern).find_resources("AWS::IAM::Policy")
    return [
        statement
        for policy in policies.values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else list(actions)


def _named_indexes(resource: Any) -> set[str]:
    """The vector indexes a statement's resources reference (by the index's construct)."""
    rendered = json.dumps(resource)
    return {index.name for index in VECTOR_INDEXES if f"{index.name.capitalize()}Index" in rendered}


def test_dev_runs_on_s3_vectors_and_prod_on_opensearch(synthesized: Synthesized) -> None:
    assert synthesized.config("dev").vector_store == "s3vectors"
    assert synthesized.config("prod").vector_store == "opensearch"


def test_an_s3vectors_environment_has_a_vector_bucket_and_no_collection(
    synthesized: Synthesized, env: str
) -> None:
    types = _resource_types(synthesized, env)
    opensearch = {t for t in types if t.startswith("AWS::OpenSearchServerless::")}
    s3vectors = {t for t in types if t.startswith("AWS::S3Vectors::")}
    if synthesized.config(env).vector_store == "s3vectors":
        # No collection, and nothing that depends on one (policies, indexes)
        assert opensearch == set()
        assert s3vectors == {"AWS::S3Vectors::VectorBucket", "AWS::S3Vectors::Index"}
    else:
        assert s3vectors == set()
        assert "AWS::OpenSearchServerless::Collection" in opensearch


def test_the_vector_bucket_is_encrypted_with_the_environments_key(
    synthesized: Synthesized,
) -> None:
    template = synthesized.template("dev", "search")
    (bucket,) = template.find_resources("AWS::S3Vectors::VectorBucket").values()
    properties = bucket["Properties"]
    assert properties["VectorBucketName"] == Names("dev").vector_bucket
    encryption = properties["EncryptionConfiguration"]
    assert encryption["SseType"] == "aws:kms"
    (key_id,) = template.find_resources("AWS::KMS::Key")
    assert encryption["KmsKeyArn"] == {"Fn::GetAtt": [key_id, "Arn"]}
    # And S3 Vectors' indexing principal may decrypt with it, for this account only
    (key,) = template.find_resources("AWS::KMS::Key").values()
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    (indexing,) = [s for s in statements if s.get("Sid") == "AllowS3VectorsIndexing"]
    assert indexing["Principal"] == {"Service": "indexing.s3vectors.amazonaws.com"}
    assert indexing["Action"] == "kms:Decrypt"
    assert "aws:SourceAccount" in indexing["Condition"]["StringEquals"]
    source_arns = json.dumps(indexing["Condition"]["ArnLike"]["aws:SourceArn"])
    assert f":bucket/{Names('dev').vector_bucket}/index/*" in source_arns
    assert key["Properties"]["EnableKeyRotation"] is True


@pytest.mark.parametrize("index", VECTOR_INDEXES, ids=lambda index: index.name)
def test_the_indexes_take_dimension_distance_and_metadata_from_the_schema(
    synthesized: Synthesized, index: Any
) -> None:
    template = synthesized.template("dev", "search")
    indexes = {
        resource["Properties"]["IndexName"]: resource["Properties"]
        for resource in template.find_resources("AWS::S3Vectors::Index").values()
    }
    properties = indexes[index.name]
    assert properties["Dimension"] == synthesized.config("dev").vector_dimension
    assert properties["DistanceMetric"] == S3VECTORS_DISTANCE_METRIC
    assert properties["DataType"] == S3VECTORS_DATA_TYPE
    assert properties["VectorBucketName"] == Names("dev").vector_bucket
    non_filterable = properties["MetadataConfiguration"]["NonFilterableMetadataKeys"]
    assert non_filterable == list(index.non_filterable_keys)
    assert "content" in non_filterable
    # What queries filter on stays filterable
    assert not {"userId", "documentId", "tags", "fileType", "uploadedAt"} & set(non_filterable)


@pytest.mark.parametrize("function", FUNCTION_STACKS)
def test_each_function_may_use_only_the_indexes_it_uses(
    synthesized: Synthesized, function: str
) -> None:
    # Given dev (S3 Vectors): the statements granting s3vectors actions
    statements = [
        s
        for s in _statements(synthesized, "dev", function)
        if any(a.startswith("s3vectors:") for a in _actions(s))
    ]
    # Then they name exactly the indexes the function uses, nothing wider
    (statement,) = statements
    resources = statement["Resource"]
    resources = resources if isinstance(resources, list) else [resources]
    assert "*" not in json.dumps(resources)
    assert [_named_indexes(r) for r in resources] == [
        {name} for name in sorted(INDEXES_USED[function])
    ]
    # And only the actions the adapter calls, listing for the sweeping function alone
    granted = {a for s in _statements(synthesized, "dev", function) for a in _actions(s)}
    vector_granted = {a for a in granted if a.startswith(("s3vectors:", "kms:"))}
    write = function not in READ_ONLY
    wanted = set(vector_actions("s3vectors", write=write, sweep=function in SWEEPS))
    if function != "ingest":
        assert vector_granted == wanted
    else:  # the ingest function also decrypts the documents bucket
        assert {a for a in vector_granted if a.startswith("s3vectors:")} == {
            a for a in wanted if a.startswith("s3vectors:")
        }


def test_opensearch_data_policies_name_only_the_indexes_used(synthesized: Synthesized) -> None:
    # Given prod (OpenSearch): the ingest function's data-access policy
    template = synthesized.template("prod", "ingest")
    (policy,) = template.find_resources("AWS::OpenSearchServerless::AccessPolicy").values()
    rendered = json.dumps(policy["Properties"]["Policy"])
    collection = Names("prod").collection
    # Then it names the chunks index only
    assert f"index/{collection}/chunks" in rendered
    assert f"index/{collection}/memories" not in rendered
    assert f"index/{collection}/*" not in rendered


@pytest.mark.parametrize("function", FUNCTION_STACKS)
def test_each_functions_data_policy_names_only_the_indexes_it_uses(
    synthesized: Synthesized, function: str
) -> None:
    # Given prod (OpenSearch): the function's data-access policy
    template = synthesized.template("prod", function)
    (policy,) = template.find_resources("AWS::OpenSearchServerless::AccessPolicy").values()
    rendered = json.dumps(policy["Properties"]["Policy"])
    collection = Names("prod").collection
    # Then it names exactly the indexes the function uses, and writes only where it writes
    named = {
        index.name for index in VECTOR_INDEXES if f"index/{collection}/{index.name}" in rendered
    }
    assert named == INDEXES_USED[function]
    assert f"index/{collection}/*" not in rendered
    assert "aoss:ReadDocument" in rendered
    assert ("aoss:WriteDocument" in rendered) == (function not in READ_ONLY)
    # And IAM lets the role call the collection's API, nothing wider
    granted = {a for s in _statements(synthesized, "prod", function) for a in _actions(s)}
    assert {a for a in granted if a.startswith("aoss:")} == set(vector_actions("opensearch"))


def test_functions_are_pointed_at_the_environments_store(
    synthesized: Synthesized, env: str
) -> None:
    config = synthesized.config(env)
    functions = synthesized.template(env, "api").find_resources("AWS::Lambda::Function")
    variables = [
        f["Properties"]["Environment"]["Variables"]
        for f in functions.values()
        if "STRATA_TABLE_NAME" in f["Properties"].get("Environment", {}).get("Variables", {})
    ]
    assert variables
    for settings in variables:
        assert settings["STRATA_VECTOR_INDEX"] == config.vector_store
        if config.vector_store == "s3vectors":
            assert settings["STRATA_VECTOR_BUCKET_NAME"] == Names(env).vector_bucket
            assert "STRATA_COLLECTION_ENDPOINT" not in settings
        else:
            assert "STRATA_VECTOR_BUCKET_NAME" not in settings
