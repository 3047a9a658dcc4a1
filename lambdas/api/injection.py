"""Route dependencies (Powertools ``Depends``) resolved from trees built once per function.

Powertools builds a route's dependency tree again on every request (``typing.get_type_hints`` on
the route and, recursively, on every dependency) and evaluates each dependency's hints once more
to find a ``Request`` parameter: eight evaluations of type hints per request for a route that
admits its caller, about a tenth of a request answered from recorded replies. The tree and the
``Request`` parameters depend only on the functions, so they are computed once per function and
kept.

Resolution keeps Powertools' semantics: a dependency replaced in ``app.dependency_overrides`` is
called instead (with the values of the original's own dependencies), each dependency is called
once per request unless it says ``use_cache=False``, and a parameter annotated ``Request`` gets
the current request. What a dependency raises reaches the error handlers as itself (Powertools
wraps it in ``DependencyResolutionError`` and unwraps it there, to the same effect).
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import NoneType, UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.request import Request

Dependency = Callable[..., Any]
# Bounded: tests install a new override function per test; production has a few dozen functions.
_CACHE_SIZE = 1024


@dataclass(frozen=True)
class Node:
    """One ``Depends`` parameter of a function, with the dependencies of its dependency."""

    param_name: str
    depends: Depends
    children: tuple[Node, ...]


def _unwrap_optional(annotation: Any) -> Any:
    """``X`` for ``X | None`` (how Python 3.10 reads a parameter defaulting to None)."""
    if get_origin(annotation) in (Union, UnionType):
        args = [arg for arg in get_args(annotation) if arg is not NoneType]
        if len(args) == 1:
            return args[0]
    return annotation


def _depends_of(annotation: Any) -> Depends | None:
    annotation = _unwrap_optional(annotation)
    if get_origin(annotation) is Annotated:
        for metadata in get_args(annotation)[1:]:
            if isinstance(metadata, Depends):
                return metadata
    return None


def _hints(func: Dependency, *, include_extras: bool) -> dict[str, Any]:
    try:
        return typing.get_type_hints(func, include_extras=include_extras)
    except Exception:  # as Powertools: hints it cannot read declare nothing
        return {}


@lru_cache(maxsize=_CACHE_SIZE)
def dependency_tree(func: Dependency) -> tuple[Node, ...]:
    """The ``Depends`` parameters of ``func``, each with its dependency's own, in order."""
    nodes = []
    for name, annotation in _hints(func, include_extras=True).items():
        depends = _depends_of(annotation) if name != "return" else None
        if depends is not None:
            nodes.append(Node(name, depends, dependency_tree(depends.dependency)))
    return tuple(nodes)


@lru_cache(maxsize=_CACHE_SIZE)
def request_parameters(func: Dependency) -> tuple[str, ...]:
    """The parameters of ``func`` annotated ``Request`` (they receive the current request)."""
    hints = _hints(func, include_extras=False)
    return tuple(name for name, hint in hints.items() if _unwrap_optional(hint) is Request)


def solve(
    nodes: tuple[Node, ...],
    request: Request,
    overrides: Mapping[Dependency, Dependency],
    solved: dict[Dependency, Any],
) -> dict[str, Any]:
    """The value of each parameter of ``nodes``; ``solved`` holds this request's cached values."""
    values: dict[str, Any] = {}
    for node in nodes:
        function = overrides.get(node.depends.dependency, node.depends.dependency)
        if node.depends.use_cache and function in solved:
            values[node.param_name] = solved[function]
            continue
        arguments = solve(node.children, request, overrides, solved)
        for name in request_parameters(function):
            arguments[name] = request
        value = function(**arguments)
        if node.depends.use_cache:
            solved[function] = value
        values[node.param_name] = value
    return values
