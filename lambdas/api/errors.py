"""Every error the API returns, mapped once: ``{"error": {"type", "message", "details"}}``.

Strata errors keep their status (400/401/403/404/409/429/503); a request that fails validation
is a 422 naming the fields; a body that is not JSON a 415; an unknown route a 404; anything
unexpected, and an ``InternalError`` (a request Strata built that a dependency refused), a 500
whose body says nothing about the code (the log has the stack trace and the request id).
"""

from http import HTTPStatus
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError, ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)

from strata.errors import InternalError, StrataError


def error_response(
    status: int, type_: str, message: str, details: dict[str, Any] | None = None
) -> Response[Any]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body={"error": {"type": type_, "message": message, "details": details or {}}},
    )


def _field_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    # The same shape as strata.models.base.validation_error. Pydantic's "input" and "ctx" can
    # echo what the client sent: field, message and type are enough to fix the request.
    return [
        {
            "field": ".".join(str(part) for part in error.get("loc", ())) or "(body)",
            "message": str(error.get("msg", "invalid value")),
            "type": str(error.get("type", "value_error")),
        }
        for error in exc.errors()
    ]


def register_error_handlers(app: APIGatewayRestResolver, logger: Logger) -> None:
    """Install the one mapping from exceptions to HTTP responses on ``app``."""

    def internal_error() -> Response[Any]:
        logger.exception("unexpected error")
        request_id = app.current_event.request_context.request_id
        return error_response(
            HTTPStatus.INTERNAL_SERVER_ERROR,
            "InternalError",
            "something went wrong on our side; quote the request id if you report it",
            {"requestId": request_id},
        )

    @app.exception_handler(StrataError)  # type: ignore[untyped-decorator]
    def strata_error(exc: StrataError) -> Response[Any]:
        if isinstance(exc, InternalError):
            # Our bug: said as any unexpected error is, the details stay in the log.
            return internal_error()
        if exc.status_code >= 500:
            logger.warning("dependency unavailable", extra={"error": exc.to_dict()})
        return error_response(exc.status_code, exc.type, exc.message, exc.details)

    @app.exception_handler(RequestValidationError)  # type: ignore[untyped-decorator]
    def request_validation_error(exc: RequestValidationError) -> Response[Any]:
        return error_response(
            HTTPStatus.UNPROCESSABLE_ENTITY,
            "ValidationError",
            "the request is not valid",
            {"fields": _field_errors(exc)},
        )

    @app.exception_handler(RequestUnsupportedContentType)  # type: ignore[untyped-decorator]
    def unsupported_media_type(_: RequestUnsupportedContentType) -> Response[Any]:
        content_type = app.current_event.headers.get("content-type", "")
        return error_response(
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            "UnsupportedMediaType",
            "send the body as application/json",
            {"contentType": content_type[:100]},
        )

    @app.exception_handler(NotFoundError)  # type: ignore[untyped-decorator]
    def route_not_found(_: NotFoundError) -> Response[Any]:
        return error_response(HTTPStatus.NOT_FOUND, "NotFound", "no such route")

    @app.exception_handler(ServiceError)  # type: ignore[untyped-decorator]
    def service_error(exc: ServiceError) -> Response[Any]:
        return error_response(exc.status_code, HTTPStatus(exc.status_code).phrase, str(exc.msg))

    @app.exception_handler(Exception)  # type: ignore[untyped-decorator]
    def unexpected_error(_: Exception) -> Response[Any]:
        return internal_error()
