"""The data stack renders strata.schema exactly, with the environment's protection settings."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Template

from infra.names import OUTPUTS, Output
from strata.schema import IDEMPOTENCY_TABLE, MAIN_TABLE, TableSchema, create_table_kwargs
from tests.infra.conftest import Synthesized


def _table(template: Template, name: str) -> dict[str, Any]:
    tables = template.find_resources("AWS::DynamoDB::Table")
    matching = [dict(r) for r in tables.values() if r["Properties"]["TableName"] == name]
    assert len(matching) == 1, f"expected one table named {name}"
    return matching[0]


def _as_schema_kwargs(properties: dict[str, Any]) -> dict[str, Any]:
    """The synthesized table in create_table's shape (what strata.schema renders)."""
    kwargs = {
        key: properties[key]
        for key in ("TableName", "BillingMode", "AttributeDefinitions", "KeySchema")
    }
    if "GlobalSecondaryIndexes" in properties:
        kwargs["GlobalSecondaryIndexes"] = properties["GlobalSecondaryIndexes"]
    if "StreamSpecification" in properties:
        kwargs["StreamSpecification"] = {
            "StreamEnabled": True,
            **properties["StreamSpecification"],
        }
    return kwargs


def _sorted(kwargs: dict[str, Any]) -> dict[str, Any]:
    result = dict(kwargs)
    result["AttributeDefinitions"] = sorted(
        kwargs["AttributeDefinitions"], key=lambda item: item["AttributeName"]
    )
    return result


def test_tables_equal_the_schema(synthesized: Synthesized, env: str) -> None:
    # Given the synthesized data stack of every environment
    template = synthesized.template(env, "data")
    schemas: tuple[TableSchema, ...] = (MAIN_TABLE, IDEMPOTENCY_TABLE)
    for schema in schemas:
        name = schema.physical_name(env)
        # When the table is read back in create_table's shape
        rendered = _as_schema_kwargs(_table(template, name)["Properties"])
        # Then keys, attribute types, GSIs with projections and stream equal strata.schema
        assert _sorted(rendered) == _sorted(create_table_kwargs(schema, name))


def test_tables_have_ttl_pitr_encryption_and_on_demand(synthesized: Synthesized, env: str) -> None:
    template = synthesized.template(env, "data")
    for schema in (MAIN_TABLE, IDEMPOTENCY_TABLE):
        properties = _table(template, schema.physical_name(env))["Properties"]
        assert properties["TimeToLiveSpecification"] == {
            "AttributeName": schema.ttl_attribute,
            "Enabled": True,
        }
        assert properties["PointInTimeRecoverySpecification"] == {
            "PointInTimeRecoveryEnabled": True
        }
        assert properties["SSESpecification"] == {"SSEEnabled": True}
        assert properties["BillingMode"] == "PAY_PER_REQUEST"


def test_main_table_streams_new_and_old_images(synthesized: Synthesized, env: str) -> None:
    properties = _table(synthesized.template(env, "data"), MAIN_TABLE.physical_name(env))[
        "Properties"
    ]
    assert properties["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert [gsi["IndexName"] for gsi in properties["GlobalSecondaryIndexes"]] == [
        "GSI1",
        "GSI2",
        "GSI3",
    ]
    assert {
        gsi["Projection"]["ProjectionType"] for gsi in properties["GlobalSecondaryIndexes"]
    } == {"ALL"}


def test_tables_are_protected_and_retained_outside_dev(synthesized: Synthesized, env: str) -> None:
    # Given the environment's protection settings
    config = synthesized.config(env)
    template = synthesized.template(env, "data")
    for schema in (MAIN_TABLE, IDEMPOTENCY_TABLE):
        # When the table resource is read
        table = _table(template, schema.physical_name(env))
        # Then deletion protection and the removal policy follow the config
        assert table["Properties"]["DeletionProtectionEnabled"] is config.deletion_protection
        expected_policy = "Retain" if config.is_retained else "Delete"
        assert table["DeletionPolicy"] == expected_policy
        assert table["UpdateReplacePolicy"] == expected_policy


def test_dev_is_disposable_and_prod_is_protected(synthesized: Synthesized) -> None:
    dev = _table(synthesized.template("dev", "data"), MAIN_TABLE.physical_name("dev"))
    prod = _table(synthesized.template("prod", "data"), MAIN_TABLE.physical_name("prod"))
    assert dev["DeletionPolicy"] == "Delete"
    assert dev["Properties"]["DeletionProtectionEnabled"] is False
    assert prod["DeletionPolicy"] == "Retain"
    assert prod["Properties"]["DeletionProtectionEnabled"] is True


def test_the_stacks_name_what_the_operations_cli_reads(synthesized: Synthesized) -> None:
    # Given the synthesized stacks of dev (on S3 Vectors) and prod's search stack (on
    # OpenSearch), when their outputs are read,
    # then every output the CLI looks up (ops/target.py) is there
    outputs: set[str] = set(synthesized.template("prod", "search").to_json().get("Outputs", {}))
    for concern in ("data", "storage", "search", "auth", "backup", "realtime"):
        outputs |= set(synthesized.template("dev", concern).to_json().get("Outputs", {}))
    wanted = set(OUTPUTS.values()) | {
        Output.MAIN_TABLE_ARN,
        Output.DOCUMENTS_BUCKET_ARN,
        Output.INGEST_QUEUE_URL,
        Output.INGEST_DLQ_URL,
        Output.BACKUP_VAULT,
        Output.BACKUP_PLAN_ID,
        Output.BACKUP_ROLE_ARN,
        Output.REALTIME_URL,
    }
    assert wanted <= outputs
