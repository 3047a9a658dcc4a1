"""Applications, their grants to groups, what a set of groups may use, and usage counters."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from boto3.dynamodb.conditions import Attr

from strata.errors import NotFound, ValidationError
from strata.ids import new_id
from strata.models.applications import (
    Application,
    ApplicationCreate,
    ApplicationStatus,
    ApplicationUpdate,
    ApplicationUsage,
    Grant,
    UsageIncrement,
)
from strata.models.base import Page
from strata.store import keys
from strata.store.base import Repository, attributes, changes, draft, entity, page_of
from strata.store.expressions import SortCondition
from strata.store.requests import QuerySpec
from strata.store.table import ConditionFailed
from strata.store.transactions import TransactionFailed, TxCheck, TxPut


class ApplicationRepository(Repository):
    def create(self, data: ApplicationCreate, *, created_by: str) -> Application:
        """1 PutItem (conditional on a fresh id)."""
        now = self._now()
        app = draft(
            Application,
            now,
            app_id=new_id(now),
            created_by=created_by,
            **data.model_dump(),
        )
        item = self._table.create(
            keys.app_metadata(app.app_id),
            attributes(app, entity="APP", GSI3PK=keys.APP_TYPE, GSI3SK=app.name),
            what="application",
        )
        return entity(Application, item)

    def get(self, app_id: str) -> Application:
        """1 GetItem. Absent -> NotFound."""
        item = self._table.get(keys.app_metadata(app_id))
        if item is None:
            raise NotFound("application not found")
        return entity(Application, item)

    def list_applications(
        self, *, limit: int = 50, next_token: str | None = None
    ) -> Page[Application]:
        """Every application by name (admin): 1 Query on GSI3."""
        spec = QuerySpec(keys.APP_TYPE, index="GSI3")
        return page_of(Application, self._table.query(spec, limit=limit, next_token=next_token))

    def update(
        self, app_id: str, update: ApplicationUpdate, *, expected_version: int
    ) -> Application:
        """1 UpdateItem. Stale version -> Conflict; a config of another type -> ValidationError."""
        values = changes(update)
        condition = None
        if update.config is not None:
            condition = Attr("type").eq(update.config.type)
        if "name" in values:
            values["GSI3SK"] = values["name"]
        try:
            item = self._table.update(
                keys.app_metadata(app_id),
                set_values=values,
                expected_version=expected_version,
                condition=condition,
                what="application",
            )
        except ConditionFailed:
            raise ValidationError("config.type must match the application's type") from None
        return entity(Application, item)

    def delete(self, app_id: str) -> None:
        """The application and its grants: 1 DeleteItem + 1 Query on GSI1 + 1 BatchWriteItem
        per 25 grants. Absent -> NotFound."""
        self._table.delete(keys.app_metadata(app_id), must_exist=True, what="application")
        spec = QuerySpec(keys.app_grants(app_id), index="GSI1", projection=("PK", "SK"))
        grants = [keys.ItemKey.of(item) for item in self._table.query_all(spec)]
        self._table.batch_write(deletes=grants)

    def grant(self, group_id: str, app_id: str, *, granted_by: str) -> Grant:
        """Let a group use an application (idempotent): 1 GetItem + 1 TransactWriteItems that
        also checks the group exists."""
        app = self.get(app_id)
        now = self._now()
        grant = draft(
            Grant,
            now,
            group_id=group_id,
            app_id=app_id,
            app_name=app.name,
            app_type=app.type,
            granted_by=granted_by,
            granted_at=now,
        )
        item = attributes(
            grant, entity="GRANT", GSI1PK=keys.app_grants(app_id), GSI1SK=f"GROUP#{group_id}"
        )
        try:
            written = self._table.transact(
                [
                    TxPut(keys.grant(group_id, app_id), item, label="grant"),
                    TxCheck(keys.group_metadata(group_id), Attr("PK").exists(), label="group"),
                ]
            )
        except TransactionFailed:
            raise NotFound("group not found") from None
        return entity(Grant, written["grant"])

    def revoke(self, group_id: str, app_id: str) -> None:
        """1 DeleteItem. Not granted -> NotFound."""
        self._table.delete(keys.grant(group_id, app_id), must_exist=True, what="grant")

    def sync_grant_names(self, app_id: str) -> int:
        """Copy the application's current name onto every grant that shows another one.

        1 consistent GetItem + 1 Query on GSI1 per 1,000 grants + 1 UpdateItem per stale grant.
        An application gone meanwhile -> 0.
        """
        item = self._table.get(keys.app_metadata(app_id), consistent=True)
        if item is None:
            return 0
        name = str(item["name"])
        spec = QuerySpec(keys.app_grants(app_id), index="GSI1", projection=("groupId", "appName"))
        stale = [str(g["groupId"]) for g in self._table.query_all(spec) if g.get("appName") != name]
        for group_id in stale:
            try:
                self._table.update(
                    keys.grant(group_id, app_id), set_values={"appName": name}, what="grant"
                )
            except NotFound:
                continue  # revoked meanwhile
        return len(stale)

    def grants_of_group(self, group_id: str) -> list[Grant]:
        """The applications a group may use: 1 Query per 1,000 grants."""
        spec = QuerySpec(
            keys.group_partition(group_id), sort=SortCondition.begins_with(keys.APP_PREFIX)
        )
        return [entity(Grant, item) for item in self._table.query_all(spec)]

    def visible_to_groups(self, group_ids: Iterable[str]) -> list[Application]:
        """Active applications any of the groups may use, each once, by name.

        1 Query per group + 1 BatchGetItem per 100 distinct applications.
        """
        app_ids: dict[str, None] = {}
        for group_id in dict.fromkeys(group_ids):
            spec = QuerySpec(
                keys.group_partition(group_id),
                sort=SortCondition.begins_with(keys.APP_PREFIX),
                projection=("appId",),
            )
            for item in self._table.query_all(spec):
                app_ids[str(item["appId"])] = None
        items = self._table.batch_get([keys.app_metadata(a) for a in app_ids])
        apps = [entity(Application, item) for item in items]
        active = [a for a in apps if a.status is ApplicationStatus.ACTIVE]
        return sorted(active, key=lambda a: (a.name.lower(), a.app_id))

    def record_usage(self, app_id: str, day: date, increment: UsageIncrement) -> ApplicationUsage:
        """Add to a day's counters atomically (creates the day on first use): 1 UpdateItem."""
        counters = {k: v for k, v in increment.model_dump(mode="json").items() if v}
        item = self._table.update(
            keys.usage(app_id, day),
            add_values=counters,
            if_absent={
                "appId": app_id,
                "day": day.isoformat(),
                "entity": "APP_USAGE",
                "createdAt": self._now_text(),
            },
            must_exist=False,
            what="usage",
        )
        return entity(ApplicationUsage, item)

    def usage(self, app_id: str, first_day: date, last_day: date) -> list[ApplicationUsage]:
        """Daily counters in a date range, oldest first: 1 Query (up to 1,000 days)."""
        spec = QuerySpec(
            keys.usage(app_id, first_day).pk,
            sort=SortCondition.between(
                keys.usage(app_id, first_day).sk, keys.usage(app_id, last_day).sk
            ),
        )
        return [entity(ApplicationUsage, i) for i in self._table.query_all(spec)]
