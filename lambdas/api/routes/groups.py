"""``/groups``: readable by any signed-in user, managed by administrators (and Cognito)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from lambdas.api.dependencies import AppServices, CurrentCaller, Limit, NextToken
from lambdas.api.params import Id, IfMatch, error_responses, expected_version, no_content
from lambdas.api.routing import new_router
from strata.models import Group, GroupCreate, GroupMember, GroupUpdate, Page
from strata.services.inputs import MembershipPut

router = new_router()
TAGS = ["groups"]


@router.get("/groups", tags=TAGS, summary="List groups", responses=error_responses(400))
def list_groups(
    caller: CurrentCaller, services: AppServices, limit: Limit = 20, next_token: NextToken = None
) -> Page[Group]:
    return services.groups.list_groups(caller, limit, next_token)


@router.post(
    "/groups",
    status_code=201,
    tags=TAGS,
    summary="Create a group and its Cognito group (admin)",
    responses=error_responses(400, 403, 409, success=201),
)
def create_group(body: GroupCreate, caller: CurrentCaller, services: AppServices) -> Group:
    return services.groups.create(caller, body)


@router.get("/groups/<groupId>", tags=TAGS, summary="A group", responses=error_responses(404))
def get_group(groupId: Id, caller: CurrentCaller, services: AppServices) -> Group:
    return services.groups.get(caller, groupId)


@router.patch(
    "/groups/<groupId>",
    tags=TAGS,
    summary="Update a group (admin)",
    responses=error_responses(400, 403, 404, 409),
)
def update_group(
    groupId: Id,
    body: GroupUpdate,
    caller: CurrentCaller,
    services: AppServices,
    if_match: IfMatch = None,
) -> Group:
    return services.groups.update(caller, groupId, body, expected_version(if_match))


@router.delete(
    "/groups/<groupId>",
    status_code=204,
    tags=TAGS,
    summary="Delete a group, its memberships and grants (admin)",
    responses=error_responses(403, 404, success=204),
)
def delete_group(groupId: Id, caller: CurrentCaller, services: AppServices) -> Response[None]:
    services.groups.delete(caller, groupId)
    return no_content()


@router.get(
    "/groups/<groupId>/members",
    tags=TAGS,
    summary="A group's members (its members and admins)",
    responses=error_responses(400, 403, 404),
)
def list_members(
    groupId: Id,
    caller: CurrentCaller,
    services: AppServices,
    limit: Limit = 20,
    next_token: NextToken = None,
) -> Page[GroupMember]:
    return services.groups.members(caller, groupId, limit, next_token)


@router.put(
    "/groups/<groupId>/members/<userId>",
    tags=TAGS,
    summary="Add a user to a group, or change their role (admin)",
    responses=error_responses(400, 403, 404),
)
def put_member(
    groupId: Id,
    userId: Id,
    body: MembershipPut,
    caller: CurrentCaller,
    services: AppServices,
) -> GroupMember:
    return services.groups.put_member(caller, groupId, userId, body.role)


@router.delete(
    "/groups/<groupId>/members/<userId>",
    status_code=204,
    tags=TAGS,
    summary="Remove a user from a group (admin)",
    responses=error_responses(403, 404, success=204),
)
def delete_member(
    groupId: Id, userId: Id, caller: CurrentCaller, services: AppServices
) -> Response[None]:
    services.groups.remove_member(caller, groupId, userId)
    return no_content()
