"""``/sessions``: the caller's chat sessions, their messages (and answers) and voice sessions."""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from lambdas.api.dependencies import AppServices, CurrentCaller, Limit, NextToken
from lambdas.api.params import Id, IfMatch, error_responses, expected_version, no_content
from lambdas.api.routing import new_router
from strata.models import (
    ChatMessage,
    ChatSession,
    ChatSessionUpdate,
    Page,
    VoiceSession,
    VoiceSessionCreate,
    VoiceSessionUpdate,
)
from strata.services.inputs import MessageExchange, MessageSend, SessionStart, SessionStarted

router = new_router()
TAGS = ["sessions"]
Order = Annotated[
    Literal["oldest", "newest"],
    Query(description="oldest first (the conversation in order) or newest first"),
]


@router.get(
    "/sessions",
    tags=TAGS,
    summary="The caller's sessions, most recent first",
    responses=error_responses(400),
)
def list_sessions(
    caller: CurrentCaller, services: AppServices, limit: Limit = 20, next_token: NextToken = None
) -> Page[ChatSession]:
    return services.sessions.list_sessions(caller, limit, next_token)


@router.post(
    "/sessions",
    status_code=201,
    tags=TAGS,
    summary="Start a chat session; with message, together with its first message",
    responses=error_responses(400, success=201),
)
def create_session(
    body: SessionStart, caller: CurrentCaller, services: AppServices
) -> SessionStarted:
    return services.sessions.create(caller, body)


@router.get("/sessions/<sessionId>", tags=TAGS, summary="A session", responses=error_responses(404))
def get_session(sessionId: Id, caller: CurrentCaller, services: AppServices) -> ChatSession:
    return services.sessions.get(caller, sessionId)


@router.patch(
    "/sessions/<sessionId>",
    tags=TAGS,
    summary="Rename, archive or change a session's context",
    responses=error_responses(400, 404, 409),
)
def update_session(
    sessionId: Id,
    body: ChatSessionUpdate,
    caller: CurrentCaller,
    services: AppServices,
    if_match: IfMatch = None,
) -> ChatSession:
    return services.sessions.update(caller, sessionId, body, expected_version(if_match))


@router.delete(
    "/sessions/<sessionId>",
    status_code=204,
    tags=TAGS,
    summary="Delete a session with its messages and voice sessions",
    responses=error_responses(404, success=204),
)
def delete_session(sessionId: Id, caller: CurrentCaller, services: AppServices) -> Response[None]:
    services.sessions.delete(caller, sessionId)
    return no_content()


@router.get(
    "/sessions/<sessionId>/messages",
    tags=TAGS,
    summary="A session's messages",
    responses=error_responses(400, 404),
)
def list_messages(
    *,
    sessionId: Id,
    caller: CurrentCaller,
    services: AppServices,
    limit: Limit = 50,
    next_token: NextToken = None,
    order: Order = "oldest",
) -> Page[ChatMessage]:
    return services.sessions.messages(caller, sessionId, limit, next_token, order == "newest")


@router.post(
    "/sessions/<sessionId>/messages",
    status_code=201,
    tags=TAGS,
    summary="Send a message; with respond=true the assistant answers with citations",
    responses=error_responses(400, 404, success=201),
)
def send_message(
    sessionId: Id, body: MessageSend, caller: CurrentCaller, services: AppServices
) -> MessageExchange:
    return services.sessions.send(caller, sessionId, body)


@router.post(
    "/sessions/<sessionId>/voice",
    status_code=201,
    tags=TAGS,
    summary="Start a voice session attached to a chat session",
    responses=error_responses(400, 404, success=201),
)
def start_voice(
    sessionId: Id, body: VoiceSessionCreate, caller: CurrentCaller, services: AppServices
) -> VoiceSession:
    return services.sessions.start_voice(caller, sessionId, body)


@router.patch(
    "/sessions/<sessionId>/voice/<voiceId>",
    tags=TAGS,
    summary="Update a voice session (status, transcript, end)",
    responses=error_responses(400, 404),
)
def update_voice(
    sessionId: Id,
    voiceId: Id,
    body: VoiceSessionUpdate,
    caller: CurrentCaller,
    services: AppServices,
) -> VoiceSession:
    return services.sessions.update_voice(caller, sessionId, voiceId, body)
