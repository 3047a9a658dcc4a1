"""The api's route areas, each imported on the first request that needs it.

One router module per resource (:mod:`lambdas.api.routes`), and most of Strata's own import (the
services, the store, ~60 models) hangs from them. :data:`ROUTES` lists every route of every area;
:class:`AreaResolver` imports an area's module and includes its router when a request's path
starts with one of the area's first path segments, so the function's import loads none of them
and a cold start's first request loads the areas of its path alone. The table is checked against
the routers themselves (tests/unit/api/test_areas.py: same routes, each in its area), so a route
added to a module and not here fails a test, never a request.

Everything that must see every route asks for all of them first: the OpenAPI document and
Swagger UI (:mod:`lambdas.api.openapi_config`), SnapStart's priming (:mod:`lambdas.api.priming`)
and the authorization matrix test. The resolver keeps its routes in the order eager inclusion
gave them, whatever order the areas are loaded in, so the OpenAPI document does not change.
Routes of different areas never compete for a path: each area owns its first segments. A router
brings routes alone: middlewares, exception handlers or context on a router would apply to every
route once its area is included, so they belong on the resolver (the test checks none has any).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import ResponseBuilder, Route

from lambdas.api.body import StrictBodyResolver

ROUTES_PACKAGE = "lambdas.api.routes"

# Every route of each area (method, rule as its module declares it), areas in inclusion order.
ROUTES: dict[str, tuple[tuple[str, str], ...]] = {
    "health": (("GET", "/health"),),
    "me": (("GET", "/me"), ("PATCH", "/me"), ("GET", "/me/usage"), ("GET", "/me/export")),
    "users": (
        ("GET", "/users"),
        ("POST", "/users"),
        ("GET", "/users/<userId>"),
        ("PATCH", "/users/<userId>"),
        ("DELETE", "/users/<userId>"),
    ),
    "groups": (
        ("GET", "/groups"),
        ("POST", "/groups"),
        ("GET", "/groups/<groupId>"),
        ("PATCH", "/groups/<groupId>"),
        ("DELETE", "/groups/<groupId>"),
        ("GET", "/groups/<groupId>/members"),
        ("PUT", "/groups/<groupId>/members/<userId>"),
        ("DELETE", "/groups/<groupId>/members/<userId>"),
    ),
    "applications": (
        ("GET", "/applications"),
        ("POST", "/applications"),
        ("GET", "/applications/<appId>"),
        ("PATCH", "/applications/<appId>"),
        ("DELETE", "/applications/<appId>"),
        ("PUT", "/applications/<appId>/grants/<groupId>"),
        ("DELETE", "/applications/<appId>/grants/<groupId>"),
        ("GET", "/applications/<appId>/usage"),
    ),
    "sessions": (
        ("GET", "/sessions"),
        ("POST", "/sessions"),
        ("GET", "/sessions/<sessionId>"),
        ("PATCH", "/sessions/<sessionId>"),
        ("DELETE", "/sessions/<sessionId>"),
        ("GET", "/sessions/<sessionId>/messages"),
        ("POST", "/sessions/<sessionId>/messages"),
        ("POST", "/sessions/<sessionId>/voice"),
        ("PATCH", "/sessions/<sessionId>/voice/<voiceId>"),
    ),
    "documents": (
        ("GET", "/documents"),
        ("POST", "/documents"),
        ("GET", "/documents/<documentId>"),
        ("PATCH", "/documents/<documentId>"),
        ("DELETE", "/documents/<documentId>"),
        ("GET", "/documents/<documentId>/download"),
    ),
    "memories": (
        ("GET", "/memories"),
        ("POST", "/memories"),
        ("GET", "/memories/<memoryId>"),
        ("PATCH", "/memories/<memoryId>"),
        ("DELETE", "/memories/<memoryId>"),
    ),
    "search": (("POST", "/search"),),
    "notifications": (
        ("GET", "/notifications"),
        ("GET", "/notifications/unread-count"),
        ("PATCH", "/notifications/<notificationId>"),
        ("DELETE", "/notifications/<notificationId>"),
    ),
    "admin": (
        ("POST", "/admin/notifications"),
        ("GET", "/admin/stats"),
        ("GET", "/admin/audit"),
    ),
    "support": (
        ("GET", "/users/<userId>/sessions"),
        ("GET", "/users/<userId>/sessions/<sessionId>/messages"),
        ("GET", "/users/<userId>/documents"),
        ("GET", "/users/<userId>/memories"),
    ),
}


def first_segment(path: str) -> str:
    """``/sessions/abc/messages`` -> ``sessions``."""
    return path.lstrip("/").split("/", 1)[0]


def areas_by_segment(
    routes: Mapping[str, Sequence[tuple[str, str]]],
) -> dict[str, tuple[str, ...]]:
    """Each first path segment and the areas with a route under it, in inclusion order."""
    found: dict[str, list[str]] = {}
    for area, area_routes in routes.items():
        for _, rule in area_routes:
            names = found.setdefault(first_segment(rule), [])
            if area not in names:
                names.append(area)
    return {segment: tuple(names) for segment, names in found.items()}


class AreaResolver(StrictBodyResolver):
    """A :class:`StrictBodyResolver` that includes each area's router on the first request whose
    path needs it (areas of ``routes``, modules of ``package``)."""

    def __init__(
        self,
        *,
        routes: Mapping[str, Sequence[tuple[str, str]]] = ROUTES,
        package: str = ROUTES_PACKAGE,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._areas = tuple(routes)
        self._package = package
        self._by_segment = areas_by_segment(routes)
        self._included: set[str] = set()
        if self._cors_enabled:
            # Preflight answers name every method of every route, loaded or not (Powertools adds
            # a route's method when the route is registered).
            self._cors_methods.update(method for rules in routes.values() for method, _ in rules)

    def include_areas(self, areas: Iterable[str]) -> None:
        """Import and include the routers of ``areas`` not included yet."""
        added = False
        for area in areas:
            if area in self._included:
                continue
            module = importlib.import_module(f"{self._package}.{area}")
            self.include_router(module.router)
            self._included.add(area)
            added = True
        if added:
            # Eager inclusion's order (the OpenAPI document lists routes in it); routes of
            # different areas never match the same path, so matching does not depend on it.
            self._static_routes.sort(key=self._rank)
            self._dynamic_routes.sort(key=self._rank)

    def include_all_areas(self) -> None:
        """Every area: for what must see every route (OpenAPI, priming, tests)."""
        self.include_areas(self._areas)

    def _rank(self, route: Route) -> int:
        module = getattr(route.func, "__module__", "") or ""
        package, _, area = module.rpartition(".")
        if package == self._package and area in self._areas:
            return self._areas.index(area)
        return len(self._areas)  # the resolver's own routes, registered on it directly

    def _resolve(self) -> ResponseBuilder[Any]:
        path = self._remove_prefix(self.current_event.path)
        self.include_areas(self._by_segment.get(first_segment(path), ()))
        return super()._resolve()
