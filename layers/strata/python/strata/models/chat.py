"""Chat sessions, their messages (with citations and token usage), voice sessions, connections."""

from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from strata.models.base import Entity, Identifier, ShortText, StrataModel, Title, UtcDateTime

# A message must fit in one item with room to spare for citations and keys.
MAX_MESSAGE_CHARS = 100_000
MessageText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_MESSAGE_CHARS)]


class SessionStatus(StrEnum):
    ACTIVE = "ACTIVE"
    ARCHIVED = "ARCHIVED"


class ChatSession(Entity):
    session_id: Identifier
    user_id: Identifier
    title: ShortText
    context: dict[str, Any] = Field(default_factory=dict)
    connection_id: Identifier | None = None
    message_count: int = Field(default=0, ge=0)
    last_message_at: UtcDateTime | None = None
    status: SessionStatus = SessionStatus.ACTIVE


class ChatSessionCreate(StrataModel):
    title: Title = "New chat"
    context: dict[str, Any] = Field(default_factory=dict)
    connection_id: Identifier | None = None


class ChatSessionUpdate(StrataModel):
    title: Title | None = None
    context: dict[str, Any] | None = None
    status: SessionStatus | None = None


class MessageRole(StrEnum):
    USER = "user"
    ASSISTANT = "assistant"
    SYSTEM = "system"


class MessageType(StrEnum):
    TEXT = "TEXT"
    VOICE = "VOICE"
    IMAGE = "IMAGE"
    FILE = "FILE"
    SYSTEM = "SYSTEM"


class Citation(StrataModel):
    document_id: Identifier
    chunk_id: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    page: int | None = Field(default=None, ge=1)
    score: float | None = None
    snippet: Annotated[str, StringConstraints(max_length=1000)] = ""
    file_name: Annotated[str, StringConstraints(max_length=255)] | None = None


class TokenUsage(StrataModel):
    input_tokens: int = Field(default=0, ge=0)
    output_tokens: int = Field(default=0, ge=0)


class ChatMessage(Entity):
    """One message. ``message_id`` is a ULID, so the session's partition is its history in order."""

    message_id: Identifier
    session_id: Identifier
    user_id: Identifier
    role: MessageRole
    type: MessageType = MessageType.TEXT
    content: MessageText
    citations: list[Citation] = Field(default_factory=list, max_length=50)
    token_usage: TokenUsage | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class MessageCreate(StrataModel):
    role: MessageRole = MessageRole.USER
    type: MessageType = MessageType.TEXT
    content: MessageText
    citations: list[Citation] = Field(default_factory=list, max_length=50)
    token_usage: TokenUsage | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class VoiceStatus(StrEnum):
    STARTING = "STARTING"
    ACTIVE = "ACTIVE"
    ENDED = "ENDED"
    ERROR = "ERROR"


class VoiceSession(Entity):
    """A Nova Sonic voice interaction attached to a chat session."""

    voice_session_id: Identifier
    session_id: Identifier
    user_id: Identifier
    connection_id: Identifier | None = None
    nova_sonic_session_id: Annotated[str, StringConstraints(max_length=256)] | None = None
    status: VoiceStatus = VoiceStatus.STARTING
    started_at: UtcDateTime
    ended_at: UtcDateTime | None = None
    duration_seconds: float | None = Field(default=None, ge=0)
    transcript: Annotated[str, StringConstraints(max_length=MAX_MESSAGE_CHARS)] = ""
    error_message: Annotated[str, StringConstraints(max_length=1000)] | None = None


class VoiceSessionCreate(StrataModel):
    connection_id: Identifier | None = None
    nova_sonic_session_id: Annotated[str, StringConstraints(max_length=256)] | None = None


class VoiceSessionUpdate(StrataModel):
    status: VoiceStatus | None = None
    ended_at: UtcDateTime | None = None
    duration_seconds: float | None = Field(default=None, ge=0)
    transcript: Annotated[str, StringConstraints(max_length=MAX_MESSAGE_CHARS)] | None = None
    error_message: Annotated[str, StringConstraints(max_length=1000)] | None = None
    nova_sonic_session_id: Annotated[str, StringConstraints(max_length=256)] | None = None


class ClientType(StrEnum):
    WEB = "web"
    MOBILE = "mobile"
    VOICE = "voice"
    OTHER = "other"


# API Gateway's connection ids are base64-like ("d5hfJcGIIAMCFXQ="): '=' is allowed, '#' never.
ConnectionId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_=+/-]{1,128}$")]


class Connection(Entity):
    """A live (WebSocket) connection; it expires by TTL unless refreshed."""

    connection_id: ConnectionId
    user_id: Identifier
    client_type: ClientType = ClientType.WEB
    user_agent: Annotated[str, StringConstraints(max_length=512)] | None = None
    connected_at: UtcDateTime
    expires_at: UtcDateTime


__all__ = [
    "MAX_MESSAGE_CHARS",
    "ChatMessage",
    "ChatSession",
    "ChatSessionCreate",
    "ChatSessionUpdate",
    "Citation",
    "ClientType",
    "Connection",
    "MessageCreate",
    "MessageRole",
    "MessageType",
    "SessionStatus",
    "TokenUsage",
    "VoiceSession",
    "VoiceSessionCreate",
    "VoiceSessionUpdate",
    "VoiceStatus",
]
