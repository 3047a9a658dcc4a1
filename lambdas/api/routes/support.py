"""``/users/{userId}/...``: administrators read a user's data for support, and nothing else does.

These are the only routes through which one caller reads another's sessions, messages,
documents and memories (administrators may read them for support). Every read is logged with who
read whose data.
"""

from __future__ import annotations

from lambdas.api.dependencies import AppServices, CurrentCaller, Limit, NextToken
from lambdas.api.params import Id, error_responses
from lambdas.api.routing import new_router
from strata.models import ChatMessage, ChatSession, Document, Page, UserMemory

router = new_router()
TAGS = ["support"]


@router.get(
    "/users/<userId>/sessions",
    tags=TAGS,
    summary="A user's chat sessions (admin, for support)",
    responses=error_responses(400, 403, 404),
)
def user_sessions(
    userId: Id,
    caller: CurrentCaller,
    services: AppServices,
    limit: Limit = 20,
    next_token: NextToken = None,
) -> Page[ChatSession]:
    return services.support.sessions(caller, userId, limit, next_token)


@router.get(
    "/users/<userId>/sessions/<sessionId>/messages",
    tags=TAGS,
    summary="A user's chat messages, oldest first (admin, for support)",
    responses=error_responses(400, 403, 404),
)
def user_messages(
    *,
    userId: Id,
    sessionId: Id,
    caller: CurrentCaller,
    services: AppServices,
    limit: Limit = 50,
    next_token: NextToken = None,
) -> Page[ChatMessage]:
    return services.support.messages(caller, userId, sessionId, limit, next_token)


@router.get(
    "/users/<userId>/documents",
    tags=TAGS,
    summary="A user's documents (admin, for support)",
    responses=error_responses(400, 403, 404),
)
def user_documents(
    userId: Id,
    caller: CurrentCaller,
    services: AppServices,
    limit: Limit = 20,
    next_token: NextToken = None,
) -> Page[Document]:
    return services.support.documents(caller, userId, limit, next_token)


@router.get(
    "/users/<userId>/memories",
    tags=TAGS,
    summary="A user's memories (admin, for support)",
    responses=error_responses(400, 403, 404),
)
def user_memories(
    userId: Id,
    caller: CurrentCaller,
    services: AppServices,
    limit: Limit = 20,
    next_token: NextToken = None,
) -> Page[UserMemory]:
    return services.support.memories(caller, userId, limit, next_token)
