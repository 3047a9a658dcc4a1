"""What routes receive through Powertools ``Depends``: the caller and the services.

Tests and the local stack replace :func:`services` through ``app.dependency_overrides``; in
Lambda it is the cached production wiring, built on the first request that needs it.

No ``from __future__ import annotations`` here: Powertools reads these functions' type hints on
every request (``typing.get_type_hints``), and hints that are already objects cost it a seventh
of hints kept as strings, which it would compile and evaluate each time.
"""

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.request import Request

from strata.auth.caller import Caller, caller_from_event
from strata.config import get_settings
from strata.services.factory import Services, build_services
from strata.store.actor import set_actor


def signed_in_caller(request: Request) -> Caller:
    """The signed-in caller, from the claims API Gateway's Cognito authorizer verified.

    Every write the request makes records the caller as ``updatedBy`` (the stream's audit names
    the actor from it); the handler clears the actor when the request ends.
    """
    caller = caller_from_event(request.resolved_event.raw_event)
    set_actor(caller.user_id)
    return caller


def services() -> Services:
    return build_services(get_settings())


AppServices = Annotated[Services, Depends(services)]
SignedInCaller = Annotated[Caller, Depends(signed_in_caller)]


def current_caller(caller: SignedInCaller, services: AppServices) -> Caller:
    """The signed-in caller, admitted: an account that still exists and is active (401/403
    otherwise, before the route runs). ``GET /me`` admits through the profile it reads."""
    services.access.admit(caller)
    return caller


CurrentCaller = Annotated[Caller, Depends(current_caller)]
Limit = Annotated[int, Query(ge=1, le=100, description="page size, 1-100")]
NextToken = Annotated[
    str | None,
    Query(alias="nextToken", max_length=4096, description="the nextToken of the previous page"),
]
