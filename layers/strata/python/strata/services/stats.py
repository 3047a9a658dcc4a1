"""Platform figures for administrators: one GetItem of the stats item the stream keeps.

The streams function counts every insert and removal (and every document status change, and
each user's first sign-in of a UTC day) into ``SYSTEM``/``STATS`` with atomic updates
(:mod:`strata.events.counters`), so the figures cost the same with ten users or ten million.
They trail the table by the stream's delay (usually well under a second).
"""

from __future__ import annotations

from strata.auth import Caller, require_admin
from strata.clock import Clock
from strata.events.counters import documents_counter, logins_counter
from strata.models import DocumentStatus
from strata.services.inputs import Stats
from strata.store.counters import CounterRepository


class StatsService:
    def __init__(self, counters: CounterRepository, clock: Clock) -> None:
        self._counters = counters
        self._clock = clock

    def collect(self, caller: Caller) -> Stats:
        """1 GetItem."""
        require_admin(caller, "read platform figures")
        counts = self._counters.stats()
        today = self._clock.now().date()
        return Stats(
            users=counts.get("users", 0),
            groups=counts.get("groups", 0),
            applications=counts.get("applications", 0),
            sessions=counts.get("sessions", 0),
            messages=counts.get("messages", 0),
            memories=counts.get("memories", 0),
            documents_by_status={
                status.value: counts.get(documents_counter(status.value), 0)
                for status in DocumentStatus
            },
            recent_logins=counts.get(logins_counter(today), 0),
        )
