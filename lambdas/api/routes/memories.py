"""``/memories``: what the assistant remembers about the caller (indexed for search)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from lambdas.api.dependencies import AppServices, CurrentCaller, Limit, NextToken
from lambdas.api.params import Id, IfMatch, error_responses, expected_version, no_content
from lambdas.api.routing import new_router
from strata.models import MemoryCreate, MemoryType, MemoryUpdate, Page, UserMemory

router = new_router()
TAGS = ["memories"]
TypeFilter = Annotated[MemoryType | None, Query(description="only memories of this type")]


@router.get("/memories", tags=TAGS, summary="The caller's memories", responses=error_responses(400))
def list_memories(
    caller: CurrentCaller,
    services: AppServices,
    limit: Limit = 20,
    next_token: NextToken = None,
    type: TypeFilter = None,
) -> Page[UserMemory]:
    return services.memories.list_memories(caller, limit, next_token, type)


@router.post(
    "/memories",
    status_code=201,
    tags=TAGS,
    summary="Remember something",
    responses=error_responses(400, success=201),
)
def create_memory(body: MemoryCreate, caller: CurrentCaller, services: AppServices) -> UserMemory:
    return services.memories.create(caller, body)


@router.get("/memories/<memoryId>", tags=TAGS, summary="A memory", responses=error_responses(404))
def get_memory(memoryId: Id, caller: CurrentCaller, services: AppServices) -> UserMemory:
    return services.memories.get(caller, memoryId)


@router.patch(
    "/memories/<memoryId>",
    tags=TAGS,
    summary="Change a memory's content or relevance",
    responses=error_responses(400, 404, 409),
)
def update_memory(
    memoryId: Id,
    body: MemoryUpdate,
    caller: CurrentCaller,
    services: AppServices,
    if_match: IfMatch = None,
) -> UserMemory:
    return services.memories.update(caller, memoryId, body, expected_version(if_match))


@router.delete(
    "/memories/<memoryId>",
    status_code=204,
    tags=TAGS,
    summary="Forget a memory",
    responses=error_responses(404, success=204),
)
def delete_memory(memoryId: Id, caller: CurrentCaller, services: AppServices) -> Response[None]:
    services.memories.delete(caller, memoryId)
    return no_content()
