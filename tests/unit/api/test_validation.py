"""Request validation (lambdas.api.validation) is Powertools' own, step for step: the same values
and the same errors in the same order, for path, query, header, cookie and body parameters; and
the Powertools code it follows has not changed under it."""

import hashlib
import inspect
import json
from typing import Annotated, Any

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.middlewares import openapi_validation
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Cookie, Header, Path, Query
from pydantic import BaseModel, Field

from lambdas.api.body import StrictBodyEvent, StrictBodyResolver, parse_json_body
from tests.support.events import LambdaContextStub, api_event

# The source of the Powertools method lambdas.api.validation follows, as last reviewed. An
# upgrade that changes it fails here: compare the new method with validated_arguments, then
# record the new digest.
REVIEWED_HANDLER_SHA256 = "bbe465c855d8e7df295a9b6c285c279c130fbb345875d6caa9418579febdb22d"


class Note(BaseModel):
    text: str = Field(min_length=1)
    stars: int = Field(default=0, ge=0, le=5)


def _raw_errors(app: APIGatewayRestResolver) -> None:
    @app.exception_handler(RequestValidationError)  # type: ignore[untyped-decorator]
    def errors(exc: RequestValidationError) -> Response[Any]:
        body = json.dumps(exc.errors(), default=str, sort_keys=True)
        return Response(422, content_types.APPLICATION_JSON, body)


def build(app: APIGatewayRestResolver) -> APIGatewayRestResolver:
    """The same routes, with every kind of parameter, on ``app``."""
    _raw_errors(app)

    @app.get("/items/<itemId>")
    def get_item(
        itemId: Annotated[str, Path(pattern=r"^[a-z]+$", max_length=8)],
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        tags: Annotated[list[str] | None, Query()] = None,
        token: Annotated[str | None, Header(alias="X-Token", max_length=4)] = None,
        session: Annotated[str | None, Cookie(max_length=6)] = None,
    ) -> dict[str, Any]:
        return {"id": itemId, "limit": limit, "tags": tags, "token": token, "session": session}

    @app.post("/items/<itemId>")
    def post_item(
        itemId: Annotated[str, Path(pattern=r"^[a-z]+$")],
        note: Note,
        version: Annotated[int | None, Header(alias="If-Match")] = None,
    ) -> dict[str, Any]:
        return {"id": itemId, "note": note.model_dump(), "version": version}

    @app.get("/plain")
    def plain() -> dict[str, Any]:
        return {"plain": True}

    return app


class PowertoolsStrict(APIGatewayRestResolver):
    """Powertools' own resolver and validation middleware, reading events as Strata does."""

    def __init__(self) -> None:
        super().__init__(enable_validation=True, json_body_deserializer=parse_json_body)

    def _to_proxy_event(self, event: dict[str, Any]) -> Any:
        return StrictBodyEvent(event, self._json_body_deserializer)


def answer(app: APIGatewayRestResolver, event: dict[str, Any]) -> tuple[int, Any]:
    response = app.resolve(event, LambdaContextStub())  # type: ignore[arg-type]
    return response["statusCode"], json.loads(response["body"])


REQUESTS = [
    ("GET", "/items/abc", {}, None),
    ("GET", "/items/abc?limit=7&tags=a&tags=b", {"X-Token": "t1", "Cookie": "session=s1"}, None),
    ("GET", "/items/abc?tags=a,b", {}, None),
    ("GET", "/items/ABC?limit=0", {"X-Token": "toolong", "Cookie": "session=waytoolong"}, None),
    ("GET", "/items/toolongid?limit=x&limit=101", {"x-token": "abc"}, None),
    ("GET", "/plain?anything=1", {"X-Token": "whatever", "Cookie": "a=b"}, None),
    ("POST", "/items/abc", {"If-Match": "3"}, {"text": "hello", "stars": 2}),
    ("POST", "/items/abc", {"If-Match": "three"}, {"text": "", "stars": 9}),
    ("POST", "/items/ABC", {}, {"stars": 1}),
    ("POST", "/items/abc", {}, None),
    ("POST", "/items/abc", {}, [1, 2]),
]


@pytest.mark.parametrize(("method", "path", "headers", "body"), REQUESTS)
def test_the_same_values_and_errors_as_powertools_validation(
    method: str, path: str, headers: dict[str, str], body: Any
) -> None:
    # Given the same routes behind Powertools' validation and behind Strata's
    theirs = build(PowertoolsStrict())
    ours = build(StrictBodyResolver(enable_validation=True))

    # When each answers the same request
    event = api_event(method, path, headers=headers, body=body)
    expected = answer(theirs, event)
    answered = answer(ours, api_event(method, path, headers=headers, body=body))

    # Then the status, the validated values and every error (in order) are the same
    assert answered == expected


def test_the_requests_cover_valid_and_invalid_parameters_of_every_kind() -> None:
    # Given Powertools' own validation
    theirs = build(PowertoolsStrict())
    # When it answers the requests above
    answers = [answer(theirs, api_event(m, p, headers=h, body=b)) for m, p, h, b in REQUESTS]
    # Then some are valid and the invalid ones name path, query, header, cookie and body fields
    assert {status for status, _ in answers} == {200, 422}
    located = {error["loc"][0] for status, body in answers if status == 422 for error in body}
    assert located == {"path", "query", "header", "cookie", "body"}


def test_powertools_validation_is_the_version_reviewed() -> None:
    # Given the method lambdas.api.validation follows and the functions it calls
    source = inspect.getsource(openapi_validation.OpenAPIRequestValidationMiddleware.handler)
    called: list[Any] = [
        openapi_validation._request_params_to_args,
        openapi_validation._normalize_multi_params,
        openapi_validation._get_multi_value_query_params,
        openapi_validation._request_body_to_args,
    ]
    # Then neither changed since it was reviewed
    digest = hashlib.sha256(source.encode()).hexdigest()
    assert digest == REVIEWED_HANDLER_SHA256, "Powertools changed its request validation"
    assert [list(inspect.signature(f).parameters) for f in called] == [
        ["required_params", "received_params"],
        ["input_dict", "params", "multi_value_params"],
        ["event"],
        ["required_params", "received_body"],
    ]


def test_an_events_headers_are_read_once_and_handed_out_as_copies() -> None:
    # Given an event with mixed-case headers and a mixed-case media type
    event = StrictBodyEvent(
        api_event(
            "POST",
            "/items/abc",
            headers={"Content-Type": "Application/JSON; charset=UTF-8", "X-Token": "t"},
            body={"text": "x"},
        ),
        parse_json_body,
    )

    # When its headers are read, one copy changed, and read again
    first = event.headers
    first["x-token"] = "changed"
    del first["content-type"]
    multi = event.multi_value_headers
    multi["x-token"] = ["changed"]

    # Then every read is case-insensitive, normalized, and unaffected by changes to a copy
    assert event.headers.get("X-TOKEN") == "t"
    assert event.headers["content-type"] == "application/json; charset=UTF-8"
    assert event.multi_value_headers.get("X-Token") == ["t"]
    assert event.headers is not event.headers
