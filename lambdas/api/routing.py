"""Routers for ``lambdas.api.routes``: Powertools' ``Router`` constructor is unannotated, so
every router is made here and the route modules stay strictly typed."""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router


def new_router() -> Router:
    return Router()  # type: ignore[no-untyped-call]


def settle_annotations(func: Callable[..., Any]) -> None:
    """Replace ``func``'s string annotations (``from __future__ import annotations``) by the
    objects they name, once.

    Powertools calls ``typing.get_type_hints`` on a route's function on every request (to find its
    ``Depends`` parameters), and for string hints that means compiling and evaluating each one
    again. Evaluated at the route's first request instead of at import, the hints cost nothing
    at cold start that the route's first request would not pay anyway (Powertools evaluates them
    then too), and every later request reads them as they are.
    """
    annotations = getattr(func, "__annotations__", None)
    if annotations and any(isinstance(hint, str) for hint in annotations.values()):
        func.__annotations__ = typing.get_type_hints(func, include_extras=True)
