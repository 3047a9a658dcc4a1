"""The one function of the minimal CDK app (bench/peers/minimal_cdk_app.py)."""

from __future__ import annotations

from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"statusCode": 200, "body": "ok"}
