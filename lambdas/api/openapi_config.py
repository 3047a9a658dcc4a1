"""The OpenAPI metadata: one source for ``/openapi.json``, ``/swagger`` and ``make openapi``."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

API_VERSION = "1.0.0"

OPENAPI_INFO: dict[str, Any] = {
    "title": "Strata API",
    "version": API_VERSION,
    "description": (
        "The REST API of Strata. Send a Cognito ID token as `Authorization: Bearer <token>`. "
        "Every list takes `limit` (1-100) and `nextToken`; every error is "
        '`{"error": {"type", "message", "details"}}`.'
    ),
    "security_schemes": {
        "cognito": HTTPBearer(bearerFormat="JWT", description="Cognito user pool ID token"),
    },
    "security": [{"cognito": []}],
}


def openapi_json(app: APIGatewayRestResolver) -> str:
    """The OpenAPI 3.1 document of ``app`` as JSON (stable: what ``make openapi`` commits)."""
    return app.get_openapi_json_schema()
