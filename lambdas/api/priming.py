"""What the api function does before its SnapStart snapshot: every route area imported, then one
public request, in process.

The areas are what the function's import leaves to the first request of each (lambdas.api.areas):
in the snapshot, no restored environment imports them again.
``GET /health`` through the resolver exercises what every request shares (route matching, the
validation middleware, CORS, response serialization, the pydantic machinery) and touches no
dependency: no client, no connection, no credentials end up in the snapshot.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.api.areas import AreaResolver

PRIMING_PATH = "/health"


def priming_event() -> dict[str, Any]:
    """A REST proxy event for ``GET /health``, as API Gateway sends it to the public route."""
    return {
        "resource": PRIMING_PATH,
        "path": PRIMING_PATH,
        "httpMethod": "GET",
        "headers": {"Accept": "application/json"},
        "multiValueHeaders": {"Accept": ["application/json"]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": PRIMING_PATH,
            "httpMethod": "GET",
            "path": f"/v1{PRIMING_PATH}",
            "stage": "v1",
            "requestId": "snapstart-priming",
            "identity": {"sourceIp": "127.0.0.1"},
        },
        "body": None,
        "isBase64Encoded": False,
    }


def priming_context() -> LambdaContext:
    return cast(
        LambdaContext,
        SimpleNamespace(
            function_name="snapstart-priming",
            function_version="$LATEST",
            invoked_function_arn="",
            memory_limit_in_mb=0,
            aws_request_id="snapstart-priming",
            log_group_name="",
            log_stream_name="",
            get_remaining_time_in_millis=lambda: 29_000,
        ),
    )


def prime(app: AreaResolver) -> dict[str, Any]:
    """Include every route area, then resolve ``GET /health``; the response is returned (a test
    checks it is a 200)."""
    app.include_all_areas()
    return app.resolve(priming_event(), priming_context())
