"""``/notifications``: the caller's notifications; unread ones are counted from a sparse index."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from lambdas.api.dependencies import AppServices, CurrentCaller, Limit, NextToken
from lambdas.api.params import Id, error_responses, no_content
from lambdas.api.routing import new_router
from strata.models import Notification, Page
from strata.services.inputs import NotificationPatch, UnreadCount

router = new_router()
TAGS = ["notifications"]
UnreadOnly = Annotated[bool, Query(alias="unreadOnly", description="only unread notifications")]


@router.get(
    "/notifications",
    tags=TAGS,
    summary="The caller's notifications, newest first",
    responses=error_responses(400),
)
def list_notifications(
    caller: CurrentCaller,
    services: AppServices,
    limit: Limit = 20,
    next_token: NextToken = None,
    unread_only: UnreadOnly = False,
) -> Page[Notification]:
    return services.notifications.list_notifications(caller, limit, next_token, unread_only)


@router.get(
    "/notifications/unread-count",
    tags=TAGS,
    summary="How many notifications are unread",
    responses=error_responses(),
)
def unread_count(caller: CurrentCaller, services: AppServices) -> UnreadCount:
    return services.notifications.unread_count(caller)


@router.patch(
    "/notifications/<notificationId>",
    tags=TAGS,
    summary="Mark a notification read",
    responses=error_responses(400, 404),
)
def update_notification(
    notificationId: Id, body: NotificationPatch, caller: CurrentCaller, services: AppServices
) -> Notification:
    return services.notifications.mark(caller, notificationId, body)


@router.delete(
    "/notifications/<notificationId>",
    status_code=204,
    tags=TAGS,
    summary="Dismiss a notification",
    responses=error_responses(404, success=204),
)
def delete_notification(
    notificationId: Id, caller: CurrentCaller, services: AppServices
) -> Response[None]:
    services.notifications.delete(caller, notificationId)
    return no_content()
