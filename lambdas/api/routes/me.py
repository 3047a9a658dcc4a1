"""``/me``: the caller's own profile."""

from __future__ import annotations

from lambdas.api.dependencies import AppServices, CurrentCaller, SignedInCaller
from lambdas.api.params import FromDay, IfMatch, ToDay, error_responses, expected_version
from lambdas.api.routing import new_router
from strata.models import User, UserUpdate
from strata.services.exports import UserDataExport
from strata.services.inputs import UserUsageReport

router = new_router()
TAGS = ["me"]


@router.get("/me", tags=TAGS, summary="The caller's profile", responses=error_responses(403))
def get_me(caller: SignedInCaller, services: AppServices) -> User:
    return services.users.me(caller)


@router.patch(
    "/me",
    tags=TAGS,
    summary="Update the caller's profile (never its role)",
    responses=error_responses(400, 409),
)
def update_me(
    body: UserUpdate, caller: CurrentCaller, services: AppServices, if_match: IfMatch = None
) -> User:
    return services.users.update_me(caller, body, expected_version(if_match))


@router.get(
    "/me/usage",
    tags=TAGS,
    summary="The caller's daily use of applications (messages and tokens)",
    responses=error_responses(400),
)
def my_usage(
    caller: CurrentCaller, services: AppServices, first: FromDay = None, last: ToDay = None
) -> UserUsageReport:
    return services.usage.mine(caller, first, last)


@router.get(
    "/me/export",
    tags=TAGS,
    summary="Everything the caller owns, grouped by entity type (the data-subject export)",
    responses=error_responses(400),
)
def export_me(caller: CurrentCaller, services: AppServices) -> UserDataExport:
    return services.exports.export_me(caller)
