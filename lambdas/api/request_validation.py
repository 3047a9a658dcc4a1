"""Request validation for :class:`lambdas.api.body.StrictBodyResolver`: Powertools' middleware,
reading bodies as JSON only and resolving the route's dependencies once the request is valid.

Powertools' validation middleware and the pydantic machinery under it are imported with this
module, which the resolver imports on the first request it resolves (never at the function's
import; SnapStart's priming imports it before the snapshot).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.middlewares.openapi_validation import (
    OpenAPIRequestValidationMiddleware,
    OpenAPIResponseValidationMiddleware,
)
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestUnsupportedContentType

from lambdas.api.injection import dependency_tree, solve
from lambdas.api.validation import validated_arguments

JSON_MEDIA_TYPE = "application/json"
# Where Powertools keeps a request's resolved dependencies (shared with function middlewares).
DEPENDENCY_CACHE_KEY = "_dependency_cache"


def _with_dependencies(next_middleware: NextMiddleware, app: Any) -> Any:
    """Add the route's ``Depends`` values to its arguments, then go on (after validation, as
    Powertools does), from the trees of :mod:`lambdas.api.injection`."""
    nodes = dependency_tree(app.context["_route"].func)
    if nodes:
        solved = app.context.setdefault(DEPENDENCY_CACHE_KEY, {})
        values = solve(nodes, app.request, app.dependency_overrides, solved)
        app.context["_route_args"].update(values)
    return next_middleware(app)


class JsonOnlyValidation(OpenAPIRequestValidationMiddleware):
    """Powertools' request validation (:mod:`lambdas.api.validation`), reading a body only as
    JSON (or with no media type), and resolving the route's dependencies once the request is
    valid."""

    def __init__(self) -> None:
        """Nothing to set up (the base class's ``__init__`` is untyped and does nothing)."""

    def handler(self, app: Any, next_middleware: NextMiddleware) -> Any:
        # Powertools' steps, reading only the kinds of parameter the route declares.
        app.context["_route_args"] = validated_arguments(app, app.context["_route"], self._get_body)
        return _with_dependencies(next_middleware, app)

    def _get_body(self, app: Any) -> dict[str, Any]:
        content_type = str(app.current_event.headers.get("content-type", "")).strip()
        if content_type and not content_type.startswith(JSON_MEDIA_TYPE):
            message = f"Unsupported content type: {content_type[:100]}"
            raise RequestUnsupportedContentType(
                "Unsupported content type",
                errors=[{"type": "unsupported_content_type", "loc": ("body",), "msg": message}],
            )
        body: dict[str, Any] = super()._get_body(app)
        return body


def response_validation(
    serializer: Any, *, has_response_validation_error: bool
) -> OpenAPIResponseValidationMiddleware:
    """Powertools' response validation, as its resolver builds it for ``enable_validation``."""
    return OpenAPIResponseValidationMiddleware(
        validation_serializer=serializer,
        has_response_validation_error=has_response_validation_error,
    )
