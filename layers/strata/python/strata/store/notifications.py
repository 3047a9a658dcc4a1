"""Notifications: newest first, unread ones through a sparse index, TTL unless persistent."""

from __future__ import annotations

from datetime import timedelta

from boto3.dynamodb.conditions import Attr, ConditionBase

from strata.clock import Clock, epoch_seconds, format_timestamp
from strata.errors import NotFound
from strata.ids import new_id
from strata.models.base import Page
from strata.models.notifications import Notification, NotificationCreate
from strata.store import keys
from strata.store.base import Repository, attributes, draft, entity, is_expired, page_of
from strata.store.expressions import SortCondition
from strata.store.requests import QuerySpec
from strata.store.table import Table

DEFAULT_TTL_DAYS = 30


class NotificationRepository(Repository):
    def __init__(self, table: Table, clock: Clock, *, ttl_days: int = DEFAULT_TTL_DAYS) -> None:
        super().__init__(table, clock)
        self._ttl = timedelta(days=ttl_days)

    def create(
        self, user_id: str, data: NotificationCreate, *, notification_id: str | None = None
    ) -> Notification:
        """An unread notification (in the sparse unread index): 1 PutItem.

        ``notification_id`` (a ULID) makes the write idempotent: that id existing -> Conflict.
        """
        now = self._now()
        expires = None if data.is_persistent else now + self._ttl
        notification = draft(
            Notification,
            now,
            notification_id=notification_id or new_id(now),
            user_id=user_id,
            expires_at=expires,
            **data.model_dump(),
        )
        item = self._table.create(
            keys.notification(user_id, notification.notification_id),
            attributes(
                notification,
                entity="NOTIFICATION",
                ttl=epoch_seconds(expires) if expires else None,
                GSI1PK=keys.user_unread(user_id),
                GSI1SK=notification.notification_id,
            ),
            what="notification",
        )
        return entity(Notification, item)

    def get(self, user_id: str, notification_id: str) -> Notification:
        """1 GetItem. Absent or expired -> NotFound."""
        item = self._table.get(keys.notification(user_id, notification_id))
        if item is None or is_expired(item, self._now()):
            raise NotFound("notification not found")
        return entity(Notification, item)

    def list_notifications(
        self, user_id: str, *, limit: int = 20, next_token: str | None = None
    ) -> Page[Notification]:
        """Newest first, expired ones filtered out: 1 Query."""
        spec = QuerySpec(
            keys.user_partition(user_id),
            sort=SortCondition.begins_with(keys.NOTIFICATION_PREFIX),
            filter=self._live(),
            forward=False,
        )
        return page_of(Notification, self._table.query(spec, limit=limit, next_token=next_token))

    def unread(
        self, user_id: str, *, limit: int = 20, next_token: str | None = None
    ) -> Page[Notification]:
        """Unread ones, newest first: 1 Query on the sparse GSI1."""
        spec = QuerySpec(
            keys.user_unread(user_id), index="GSI1", filter=self._live(), forward=False
        )
        return page_of(Notification, self._table.query(spec, limit=limit, next_token=next_token))

    def unread_count(self, user_id: str) -> int:
        """Select=COUNT on the sparse GSI1: 1 Query per 1 MB of unread notifications."""
        return self._table.count(
            QuerySpec(keys.user_unread(user_id), index="GSI1", filter=self._live())
        )

    def mark_read(self, user_id: str, notification_id: str) -> Notification:
        """read = true, readAt = now, out of the unread index: 1 UpdateItem. Idempotent."""
        item = self._table.update(
            keys.notification(user_id, notification_id),
            set_values={"read": True, "readAt": format_timestamp(self._now())},
            remove=("GSI1PK", "GSI1SK"),
            what="notification",
        )
        return entity(Notification, item)

    def mark_all_read(self, user_id: str) -> int:
        """Every unread one: 1 Query per 1,000 + 1 UpdateItem each. Returns how many."""
        spec = QuerySpec(keys.user_unread(user_id), index="GSI1", projection=("notificationId",))
        ids = [str(item["notificationId"]) for item in self._table.query_all(spec)]
        for notification_id in ids:
            self.mark_read(user_id, notification_id)
        return len(ids)

    def delete(self, user_id: str, notification_id: str) -> None:
        """1 DeleteItem. Absent -> NotFound."""
        self._table.delete(
            keys.notification(user_id, notification_id), must_exist=True, what="notification"
        )

    def _live(self) -> ConditionBase:
        """Not yet expired (DynamoDB removes expired items only eventually)."""
        return Attr("ttl").not_exists() | Attr("ttl").gt(epoch_seconds(self._now()))
