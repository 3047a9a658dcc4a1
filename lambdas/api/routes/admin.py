"""``/admin``: operations only administrators may run."""

from __future__ import annotations

from lambdas.api.dependencies import AppServices, CurrentCaller
from lambdas.api.params import error_responses
from lambdas.api.routing import new_router
from strata.services.inputs import AdminNotificationCreate, NotificationFanOut, Stats

router = new_router()
TAGS = ["admin"]


@router.post(
    "/admin/notifications",
    status_code=201,
    tags=TAGS,
    summary="Notify one user or every member of a group (admin)",
    responses=error_responses(400, 403, 404, success=201),
)
def notify(
    body: AdminNotificationCreate, caller: CurrentCaller, services: AppServices
) -> NotificationFanOut:
    return services.notifications.send(caller, body)


@router.get(
    "/admin/stats", tags=TAGS, summary="Platform figures (admin)", responses=error_responses(403)
)
def stats(caller: CurrentCaller, services: AppServices) -> Stats:
    return services.stats.collect(caller)
