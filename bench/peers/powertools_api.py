"""A minimal Powertools REST handler: Logger, Tracer, Metrics and the resolver, two routes over one
DynamoDB table with boto3 (no validation, no authorization, no paging tokens); the session it
creates is the item Strata's store writes (bench/peers/sessions.py). The peer of the
api function's cold import and of its per-request path."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from boto3.dynamodb.types import TypeDeserializer

from bench.peers.sessions import NEW_ITEM_ONLY, new_session

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = APIGatewayRestResolver()
_deserializer = TypeDeserializer()


@cache
def client() -> Any:
    return boto3.client("dynamodb")


def plain(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _deserializer.deserialize(value) for name, value in item.items()}


@app.get("/items/<item_id>")
def get_item(item_id: str) -> dict[str, Any]:
    user = app.current_event.request_context.authorizer.claims["sub"]
    reply = client().get_item(
        TableName=os.environ["TABLE_NAME"],
        Key={"PK": {"S": f"USER#{user}"}, "SK": {"S": f"SESSION#{item_id}"}},
    )
    return plain(reply["Item"])


@app.get("/items")
def list_items() -> dict[str, Any]:
    user = app.current_event.request_context.authorizer.claims["sub"]
    reply = client().query(
        TableName=os.environ["TABLE_NAME"],
        KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
        ExpressionAttributeValues={":pk": {"S": f"USER#{user}"}, ":prefix": {"S": "SESSION#"}},
        Limit=20,
        ScanIndexForward=False,
    )
    return {"items": [plain(item) for item in reply["Items"]]}


@app.post("/items")
def put_item() -> tuple[dict[str, Any], int]:
    user = app.current_event.request_context.authorizer.claims["sub"]
    item, body = new_session(user, app.current_event.json_body["title"])
    client().put_item(
        TableName=os.environ["TABLE_NAME"], Item=item, ConditionExpression=NEW_ITEM_ONLY
    )
    return body, 201


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
