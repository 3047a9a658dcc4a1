"""A raw boto3 handler: no framework, the path matched by hand, the same DynamoDB requests as the
minimal Powertools handler. The floor of the api function's per-request path."""

from __future__ import annotations

import json
import os
from functools import cache
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer

from bench.peers.sessions import NEW_ITEM_ONLY, new_session

_deserializer = TypeDeserializer()


@cache
def client() -> Any:
    return boto3.client("dynamodb")


def plain(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _deserializer.deserialize(value) for name, value in item.items()}


def _reply(status: int, body: Any) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body, default=str),
    }


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    user = event["requestContext"]["authorizer"]["claims"]["sub"]
    table = os.environ["TABLE_NAME"]
    parts = event["path"].strip("/").split("/")
    method = event["httpMethod"]
    if method == "GET" and len(parts) == 2 and parts[0] == "items":
        reply = client().get_item(
            TableName=table, Key={"PK": {"S": f"USER#{user}"}, "SK": {"S": f"SESSION#{parts[1]}"}}
        )
        return _reply(200, plain(reply["Item"]))
    if method == "GET" and parts == ["items"]:
        reply = client().query(
            TableName=table,
            KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
            ExpressionAttributeValues={":pk": {"S": f"USER#{user}"}, ":prefix": {"S": "SESSION#"}},
            Limit=20,
            ScanIndexForward=False,
        )
        return _reply(200, {"items": [plain(item) for item in reply["Items"]]})
    if method == "POST" and parts == ["items"]:
        item, body = new_session(user, json.loads(event["body"])["title"])
        client().put_item(TableName=table, Item=item, ConditionExpression=NEW_ITEM_ONLY)
        return _reply(201, body)
    return _reply(404, {"message": "not found"})
