"""Route dependencies resolved from trees built once (lambdas.api.injection), with Powertools'
semantics: overrides, one call per request, the request injected, errors raised as themselves,
and only once the request is valid."""

import typing
from typing import Annotated, Any

import pytest
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.request import Request
from pydantic import BaseModel

from lambdas.api import injection
from lambdas.api.body import StrictBodyResolver
from lambdas.api.errors import register_error_handlers
from strata.errors import PermissionDenied
from tests.support.events import LambdaContextStub, api_event, parse_response

calls: list[str] = []


def request_path(request: Request) -> str:
    calls.append("request_path")
    return request.resolved_event.path


def tenant(path: Annotated[str, Depends(request_path)]) -> str:
    calls.append("tenant")
    return f"tenant of {path}"


def fresh() -> int:
    calls.append("fresh")
    return len(calls)


def refuse() -> str:
    raise PermissionDenied("not for you")


Tenant = Annotated[str, Depends(tenant)]
Path = Annotated[str, Depends(request_path)]
Fresh = Annotated[int, Depends(fresh, use_cache=False)]


class Note(BaseModel):
    text: str


def build_app() -> StrictBodyResolver:
    app = StrictBodyResolver(enable_validation=True)
    register_error_handlers(app, Logger())

    @app.get("/tenant")
    def get_tenant(tenant: Tenant, path: Path, first: Fresh, second: Fresh) -> dict[str, Any]:
        return {"tenant": tenant, "path": path, "fresh": [first, second]}

    @app.post("/notes")
    def post_note(note: Note, refused: Annotated[str, Depends(refuse)]) -> dict[str, Any]:
        return {"text": note.text}

    return app


def call(app: StrictBodyResolver, method: str, path: str, body: Any = None) -> Any:
    context: Any = LambdaContextStub()  # a LambdaContext as Lambda passes it
    return parse_response(app.resolve(api_event(method, path, body=body), context))


@pytest.fixture(autouse=True)
def _no_calls() -> None:
    calls.clear()


def test_each_dependency_is_called_once_per_request_unless_it_asks_otherwise() -> None:
    # Given a route whose dependencies share one (request_path) and use one twice uncached
    app = build_app()

    # When it is called twice
    first = call(app, "GET", "/tenant")
    second = call(app, "GET", "/tenant")

    # Then the shared one ran once per request, the uncached one twice, the request injected
    assert first.status == 200, first.raw_body
    assert first.json()["tenant"] == "tenant of /tenant"
    assert first.json()["path"] == "/tenant"
    assert first.json()["fresh"] == [3, 4]
    assert second.json()["fresh"] == [7, 8]
    assert calls == ["request_path", "tenant", "fresh", "fresh"] * 2


def test_the_tree_is_built_once_per_function(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a resolver that served a route once
    app = build_app()
    call(app, "GET", "/tenant")
    evaluated: list[object] = []
    real = typing.get_type_hints

    def counting(obj: Any, *args: Any, **kwargs: Any) -> Any:
        evaluated.append(obj)
        return real(obj, *args, **kwargs)

    monkeypatch.setattr(typing, "get_type_hints", counting)

    # When the route is called again
    answered = call(app, "GET", "/tenant")

    # Then no type hint of a dependency was evaluated again
    assert answered.status == 200
    assert [obj for obj in evaluated if obj in (request_path, tenant, fresh)] == []
    nodes = injection.dependency_tree(tenant)
    assert [(n.param_name, n.depends.dependency) for n in nodes] == [("path", request_path)]


def test_an_override_is_called_with_the_original_dependencies_values() -> None:
    # Given the tenant dependency replaced by one that reads the same path
    app = build_app()

    def other_tenant(path: Annotated[str, Depends(request_path)], request: Request) -> str:
        return f"other {path} {request.method}"

    app.dependency_overrides[tenant] = other_tenant

    # When the route is called
    answered = call(app, "GET", "/tenant")

    # Then the override answered, with the request injected into it too
    assert answered.json()["tenant"] == "other /tenant GET"
    assert "tenant" not in calls


def test_a_dependency_error_is_answered_as_itself_and_only_for_a_valid_request() -> None:
    # Given a route whose dependency refuses every caller
    app = build_app()

    # When it gets an invalid body, then a valid one
    invalid = call(app, "POST", "/notes", {"text": 3})
    valid = call(app, "POST", "/notes", {"text": "hello"})

    # Then the invalid request is a 422 (validated first), the valid one the dependency's 403
    assert invalid.status == 422
    assert invalid.json()["error"]["type"] == "ValidationError"
    assert valid.status == 403
    assert valid.json()["error"] == {
        "type": "PermissionDenied",
        "message": "not for you",
        "details": {},
    }
