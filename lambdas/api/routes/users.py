"""``/users``: administrators manage every user; a user may read and update themself."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from lambdas.api.dependencies import AppServices, CurrentCaller, Limit, NextToken
from lambdas.api.params import Id, IfMatch, error_responses, expected_version, no_content
from lambdas.api.routing import new_router
from strata.models import AdminUserUpdate, Page, User
from strata.services.inputs import UserCreate

router = new_router()
TAGS = ["users"]


@router.get("/users", tags=TAGS, summary="List users (admin)", responses=error_responses(400, 403))
def list_users(
    caller: CurrentCaller, services: AppServices, limit: Limit = 20, next_token: NextToken = None
) -> Page[User]:
    return services.users.list_users(caller, limit, next_token)


@router.post(
    "/users",
    status_code=201,
    tags=TAGS,
    summary="Invite a user: Cognito account and profile (admin)",
    responses=error_responses(400, 403, 404, 409, success=201),
)
def create_user(body: UserCreate, caller: CurrentCaller, services: AppServices) -> User:
    return services.users.create(caller, body)


@router.get(
    "/users/<userId>",
    tags=TAGS,
    summary="A user's profile (self or admin)",
    responses=error_responses(403, 404),
)
def get_user(userId: Id, caller: CurrentCaller, services: AppServices) -> User:
    return services.users.get(caller, userId)


@router.patch(
    "/users/<userId>",
    tags=TAGS,
    summary="Update a user (self without role or status, or admin)",
    responses=error_responses(400, 403, 404, 409),
)
def update_user(
    userId: Id,
    body: AdminUserUpdate,
    caller: CurrentCaller,
    services: AppServices,
    if_match: IfMatch = None,
) -> User:
    return services.users.update(caller, userId, body, expected_version(if_match))


@router.delete(
    "/users/<userId>",
    status_code=204,
    tags=TAGS,
    summary="Delete a user's account and profile (admin)",
    responses=error_responses(403, 404, success=204),
)
def delete_user(userId: Id, caller: CurrentCaller, services: AppServices) -> Response[None]:
    services.users.delete(caller, userId)
    return no_content()
