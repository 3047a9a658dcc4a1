"""Platform figures for administrators, counted from the access patterns (never a Scan).

Each figure pages through its list (users and document statuses over their sharded indexes),
so the cost grows with the data: about one Query per 100 items per shard. Fine for an admin
dashboard refreshed by hand; a counter item maintained from the stream would make it O(1).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from pydantic import BaseModel

from strata.auth import Caller, require_admin
from strata.clock import Clock
from strata.models import DocumentStatus, Page
from strata.services.inputs import Stats
from strata.store.applications import ApplicationRepository
from strata.store.documents import DocumentRepository
from strata.store.groups import GroupRepository
from strata.store.users import UserRepository

PAGE = 100
RECENT = timedelta(days=1)

M = TypeVar("M", bound=BaseModel)


def count_pages(
    fetch: Callable[[str | None], Page[M]], keep: Callable[[M], bool] | None = None
) -> int:
    """Count the items of a paged list (those ``keep`` accepts, stopping at the first refused)."""
    total = 0
    token: str | None = None
    while True:
        page = fetch(token)
        for item in page.items:
            if keep is not None and not keep(item):
                return total
            total += 1
        token = page.next_token
        if token is None:
            return total


class StatsService:
    def __init__(
        self,
        users: UserRepository,
        groups: GroupRepository,
        applications: ApplicationRepository,
        documents: DocumentRepository,
        clock: Clock,
    ) -> None:
        self._users = users
        self._groups = groups
        self._apps = applications
        self._documents = documents
        self._clock = clock

    def collect(self, caller: Caller) -> Stats:
        require_admin(caller, "read platform figures")
        since = self._clock.now() - RECENT
        return Stats(
            users=count_pages(lambda t: self._users.list_users(limit=PAGE, next_token=t)),
            groups=count_pages(lambda t: self._groups.list_groups(limit=PAGE, next_token=t)),
            applications=count_pages(
                lambda t: self._apps.list_applications(limit=PAGE, next_token=t)
            ),
            documents_by_status={
                status.value: self._documents_in(status) for status in DocumentStatus
            },
            recent_logins=count_pages(
                lambda t: self._users.recent_logins(limit=PAGE, next_token=t),
                keep=lambda user: user.last_login_at is not None and user.last_login_at >= since,
            ),
        )

    def _documents_in(self, status: DocumentStatus) -> int:
        return count_pages(
            lambda t: self._documents.list_by_status(status, limit=PAGE, next_token=t)
        )
