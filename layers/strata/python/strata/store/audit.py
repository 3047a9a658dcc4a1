"""Audit entries: appended, read per entity (GSI1) or per day across shards, kept by TTL."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from strata.clock import Clock, epoch_seconds, format_timestamp
from strata.errors import Conflict
from strata.ids import new_id
from strata.models.audit import AuditEntry, AuditRecord
from strata.models.base import Page
from strata.store import keys
from strata.store.base import Repository, attributes, draft, entity, page_of
from strata.store.requests import QuerySpec
from strata.store.table import Table

DEFAULT_RETENTION_DAYS = 365


class AuditRepository(Repository):
    def __init__(
        self, table: Table, clock: Clock, *, retention_days: int = DEFAULT_RETENTION_DAYS
    ) -> None:
        super().__init__(table, clock)
        self._retention = timedelta(days=retention_days)

    def append(self, record: AuditRecord) -> AuditEntry:
        """1 PutItem (conditional on the fresh id)."""
        now = self._now()
        return self._write(record, new_id(now), now)

    def record_once(self, record: AuditRecord, *, audit_id: str, at: datetime) -> bool:
        """The entry ``audit_id`` at ``at``, unless it exists: 1 PutItem (conditional).

        The stream function derives ``audit_id`` from the stream record, so a replayed record
        writes nothing. Returns whether the entry was new.
        """
        try:
            self._write(record, audit_id, at)
        except Conflict:
            return False
        return True

    def _write(self, record: AuditRecord, audit_id: str, now: datetime) -> AuditEntry:
        expires = now + self._retention
        entry = draft(
            AuditEntry,
            now,
            audit_id=audit_id,
            timestamp=now,
            expires_at=expires,
            **record.model_dump(),
        )
        stamp = format_timestamp(now)
        item = self._table.create(
            keys.ItemKey(keys.audit_partition(now.date(), audit_id), f"{stamp}#{audit_id}"),
            attributes(
                entry,
                entity="AUDIT",
                ttl=epoch_seconds(expires),
                GSI1PK=keys.audit_entity(record.entity_type, record.entity_id),
                GSI1SK=f"{stamp}#{audit_id}",
            ),
            what="audit entry",
        )
        return entity(AuditEntry, item)

    def for_entity(
        self,
        entity_type: str,
        entity_id: str,
        *,
        limit: int = 50,
        next_token: str | None = None,
    ) -> Page[AuditEntry]:
        """One entity's history, newest first: 1 Query on GSI1."""
        spec = QuerySpec(keys.audit_entity(entity_type, entity_id), index="GSI1", forward=False)
        return page_of(AuditEntry, self._table.query(spec, limit=limit, next_token=next_token))

    def for_day(
        self, day: date, *, limit: int = 100, next_token: str | None = None
    ) -> Page[AuditEntry]:
        """Everything on one UTC day, in time order: 1 Query per shard (AUDIT_SHARDS)."""
        specs = [QuerySpec(partition) for partition in keys.audit_partitions(day)]
        page = self._table.query_merged(specs, limit=limit, next_token=next_token)
        return page_of(AuditEntry, page)
