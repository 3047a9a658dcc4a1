"""Route areas imported on demand (lambdas.api.areas): the table is the routers' own routes, a
request includes the areas of its path alone, and what must see every route sees the same routes,
in the same order, as a resolver that included every router at once."""

from __future__ import annotations

import importlib
import json
import pkgutil
from pathlib import Path
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import CORSConfig

import lambdas.api.routes
from lambdas.api.areas import ROUTES, ROUTES_PACKAGE, AreaResolver, first_segment
from lambdas.api.body import StrictBodyResolver
from lambdas.api.errors import register_error_handlers
from lambdas.api.openapi_config import openapi_json
from tests.support.events import LambdaContextStub, api_event, parse_response

COMMITTED_OPENAPI = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"
ORIGIN = "https://app.example.com"
CONTEXT: Any = LambdaContextStub()  # a LambdaContext as Lambda passes it


def declared_routes(area: str) -> tuple[tuple[str, str], ...]:
    """(method, rule) of every route ``area``'s router declares, in its order."""
    router = importlib.import_module(f"{ROUTES_PACKAGE}.{area}").router
    return tuple((method, rule) for rule, methods, *_ in router._routes for method in methods)


def eager_resolver(**kwargs: Any) -> StrictBodyResolver:
    """Every router included at once, in the table's order (what the api did at import)."""
    app = StrictBodyResolver(enable_validation=True, **kwargs)
    for area in ROUTES:
        app.include_router(importlib.import_module(f"{ROUTES_PACKAGE}.{area}").router)
    return app


def area_resolver(**kwargs: Any) -> AreaResolver:
    app = AreaResolver(enable_validation=True, **kwargs)
    register_error_handlers(app, Logger())
    return app


def routes_of(app: StrictBodyResolver) -> list[tuple[str, str]]:
    return [(route.method, route.path) for route in app._static_routes + app._dynamic_routes]


def test_the_table_lists_every_route_of_every_router_module() -> None:
    # Given the modules of lambdas.api.routes
    modules = {info.name for info in pkgutil.iter_modules(lambdas.api.routes.__path__)}
    # Then each is an area, and each area's routes are its router's, in its order
    assert modules == set(ROUTES)
    for area, routes in ROUTES.items():
        assert declared_routes(area) == routes, area


def test_no_router_brings_what_would_apply_to_every_route_once_included() -> None:
    # Middlewares, exception handlers and context of a router apply to the whole resolver once
    # it is included: with areas included on demand they would apply only after some request
    # included that area. So no area has any (the resolver's own are in lambdas/api/errors.py).
    for area in ROUTES:
        router = importlib.import_module(f"{ROUTES_PACKAGE}.{area}").router
        assert router._router_middlewares == [], area
        assert router._exception_handlers == {}, area
        assert router.context == {}, area


def test_a_request_includes_the_areas_of_its_path_and_no_other() -> None:
    # Given a resolver that has included nothing
    app = area_resolver()
    assert routes_of(app) == []
    # When GET /health is resolved
    response = parse_response(app.resolve(api_event("GET", "/health"), CONTEXT))
    # Then it is answered, and only the health area is included
    assert response.status == 200
    assert routes_of(app) == [("GET", "/health")]
    # And a path under /users includes both areas with routes there
    app.resolve(api_event("GET", "/users/u-1/sessions"), CONTEXT)
    assert {first_segment(path) for _, path in routes_of(app)} == {"health", "users"}
    assert len(routes_of(app)) == 1 + len(ROUTES["users"]) + len(ROUTES["support"])


def test_an_unknown_path_is_a_404_that_includes_nothing() -> None:
    app = area_resolver()
    response = parse_response(app.resolve(api_event("GET", "/nowhere/1"), CONTEXT))
    assert response.status == 404
    assert response.json()["error"]["type"] == "NotFound"
    assert routes_of(app) == []


def test_areas_included_in_any_order_keep_the_eager_order_and_the_openapi_document() -> None:
    # Given areas included in reverse order, one request at a time
    app = area_resolver()
    for area in reversed(list(ROUTES)):
        app.include_areas([area])
    # Then the routes are in the order of a resolver that included every router at once
    assert routes_of(app) == routes_of(eager_resolver())
    # And the OpenAPI document is the committed one
    assert json.loads(openapi_json(app)) == json.loads(COMMITTED_OPENAPI.read_text())


def test_a_preflight_before_any_area_names_every_method() -> None:
    # Given CORS on a resolver that has included nothing, and the same on an eager one
    cors = CORSConfig(allow_origin=ORIGIN)
    lazy, eager = area_resolver(cors=cors), eager_resolver(cors=cors)
    event = api_event("OPTIONS", "/sessions", headers={"Origin": ORIGIN})
    # When each answers a preflight
    answers = [parse_response(app.resolve(event, CONTEXT)) for app in (lazy, eager)]
    # Then both allow the same methods
    allowed = [answer.headers["Access-Control-Allow-Methods"] for answer in answers]
    assert allowed[0] == allowed[1]
    assert set(allowed[0].split(",")) == {"DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT"}
