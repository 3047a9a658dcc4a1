"""``/admin``: operations only administrators may run."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from lambdas.api.dependencies import AppServices, CurrentCaller, Limit, NextToken
from lambdas.api.params import error_responses
from lambdas.api.routing import new_router
from strata.ids import ID_PATTERN
from strata.models import AuditEntry, Page
from strata.services.inputs import AdminNotificationCreate, NotificationFanOut, Stats

router = new_router()
TAGS = ["admin"]

EntityFilter = Annotated[
    str | None,
    Query(
        pattern=r"^[A-Za-z][A-Za-z_]{0,31}$",
        description="entity type: USER, GROUP, GROUP_MEMBER (by group id), APP, GRANT (by app "
        "id), DOCUMENT, MEMORY, CHAT_SESSION",
    ),
]
EntityId = Annotated[
    str | None, Query(alias="id", pattern=ID_PATTERN, max_length=128, description="its id")
]
DayFilter = Annotated[
    date | None,
    Query(description="a UTC day (YYYY-MM-DD): all its entries (today's when neither is given)"),
]


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


@router.get(
    "/admin/audit",
    tags=TAGS,
    summary="The audit trail of one entity (entity + id, newest first) or of one day (admin)",
    responses=error_responses(400, 403),
)
def audit(
    *,
    caller: CurrentCaller,
    services: AppServices,
    entity: EntityFilter = None,
    entity_id: EntityId = None,
    day: DayFilter = None,
    limit: Limit = 50,
    next_token: NextToken = None,
) -> Page[AuditEntry]:
    return services.audit.read(
        caller,
        entity_type=entity,
        entity_id=entity_id,
        day=day,
        limit=limit,
        next_token=next_token,
    )
