"""Notifications shown to a user; non-persistent ones expire by TTL."""

from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from strata.models.base import Entity, Identifier, ShortText, StrataModel, Title, UtcDateTime


class NotificationType(StrEnum):
    INFO = "INFO"
    SUCCESS = "SUCCESS"
    WARNING = "WARNING"
    ERROR = "ERROR"


NotificationText = Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class Notification(Entity):
    notification_id: Identifier
    user_id: Identifier
    type: NotificationType = NotificationType.INFO
    title: ShortText
    message: NotificationText
    data: dict[str, Any] = Field(default_factory=dict)
    is_persistent: bool = False
    read: bool = False
    read_at: UtcDateTime | None = None
    expires_at: UtcDateTime | None = None


class NotificationCreate(StrataModel):
    type: NotificationType = NotificationType.INFO
    title: Title
    message: NotificationText
    data: dict[str, Any] = Field(default_factory=dict)
    is_persistent: bool = False


__all__ = ["Notification", "NotificationCreate", "NotificationText", "NotificationType"]
