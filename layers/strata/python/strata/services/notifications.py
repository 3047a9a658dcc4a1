"""Notifications: the owner's alone; administrators send them to a user or to a whole group."""

from __future__ import annotations

from strata.auth import Caller, require_admin
from strata.models import Notification, NotificationCreate, Page
from strata.services.inputs import (
    AdminNotificationCreate,
    NotificationFanOut,
    NotificationPatch,
    UnreadCount,
)
from strata.services.storable import ensure_storable
from strata.store.groups import GroupRepository
from strata.store.notifications import NotificationRepository
from strata.store.users import UserRepository

MEMBERS_PAGE = 100


class NotificationService:
    def __init__(
        self,
        notifications: NotificationRepository,
        users: UserRepository,
        groups: GroupRepository,
    ) -> None:
        self._notifications = notifications
        self._users = users
        self._groups = groups

    def list_notifications(
        self, caller: Caller, limit: int, next_token: str | None, unread_only: bool
    ) -> Page[Notification]:
        if unread_only:
            return self._notifications.unread(caller.user_id, limit=limit, next_token=next_token)
        return self._notifications.list_notifications(
            caller.user_id, limit=limit, next_token=next_token
        )

    def unread_count(self, caller: Caller) -> UnreadCount:
        return UnreadCount(unread=self._notifications.unread_count(caller.user_id))

    def mark(self, caller: Caller, notification_id: str, patch: NotificationPatch) -> Notification:
        self._notifications.get(caller.user_id, notification_id)
        return self._notifications.mark_read(caller.user_id, notification_id)

    def delete(self, caller: Caller, notification_id: str) -> None:
        self._notifications.delete(caller.user_id, notification_id)

    def send(self, caller: Caller, data: AdminNotificationCreate) -> NotificationFanOut:
        """To one user (who must exist) or to every member of a group: 1 PutItem per recipient."""
        require_admin(caller, "send notifications")
        ensure_storable(data)
        content = NotificationCreate.model_validate(
            data.model_dump(include=set(NotificationCreate.model_fields))
        )
        if data.user_id is not None:
            self._users.get(data.user_id)
            self._notifications.create(data.user_id, content)
            return NotificationFanOut(delivered=1)
        assert data.group_id is not None  # the input model guarantees exactly one target
        self._groups.get(data.group_id)
        delivered = 0
        token: str | None = None
        while True:
            page = self._groups.members(data.group_id, limit=MEMBERS_PAGE, next_token=token)
            for member in page.items:
                self._notifications.create(member.user_id, content)
                delivered += 1
            token = page.next_token
            if token is None:
                return NotificationFanOut(delivered=delivered)
