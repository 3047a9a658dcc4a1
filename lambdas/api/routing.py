"""Routers for ``lambdas.api.routes``: Powertools' ``Router`` constructor is unannotated, so
every router is made here and the route modules stay strictly typed."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router


def new_router() -> Router:
    return Router()  # type: ignore[no-untyped-call]
