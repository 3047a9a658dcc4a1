"""The local stack's resources come from the stacks' own sources: tables from strata.schema, the
pool's policy and groups and the queue's redrive from infra/specs.py, the bucket's versioning and
its notification filter from infra/names.py."""

from __future__ import annotations

import json

import pytest

from infra.names import DOCUMENTS_PREFIX, ORIGINAL_SUFFIX
from infra.specs import GROUPS, MAX_RECEIVE_COUNT, PASSWORD_POLICY
from strata.schema import MAIN_TABLE
from tests.support.local_stack import LocalStackProcess

pytestmark = pytest.mark.e2e


def test_resources_match_the_stacks_sources(local_stack: LocalStackProcess) -> None:
    env, outputs = local_stack.runtime["env"], local_stack.runtime["outputs"]
    # The main table: the schema's keys and indexes, and its stream
    table = local_stack.aws_client("dynamodb").describe_table(TableName=env["STRATA_TABLE_NAME"])
    indexes = {index["IndexName"] for index in table["Table"]["GlobalSecondaryIndexes"]}
    assert indexes == {index.name for index in MAIN_TABLE.global_indexes}
    assert table["Table"]["StreamSpecification"]["StreamEnabled"] is True
    # The bucket: versioned, originals under documents/ notify the ingest queue
    s3 = local_stack.aws_client("s3")
    bucket = env["STRATA_BUCKET_NAME"]
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    notification = s3.get_bucket_notification_configuration(Bucket=bucket)
    rules = notification["QueueConfigurations"][0]["Filter"]["Key"]["FilterRules"]
    assert {(r["Name"].lower(), r["Value"]) for r in rules} == {
        ("prefix", DOCUMENTS_PREFIX),
        ("suffix", ORIGINAL_SUFFIX),
    }
    # The ingest queue: the stacks' maxReceiveCount into its DLQ
    sqs = local_stack.aws_client("sqs")
    attributes = sqs.get_queue_attributes(
        QueueUrl=outputs["IngestQueueUrl"], AttributeNames=["RedrivePolicy"]
    )["Attributes"]
    assert int(json.loads(attributes["RedrivePolicy"])["maxReceiveCount"]) == MAX_RECEIVE_COUNT
    # The user pool: the auth stack's password policy and groups
    cognito = local_stack.aws_client("cognito-idp")
    pool = cognito.describe_user_pool(UserPoolId=env["STRATA_USER_POOL_ID"])["UserPool"]
    policy = pool["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] == PASSWORD_POLICY.min_length
    assert policy["RequireSymbols"] is PASSWORD_POLICY.require_symbols
    groups = cognito.list_groups(UserPoolId=env["STRATA_USER_POOL_ID"])["Groups"]
    assert {(g["GroupName"], g["Precedence"]) for g in groups} == {
        (g.name, g.precedence) for g in GROUPS
    }
