"""Request validation as Powertools does it, reading only the parts of a request a route declares.

Powertools' ``OpenAPIRequestValidationMiddleware.handler`` reads, on every request, the query
string (twice: single- and multi-valued), the headers (twice, into two new case-insensitive
mappings), and the cookies, normalizes each, and then validates the route's parameters of each
kind; for a route that declares no query, header or cookie parameter, all of that reading is
thrown away (most routes declare a path parameter and a body at most). :func:`validate_request`
takes the same steps, in the same order, with Powertools' own functions, and skips the reading
of a kind of parameter the route does not declare: what is validated, the values, the errors
and their order are the same.

It relies on private functions of Powertools' validation module, and follows the public
method's body: ``tests/unit/api/test_validation.py`` fails when an upgrade changes that method's
source or these functions' signatures, so that the copy is looked at again.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Route
from aws_lambda_powertools.event_handler.middlewares.openapi_validation import (
    _get_multi_value_query_params,
    _normalize_multi_params,
    _request_body_to_args,
    _request_params_to_args,
)
from aws_lambda_powertools.event_handler.openapi.compat import _normalize_errors
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.utilities.data_classes.common import CaseInsensitiveDict


def validated_arguments(app: Any, route: Route, get_body: Any) -> dict[str, Any]:
    """The route's validated arguments (path, query, header, cookie and body values), or
    :class:`RequestValidationError` naming every invalid one; ``get_body(app)`` reads the body.

    The steps of Powertools' ``OpenAPIRequestValidationMiddleware.handler`` (3.x), each kind of
    parameter read only when the route declares one.
    """
    dependant = route.dependant
    event = app.current_event
    values: dict[str, Any] = {}
    errors: list[Any] = []

    path_values, path_errors = _request_params_to_args(
        dependant.path_params, app.context["_route_args"]
    )
    values.update(path_values)
    errors += path_errors

    if dependant.query_params:
        query_string = _normalize_multi_params(
            event.resolved_query_string_parameters,
            dependant.query_params,
            multi_value_params=_get_multi_value_query_params(event),
        )
        query_values, query_errors = _request_params_to_args(dependant.query_params, query_string)
        values.update(query_values)
        errors += query_errors

    if dependant.header_params:
        headers = _normalize_multi_params(
            event.resolved_headers_field,
            dependant.header_params,
            multi_value_params=CaseInsensitiveDict(event.get("multiValueHeaders")),  # type: ignore[no-untyped-call]
        )
        header_values, header_errors = _request_params_to_args(dependant.header_params, headers)
        values.update(header_values)
        errors += header_errors

    if dependant.cookie_params:
        cookie_values, cookie_errors = _request_params_to_args(
            dependant.cookie_params, event.resolved_cookies_field
        )
        values.update(cookie_values)
        errors += cookie_errors

    if dependant.body_params:
        body_values, body_errors = _request_body_to_args(
            required_params=dependant.body_params, received_body=get_body(app)
        )
        values.update(body_values)
        errors.extend(body_errors)

    if errors:
        raise RequestValidationError(_normalize_errors(errors))
    return values
