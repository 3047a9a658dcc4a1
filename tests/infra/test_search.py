"""The vector collection, its policies and the indexes rendered from strata.schema, in every
environment whose ``vector_store`` is ``opensearch`` (S3 Vectors: test_vector_store.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from infra.app import cdk_json_context
from infra.config import CONTEXT_KEY, ENVIRONMENT_NAMES
from infra.constructs.vector_collection import (
    CFN_FIELD_TYPES,
    DYNAMICALLY_MAPPED,
    dynamically_mapped_fields,
    index_mappings,
)
from infra.names import Names
from infra.stacks.search import SearchStack
from strata.schema import HNSW_EF_SEARCH, VECTOR_FIELD, VECTOR_INDEXES
from tests.infra.conftest import Synthesized, config_for

OPENSEARCH_ENVS = tuple(
    name
    for name in ENVIRONMENT_NAMES
    if cdk_json_context()[CONTEXT_KEY][name]["vector_store"] == "opensearch"
)


@pytest.fixture(params=OPENSEARCH_ENVS)
def env(request: pytest.FixtureRequest) -> str:
    """The environments on OpenSearch (this module's ``env`` overrides conftest's)."""
    name: str = request.param
    return name


def _policies(template: Template, kind: str) -> dict[str, Any]:
    resource_type = (
        "AWS::OpenSearchServerless::AccessPolicy"
        if kind == "data"
        else "AWS::OpenSearchServerless::SecurityPolicy"
    )
    return {
        resource["Properties"]["Name"]: resource["Properties"]
        for resource in template.find_resources(resource_type).values()
        if resource["Properties"]["Type"] == kind
    }


def _flatten(properties: dict[str, Any], prefix: str = "") -> dict[str, dict[str, Any]]:
    """The schema's fields by dotted path (the shape CloudFormation gets)."""
    flat: dict[str, dict[str, Any]] = {}
    for name, spec in properties.items():
        if "properties" in spec:
            flat.update(_flatten(spec["properties"], f"{prefix}{name}."))
        else:
            flat[f"{prefix}{name}"] = spec
    return flat


def test_collection_is_vectorsearch_with_standby_by_config(
    synthesized: Synthesized, env: str
) -> None:
    template = synthesized.template(env, "search")
    (collection,) = template.find_resources("AWS::OpenSearchServerless::Collection").values()
    properties = collection["Properties"]
    assert properties["Name"] == Names(env).collection
    assert properties["Type"] == "VECTORSEARCH"
    expected = "ENABLED" if synthesized.config(env).aoss_standby_replicas else "DISABLED"
    assert properties["StandbyReplicas"] == expected


def test_the_collection_survives_tag_and_standby_changes_where_data_is_retained(
    synthesized: Synthesized, env: str
) -> None:
    # Given the synthesized search stack
    template = synthesized.template(env, "search")
    (collection,) = template.find_resources("AWS::OpenSearchServerless::Collection").values()
    config = synthesized.config(env)
    # Then the collection carries no tags at all (Tags are create-only: an edit would replace it)
    # while the stage's tags do reach other resources (the main table, for one)
    tables = synthesized.template(env, "data").find_resources("AWS::DynamoDB::Table")
    table_tags = [
        {tag["Key"]: tag["Value"] for tag in table["Properties"]["Tags"]}
        for table in tables.values()
    ]
    assert table_tags
    assert all(tags["environment"] == env and "project" in tags for tags in table_tags)
    # And where the environment retains data it is retained, on deletion and on replacement,
    # with the service's own deletion protection on; in a destroyable environment neither
    if config.is_retained:
        assert (collection["DeletionPolicy"], collection["UpdateReplacePolicy"]) == (
            "Retain",
            "Retain",
        )
        assert collection["Properties"]["DeletionProtection"] == "ENABLED"
    else:
        assert collection["DeletionPolicy"] == "Delete"
        assert collection["Properties"]["DeletionProtection"] == "DISABLED"


def test_retained_environments_protect_the_collection(synthesized: Synthesized) -> None:
    # The shipped environments: dev is destroyable, staging and prod keep their vectors
    assert not synthesized.config("dev").is_retained
    for env in ("staging", "prod"):
        template = synthesized.template(env, "search")
        (collection,) = template.find_resources("AWS::OpenSearchServerless::Collection").values()
        assert collection["DeletionPolicy"] == "Retain"
        assert collection["Properties"]["DeletionProtection"] == "ENABLED"


def test_standby_replicas_off_in_staging_on_in_prod(synthesized: Synthesized) -> None:
    def standby(env: str) -> str:
        template = synthesized.template(env, "search")
        (collection,) = template.find_resources("AWS::OpenSearchServerless::Collection").values()
        value: str = collection["Properties"]["StandbyReplicas"]
        return value

    assert standby("staging") == "DISABLED"
    assert standby("prod") == "ENABLED"


def test_encryption_and_network_policies_cover_the_collection(
    synthesized: Synthesized, env: str
) -> None:
    names = Names(env)
    template = synthesized.template(env, "search")
    encryption = json.loads(_policies(template, "encryption")[names.encryption_policy]["Policy"])
    assert encryption == {
        "Rules": [{"ResourceType": "collection", "Resource": [f"collection/{names.collection}"]}],
        "AWSOwnedKey": True,
    }
    (network,) = json.loads(_policies(template, "network")[names.network_policy]["Policy"])
    assert network["Rules"] == [
        {"ResourceType": "collection", "Resource": [f"collection/{names.collection}"]}
    ]
    assert network["AllowFromPublic"] is True  # no VPC endpoint configured in cdk.json


def test_deployer_can_create_the_indexes(synthesized: Synthesized, env: str) -> None:
    names = Names(env)
    template = synthesized.template(env, "search")
    document = _policies(template, "data")[names.deployer_access_policy]["Policy"]
    rendered = json.dumps(document)
    assert "cfn-exec-role" in rendered
    assert "aoss:CreateIndex" in rendered
    assert f"index/{names.collection}/*" in rendered


@pytest.mark.parametrize("index", VECTOR_INDEXES, ids=lambda index: index.name)
def test_indexes_render_the_schema_with_the_configured_dimension(
    synthesized: Synthesized, env: str, index: Any
) -> None:
    # Given the environment's vector dimension
    dimension = synthesized.config(env).vector_dimension
    template = synthesized.template(env, "search")
    resources = template.find_resources("AWS::OpenSearchServerless::Index")
    (resource,) = [r for r in resources.values() if r["Properties"]["IndexName"] == index.name]
    properties = resource["Properties"]
    mapped = properties["Mappings"]["Properties"]
    # Then the vector field is HNSW on faiss with the configured dimension
    vector = mapped[VECTOR_FIELD]
    assert vector["Type"] == "knn_vector"
    assert vector["Dimension"] == dimension
    assert vector["Method"] == {
        "Name": "hnsw",
        "Engine": "faiss",
        "SpaceType": "innerproduct",
        "Parameters": {"EfConstruction": 128, "M": 24},
    }
    assert properties["Settings"] == {
        "Index": {"Knn": True, "KnnAlgoParamEfSearch": HNSW_EF_SEARCH}
    }
    # And every other schema field is either declared with its type or left to dynamic mapping
    schema_fields = _flatten(index.mapping_properties(dimension))
    for path, spec in schema_fields.items():
        if spec["type"] in CFN_FIELD_TYPES:
            assert mapped[path]["Type"] == spec["type"]
            assert mapped[path].get("Analyzer") == spec.get("analyzer")
        else:
            assert path not in mapped
            assert DYNAMICALLY_MAPPED[spec["type"]] == spec
    assert set(mapped) <= set(schema_fields)


def test_index_rendering_refuses_what_cloudformation_cannot_express() -> None:
    # Given a field type the Index resource rejects and dynamic mapping would not reproduce
    properties = {"location": {"type": "geo_point"}}
    # Then rendering raises and names the field
    with pytest.raises(ValueError, match="location"):
        index_mappings(properties)


def test_dynamically_mapped_fields_are_listed() -> None:
    chunks = VECTOR_INDEXES[0]
    assert dynamically_mapped_fields(chunks.mapping_properties(256)) == ["uploadDate", "createdAt"]


def test_grant_data_access_puts_the_policy_in_the_grantee_stack() -> None:
    # Given a search stack and a function role in another stack
    app = App(context={"aws:cdk:bundling-stacks": []})
    config = config_for("dev", vector_store="opensearch")
    search = SearchStack(app, "search", config=config)
    api = Stack(app, "api")
    role = iam.Role(api, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    # When the role is granted read/write data access
    search.vectors.grant_data_access(role, grantee_name="ingest", write=True)
    # Then the grantee's stack holds a data policy naming the role, and IAM allows the API
    template = Template.from_stack(api)
    (policy,) = template.find_resources("AWS::OpenSearchServerless::AccessPolicy").values()
    assert policy["Properties"]["Name"] == "strata-dev-vectors-ingest"
    rendered = json.dumps(policy["Properties"]["Policy"])
    assert "aoss:WriteDocument" in rendered
    assert "Role" in rendered
    (iam_policy,) = template.find_resources("AWS::IAM::Policy").values()
    (statement,) = iam_policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Action"] == "aoss:APIAccessAll"
    # And the dependency runs from the grantee to the search stack, never back
    assert search.dependencies == []
    assert search in api.dependencies


def test_policy_names_longer_than_opensearch_allows_are_refused() -> None:
    with pytest.raises(ValueError, match="max 32"):
        Names("staging").access_policy("a-very-long-grantee")
