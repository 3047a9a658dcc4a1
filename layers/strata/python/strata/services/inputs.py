"""API inputs and outputs that are not entities of ``strata.models`` (those the store shares)."""

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator

from strata.models import (
    ApplicationUsage,
    ChatMessage,
    ChatSession,
    ChatSessionCreate,
    Document,
    Email,
    GroupRole,
    Identifier,
    MessageType,
    NotificationCreate,
    StrataModel,
    UserRole,
    UserUsage,
)

Name = Annotated[str, StringConstraints(max_length=100)]


class UserCreate(StrataModel):
    """An administrator invites a user: Cognito sends the invitation, the profile is created."""

    email: Email
    first_name: Name = ""
    last_name: Name = ""
    role: UserRole = UserRole.USER
    groups: list[Identifier] = Field(default_factory=list, max_length=20)


class MembershipPut(StrataModel):
    """A member's role in a group (``member`` unless told otherwise)."""

    role: GroupRole = GroupRole.MEMBER


class NotificationPatch(StrataModel):
    """Only the read state of a notification changes after it is sent, and only to read."""

    read: Literal[True]


class MessageSend(StrataModel):
    """A user's chat message; ``respond`` asks the assistant to answer it from their documents."""

    content: Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
    type: MessageType = MessageType.TEXT
    metadata: dict[str, Any] = Field(default_factory=dict)
    respond: bool = False


class MessageExchange(StrataModel):
    """The stored user message and, when an answer was asked for, the assistant's reply."""

    message: ChatMessage
    reply: ChatMessage | None = None


class SessionStart(ChatSessionCreate):
    """A new chat session; with ``message``, its first message is stored with it (both or
    neither, one transaction) and, with ``respond``, answered."""

    message: MessageSend | None = None


class SessionStarted(ChatSession):
    """The new session and, when it was started with a message, that message and the
    assistant's reply (when one was asked for)."""

    message: ChatMessage | None = None
    reply: ChatMessage | None = None


class UploadForm(StrataModel):
    """A presigned POST: send ``fields`` and then the file as multipart form data to ``url``."""

    url: str
    fields: dict[str, str]
    expires_in: int


class DocumentUpload(StrataModel):
    document: Document
    upload: UploadForm


class DownloadLink(StrataModel):
    url: str
    expires_in: int


class AdminNotificationCreate(NotificationCreate):
    """A notification to one user or to every member of a group (exactly one of the two)."""

    user_id: Identifier | None = None
    group_id: Identifier | None = None

    @model_validator(mode="after")
    def _one_target(self) -> "AdminNotificationCreate":
        if (self.user_id is None) == (self.group_id is None):
            raise ValueError("give exactly one of userId or groupId")
        return self


class NotificationFanOut(StrataModel):
    delivered: int


class UnreadCount(StrataModel):
    unread: int


class Stats(StrataModel):
    """Platform figures for administrators, kept by the stream (they trail writes by the
    stream's delay). ``recentLogins``: users who signed in today (UTC)."""

    users: int
    groups: int
    applications: int
    sessions: int
    messages: int
    memories: int
    documents_by_status: dict[str, int]
    recent_logins: int


class ApplicationUsageReport(StrataModel):
    """An application's daily counters from ``firstDay`` to ``lastDay`` (days without use are
    absent)."""

    app_id: str
    first_day: date
    last_day: date
    days: list[ApplicationUsage]


class UserUsageReport(StrataModel):
    """The caller's daily use of applications from ``firstDay`` to ``lastDay``."""

    first_day: date
    last_day: date
    days: list[UserUsage]
