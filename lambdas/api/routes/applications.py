"""``/applications``: visible through the caller's groups, managed by administrators."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from lambdas.api.dependencies import AppServices, CurrentCaller, Limit, NextToken
from lambdas.api.params import (
    FromDay,
    Id,
    IfMatch,
    ToDay,
    error_responses,
    expected_version,
    no_content,
)
from lambdas.api.routing import new_router
from strata.models import Application, ApplicationCreate, ApplicationUpdate, Grant, Page
from strata.services.inputs import ApplicationUsageReport

router = new_router()
TAGS = ["applications"]


@router.get(
    "/applications",
    tags=TAGS,
    summary="Applications the caller's groups may use (all of them for admins)",
    responses=error_responses(400),
)
def list_applications(
    caller: CurrentCaller, services: AppServices, limit: Limit = 20, next_token: NextToken = None
) -> Page[Application]:
    return services.applications.list_applications(caller, limit, next_token)


@router.post(
    "/applications",
    status_code=201,
    tags=TAGS,
    summary="Register an application (admin)",
    responses=error_responses(400, 403, success=201),
)
def create_application(
    body: ApplicationCreate, caller: CurrentCaller, services: AppServices
) -> Application:
    return services.applications.create(caller, body)


@router.get(
    "/applications/<appId>",
    tags=TAGS,
    summary="An application visible to the caller",
    responses=error_responses(404),
)
def get_application(appId: Id, caller: CurrentCaller, services: AppServices) -> Application:
    return services.applications.get(caller, appId)


@router.patch(
    "/applications/<appId>",
    tags=TAGS,
    summary="Update an application (admin)",
    responses=error_responses(400, 403, 404, 409),
)
def update_application(
    appId: Id,
    body: ApplicationUpdate,
    caller: CurrentCaller,
    services: AppServices,
    if_match: IfMatch = None,
) -> Application:
    return services.applications.update(caller, appId, body, expected_version(if_match))


@router.delete(
    "/applications/<appId>",
    status_code=204,
    tags=TAGS,
    summary="Delete an application and its grants (admin)",
    responses=error_responses(403, 404, success=204),
)
def delete_application(appId: Id, caller: CurrentCaller, services: AppServices) -> Response[None]:
    services.applications.delete(caller, appId)
    return no_content()


@router.put(
    "/applications/<appId>/grants/<groupId>",
    tags=TAGS,
    summary="Grant a group the use of an application (admin)",
    responses=error_responses(403, 404),
)
def put_grant(appId: Id, groupId: Id, caller: CurrentCaller, services: AppServices) -> Grant:
    return services.applications.grant(caller, appId, groupId)


@router.delete(
    "/applications/<appId>/grants/<groupId>",
    status_code=204,
    tags=TAGS,
    summary="Revoke a group's grant (admin)",
    responses=error_responses(403, 404, success=204),
)
def delete_grant(
    appId: Id, groupId: Id, caller: CurrentCaller, services: AppServices
) -> Response[None]:
    services.applications.revoke(caller, appId, groupId)
    return no_content()


@router.get(
    "/applications/<appId>/usage",
    tags=TAGS,
    summary="An application's daily usage (admins, and members of a group granted it)",
    responses=error_responses(400, 404),
)
def application_usage(
    appId: Id,
    caller: CurrentCaller,
    services: AppServices,
    first: FromDay = None,
    last: ToDay = None,
) -> ApplicationUsageReport:
    return services.usage.application(caller, appId, first, last)
