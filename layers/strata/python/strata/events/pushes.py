"""Pushes to live WebSocket connections, driven by the stream (never by the writer).

- A notification inserted -> a ``notification`` frame (the notification as the API shows it).
- A document whose status became ``ready`` or ``error`` -> a ``document`` frame.
- A chat message inserted -> a ``message`` frame (every device of the user sees the history
  grow; the device that sent it recognises its own ``messageId``).

Each goes to every live connection of the item's owner (``userId`` of the image), and only
those. The frame's ``requestId`` is the stream record's id, so a client can drop a frame that a
retried batch pushes twice. Pushing is best-effort (:class:`strata.realtime.push.Pusher`): a
failure is counted, never raised, so it cannot make the record retry.
"""

from __future__ import annotations

from strata.events.changes import Change
from strata.models.chat import ChatMessage
from strata.models.documents import Document, DocumentStatus
from strata.models.notifications import Notification
from strata.realtime.frames import DocumentPush, MessagePush, NotificationPush, OutgoingBody
from strata.realtime.push import Pusher
from strata.store.base import entity

PUSHED_STATUSES = frozenset({DocumentStatus.READY.value, DocumentStatus.ERROR.value})


class LivePushes:
    def __init__(self, pusher: Pusher) -> None:
        self._pusher = pusher

    def __call__(self, change: Change) -> None:
        frame = push_frame(change)
        if frame is not None:
            self._pusher.push(str(change.image["userId"]), frame, change.event_id)


def push_frame(change: Change) -> OutgoingBody | None:
    """The frame a change pushes to its owner, or None."""
    if change.action == "remove" or change.new is None:
        return None
    if change.entity == "NOTIFICATION" and change.action == "insert":
        notification = entity(Notification, change.new)
        return NotificationPush(notification=notification.model_dump(mode="json"))
    if change.entity == "DOCUMENT":
        status = change.value("status")
        if status not in PUSHED_STATUSES or status == change.value("status", old=True):
            return None
        document = entity(Document, change.new)
        return DocumentPush(
            documentId=document.document_id,
            status=str(status),
            fileName=document.file_name,
            errorMessage=document.processing_status.error_message,
        )
    if change.entity == "CHAT_MESSAGE" and change.action == "insert":
        message = entity(ChatMessage, change.new)
        return MessagePush(
            sessionId=message.session_id,
            messageId=message.message_id,
            role=message.role.value,
            content=message.content,
            createdAt=change.value("createdAt"),
        )
    return None
