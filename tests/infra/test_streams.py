"""The streams stack: the event source on the main table's stream, least privilege, alarms."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Template

from infra.names import Names
from infra.stacks.streams import CONNECTION_PARTITIONS, LEFTOVER_KEYS, TABLE_ACTIONS
from strata.schema import STREAM_ENTITIES
from tests.infra.aliases import live_alias_id
from tests.infra.conftest import Synthesized

HANDLER = "lambdas.streams.handler.handler"


def _statements(template: Template) -> list[dict[str, Any]]:
    return [
        statement
        for policy in template.find_resources("AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else list(actions)


def test_the_stream_feeds_it_with_bisect_bounded_retries_age_and_a_failure_queue(
    synthesized: Synthesized, env: str
) -> None:
    template = synthesized.template(env, "streams")
    (function_id,) = template.find_resources(
        "AWS::Lambda::Function", {"Properties": {"Handler": HANDLER}}
    )
    (mapping,) = template.find_resources("AWS::Lambda::EventSourceMapping").values()
    properties = mapping["Properties"]
    # <function>:live, split out of the alias's ARN (SnapStart runs published versions only)
    alias = json.dumps({"Ref": live_alias_id(template, function_id)})
    assert alias in json.dumps(properties["FunctionName"])
    assert properties["FunctionName"]["Fn::Join"][1][-1] == ":live"
    assert properties["StartingPosition"] == "TRIM_HORIZON"
    assert properties["BisectBatchOnFunctionError"] is True
    assert properties["MaximumRetryAttempts"] == 5
    assert properties["MaximumRecordAgeInSeconds"] == 3600
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    # The main table's stream (imported from the data stack)
    assert "EventSourceArn" in properties
    assert "StreamArn" in json.dumps(properties["EventSourceArn"])
    # On failure: its own encrypted, TLS-only queue
    (queue_id,) = template.find_resources(
        "AWS::SQS::Queue", {"Properties": {"QueueName": Names(env).resource("streams-failures")}}
    )
    destination = properties["DestinationConfig"]["OnFailure"]["Destination"]
    assert destination == {"Fn::GetAtt": [queue_id, "Arn"]}
    template.has_resource_properties(
        "AWS::SQS::Queue",
        {"SqsManagedSseEnabled": True, "QueueName": Names(env).resource("streams-failures")},
    )


def test_only_records_some_reaction_needs_invoke_it(synthesized: Synthesized, env: str) -> None:
    template = synthesized.template(env, "streams")
    (mapping,) = template.find_resources("AWS::Lambda::EventSourceMapping").values()
    patterns = [
        json.loads(item["Pattern"]) for item in mapping["Properties"]["FilterCriteria"]["Filters"]
    ]
    entities = list(STREAM_ENTITIES)
    assert patterns == [
        {"dynamodb": {"NewImage": {"entity": {"S": entities}}}},
        {"eventName": ["REMOVE"], "dynamodb": {"OldImage": {"entity": {"S": entities}}}},
    ]
    # The function's own writes are never among them (no feedback loop), but notifications: their
    # insert is pushed to live connections and no reaction writes anything for them
    assert not {"AUDIT", "STATS", "STREAM_MARKER", "APP_USAGE", "USER_USAGE"} & set(entities)
    assert "NOTIFICATION" in entities


def test_it_holds_only_the_actions_it_calls(synthesized: Synthesized, env: str) -> None:
    template = synthesized.template(env, "streams")
    statements = _statements(template)
    actions = {action for statement in statements for action in _actions(statement)}
    table = {a for a in actions if a.startswith("dynamodb:")}
    stream_read = {
        "dynamodb:DescribeStream",
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:ListStreams",
    }
    assert table == set(TABLE_ACTIONS) | stream_read | {"dynamodb:DeleteItem"}
    assert {a for a in actions if a.startswith("s3:")} == {
        "s3:ListBucket",
        "s3:ListBucketVersions",
        "s3:DeleteObjectVersion",
    }
    assert {a for a in actions if a.startswith("bedrock:")} == {"bedrock:InvokeModel"}
    assert {a for a in actions if a.startswith("sqs:")} <= {
        "sqs:SendMessage",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
    }
    deletes = [s for s in statements if "s3:DeleteObjectVersion" in _actions(s)]
    rendered = json.dumps(deletes)
    for key in LEFTOVER_KEYS:
        assert key in rendered
    # No table-wide write: DeleteItem on connection items only (a gone connection found by a
    # push), no BatchWriteItem, no Scan.
    assert not {"dynamodb:BatchWriteItem", "dynamodb:Scan"} & actions
    item_deletes = [s for s in statements if "dynamodb:DeleteItem" in _actions(s)]
    assert [_actions(s) for s in item_deletes] == [["dynamodb:DeleteItem"]]
    assert item_deletes[0]["Condition"] == {
        "ForAllValues:StringLike": {"dynamodb:LeadingKeys": [CONNECTION_PARTITIONS]}
    }
    assert CONNECTION_PARTITIONS == "CONN#*"


def test_iterator_age_errors_throttles_and_failures_alarm_and_are_on_the_dashboard(
    synthesized: Synthesized, env: str
) -> None:
    monitoring = synthesized.template(env, "monitoring")
    names = Names(env)
    alarms = {
        alarm["Properties"]["AlarmName"]: alarm["Properties"]
        for alarm in monitoring.find_resources("AWS::CloudWatch::Alarm").values()
    }
    for name in ("streams-iterator-age", "streams-errors", "streams-throttles"):
        assert names.resource(name) in alarms
    assert "IteratorAge" in json.dumps(alarms[names.resource("streams-iterator-age")])
    failures = json.dumps(alarms[names.resource("streams-failures")])
    assert "ApproximateNumberOfMessagesVisible" in failures
    (dashboard,) = monitoring.find_resources("AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    assert "streams: iterator age" in body
    assert "streams: errors, throttles, given up" in body
