"""The ``api`` Lambda: Powertools' REST resolver with one router per resource, each imported on
the first request to its paths (:mod:`lambdas.api.areas`).

Routes validate input with pydantic (422 on a bad request), call a ``strata`` service and return
its models; errors are mapped once in :mod:`lambdas.api.errors`. ``/health``, ``/openapi.json`` and
``/swagger`` are the only public paths (API Gateway lets nothing else through without a token,
and every other route also refuses a request without claims).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.api.areas import AreaResolver
from lambdas.api.cors import ConfiguredCors
from lambdas.api.errors import register_error_handlers
from lambdas.api.limits import refuse_oversized
from lambdas.api.openapi_config import openapi_json, swagger_page
from lambdas.api.priming import prime
from strata import snapstart
from strata.budget import invocation_deadline
from strata.store.actor import acting_as

# API Gateway answers 504 after this, whatever the function's own timeout.
API_GATEWAY_TIMEOUT_SECONDS = 29.0

logger = Logger()
tracer = Tracer()
metrics = Metrics()

# API Gateway's preflight admits the configured origins alone; the function's responses name the
# caller's origin only when it is one of them (STRATA_CORS_ORIGINS). See docs/DECISIONS.md.
# Each route area (lambdas.api.routes.*) is imported on the first request to its paths, and the
# validation middleware on the first request of all (lambdas.api.areas, lambdas.api.body).
app = AreaResolver(enable_validation=True, cors=ConfiguredCors())
register_error_handlers(app, logger)


# The OpenAPI document and Swagger UI are generated on request (lambdas.api.openapi_config): the
# models they need stay off the import and off every other request.
@app.get("/openapi.json", include_in_schema=False)
def openapi_document() -> Response[Any]:
    return Response(200, content_types.APPLICATION_JSON, openapi_json(app))


@app.get("/swagger", include_in_schema=False)
def swagger() -> Response[str]:
    return swagger_page(app)


# SnapStart: every route area imported and one public request resolved before the snapshot (no
# network), randomness re-seeded after each restore (strata.snapstart).
snapstart.register(prime=lambda: prime(app))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    refused = refuse_oversized(event)
    if refused is not None:
        return refused
    # Every outbound call fits in what is left of API Gateway's 29 s (strata.budget), and no
    # write of this request is attributed to an earlier caller.
    with invocation_deadline(context, limit=API_GATEWAY_TIMEOUT_SECONDS), acting_as(None):
        return app.resolve(event, context)
