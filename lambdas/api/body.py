"""Request bodies the API reads: JSON only, decoded strictly, every client mistake a 4xx.

Powertools reads a body as JSON when its ``Content-Type`` starts with ``application/json``,
compared case-sensitively, and lets three client mistakes through as server errors: JSON nested
about a thousand deep (``RecursionError``), an integer of more than 4,300 digits (``ValueError``)
and a base64 body that does not decode (``binascii.Error`` or ``UnicodeDecodeError``). The event
class here lower-cases the media type (media types are case-insensitive, RFC 9110) and decodes
strictly; the deserializer turns the two parse failures into a 400. A media type other than JSON
is a 415 (mapped in :mod:`lambdas.api.errors`), forms included: Powertools would parse
``application/x-www-form-urlencoded`` and ``multipart/form-data`` into the body model (over HTTP a
multipart body created a session), and
:class:`lambdas.api.request_validation.JsonOnlyValidation` refuses them. All of it happens while
the request is validated, before a route runs, so nothing is written.
"""

from __future__ import annotations

import base64
import binascii
import json
from functools import cached_property
from typing import Any, cast

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.api_gateway import ResponseBuilder, Route
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from aws_lambda_powertools.utilities.data_classes.common import (
    BaseProxyEvent,
    CaseInsensitiveDict,
)

from lambdas.api.routing import settle_annotations
from strata.errors import ValidationError


def _body_error(message: str) -> ValidationError:
    return ValidationError(
        message, details={"fields": [{"field": "body", "message": message, "type": "value_error"}]}
    )


def parse_json_body(text: str) -> Any:
    """``json.loads``, with the parse failures the json module does not report as JSON errors
    turned into a 400 (malformed JSON stays a ``JSONDecodeError``: a 422 naming the position)."""
    try:
        return json.loads(text)
    except RecursionError:
        raise _body_error("the JSON body nests too deeply") from None
    except json.JSONDecodeError:
        raise
    except ValueError:
        raise _body_error("a number in the JSON body has too many digits") from None


def normalized_media_type(value: str) -> str:
    """``Content-Type`` with its media type lower-cased and its parameters kept as sent."""
    media_type, separator, parameters = value.partition(";")
    return media_type.strip().lower() + separator + parameters


def _fresh(headers: CaseInsensitiveDict) -> CaseInsensitiveDict:
    """A new mapping with the (already lower-cased) entries of ``headers``, copied in C."""
    fresh: CaseInsensitiveDict = dict.__new__(CaseInsensitiveDict)
    dict.update(fresh, headers)
    return fresh


class StrictBodyEvent(APIGatewayProxyEvent):
    """A REST proxy event whose media type is case-insensitive and whose body decodes strictly.

    Its headers are read into a case-insensitive mapping once per event; every access returns a
    new copy of it (as Powertools builds a new mapping on each access, and its validation writes
    into the one it gets), without lower-casing every name again: the resolver, the validation,
    CORS and the error handlers read them about ten times per request.
    """

    @cached_property
    def _headers(self) -> CaseInsensitiveDict:
        headers = super().headers
        content_type = headers.get("content-type")
        if content_type:
            headers["content-type"] = normalized_media_type(content_type)
        return cast(CaseInsensitiveDict, headers)

    @property
    def headers(self) -> dict[str, str]:
        return _fresh(self._headers)

    @cached_property
    def _multi_value_headers(self) -> CaseInsensitiveDict:
        return cast(CaseInsensitiveDict, super().multi_value_headers)

    @property
    def multi_value_headers(self) -> dict[str, list[str]]:
        return _fresh(self._multi_value_headers)

    @cached_property
    def decoded_body(self) -> str | None:
        body: str | None = self.body
        if not (self.is_base64_encoded and body):
            return body
        try:
            return base64.b64decode(body, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            raise _body_error("the body is not valid base64-encoded UTF-8") from None


class StrictBodyResolver(APIGatewayRestResolver):
    """Powertools' REST resolver, reading every event as a :class:`StrictBodyEvent` and every
    body as JSON only (:class:`lambdas.api.request_validation.JsonOnlyValidation`), whose
    routes' type hints are evaluated once (:func:`lambdas.api.routing.settle_annotations`) and whose
    dependencies are resolved from trees built once (:mod:`lambdas.api.injection`, by the
    validation middleware).

    With ``enable_validation``, Powertools imports its validation middleware (and pydantic under
    it) when the resolver is built; here the middlewares are built, the same two in the same
    order, before the first route is called, so that building the resolver at the function's
    import loads neither.
    """

    def __init__(self, *, enable_validation: bool = False, **kwargs: Any) -> None:
        error_code = kwargs.pop("response_validation_error_http_code", None)
        super().__init__(json_body_deserializer=parse_json_body, **kwargs)
        # What Powertools' __init__ sets from these two, without importing the middlewares.
        self._enable_validation = enable_validation
        self._has_response_validation_error = error_code is not None
        self._response_validation_error_http_code = (
            self._validate_response_validation_error_http_code(error_code, enable_validation)
        )
        self._validation_serializer = kwargs.get("serializer")

    def _to_proxy_event(self, event: dict[str, Any]) -> BaseProxyEvent:
        return StrictBodyEvent(event, self._json_body_deserializer)

    def _install_validation(self) -> None:
        """Powertools' two validation middlewares, with our request middleware (Powertools
        builds its own for a route whose resolver has none)."""
        if hasattr(self, "_request_validation_middleware"):
            return
        from lambdas.api.request_validation import (  # noqa: PLC0415 - on the first request
            JsonOnlyValidation,
            response_validation,
        )

        self._request_validation_middleware = JsonOnlyValidation()
        self._response_validation_middleware = response_validation(
            self._validation_serializer,
            has_response_validation_error=self._has_response_validation_error,
        )

    def _call_route(self, route: Route, route_arguments: dict[str, str]) -> ResponseBuilder[Any]:
        settle_annotations(route.func)
        if self._enable_validation and route.enable_validation is not False:
            self._install_validation()
            # JsonOnlyValidation resolves them: Powertools would build the tree again.
            route._has_dependencies = False
        return super()._call_route(route, route_arguments)
