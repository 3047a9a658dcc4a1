"""What the streams function records, read back: the audit trail (admins) and usage of
applications per day (admins and the groups granted an application; each user their own)."""

from __future__ import annotations

from datetime import date, timedelta

from strata.auth import Caller, require_admin
from strata.clock import Clock
from strata.errors import ValidationError
from strata.models import AuditEntry, Page
from strata.services.applications import ApplicationService
from strata.services.inputs import ApplicationUsageReport, UserUsageReport
from strata.store.applications import ApplicationRepository
from strata.store.audit import AuditRepository
from strata.store.counters import CounterRepository

DEFAULT_DAYS = 30
MAX_DAYS = 366


class AuditService:
    def __init__(self, audit: AuditRepository, clock: Clock) -> None:
        self._audit = audit
        self._clock = clock

    def read(
        self,
        caller: Caller,
        *,
        entity_type: str | None,
        entity_id: str | None,
        day: date | None,
        limit: int,
        next_token: str | None,
    ) -> Page[AuditEntry]:
        """One entity's history (newest first, 1 Query) or one UTC day's entries (in time order,
        1 Query per shard; today's when nothing is asked for). Not both."""
        require_admin(caller, "read the audit trail")
        if day is None and entity_type is None and entity_id is None:
            day = self._clock.now().date()
        if day is not None and entity_type is None and entity_id is None:
            return self._audit.for_day(day, limit=limit, next_token=next_token)
        if day is None and entity_type and entity_id:
            return self._audit.for_entity(
                entity_type.upper(), entity_id, limit=limit, next_token=next_token
            )
        raise ValidationError(
            "ask for entity and id together, or for a day",
            details={"fields": [{"field": "entity", "message": "entity and id, or day"}]},
        )


class UsageService:
    def __init__(
        self,
        applications: ApplicationService,
        app_repository: ApplicationRepository,
        counters: CounterRepository,
        clock: Clock,
    ) -> None:
        self._applications = applications
        self._apps = app_repository
        self._counters = counters
        self._clock = clock

    def application(
        self, caller: Caller, app_id: str, first: date | None, last: date | None
    ) -> ApplicationUsageReport:
        """An application's days, for admins and members of a group granted it (anyone else:
        404, as for the application itself)."""
        first_day, last_day = self._range(first, last)
        self._applications.get(caller, app_id)
        days = self._apps.usage(app_id, first_day, last_day)
        return ApplicationUsageReport(
            app_id=app_id, first_day=first_day, last_day=last_day, days=days
        )

    def mine(self, caller: Caller, first: date | None, last: date | None) -> UserUsageReport:
        first_day, last_day = self._range(first, last)
        days = self._counters.user_usage(caller.user_id, first_day, last_day)
        return UserUsageReport(first_day=first_day, last_day=last_day, days=days)

    def _range(self, first: date | None, last: date | None) -> tuple[date, date]:
        """``from``..``to`` inclusive; by default the last 30 days up to today (UTC)."""
        last_day = last or self._clock.now().date()
        first_day = first or last_day - timedelta(days=DEFAULT_DAYS - 1)
        if first_day > last_day or (last_day - first_day).days >= MAX_DAYS:
            raise ValidationError(
                f"from must not be after to, and the range at most {MAX_DAYS} days",
                details={"fields": [{"field": "from", "message": "invalid date range"}]},
            )
        return first_day, last_day
