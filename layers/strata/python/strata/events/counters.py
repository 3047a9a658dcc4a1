"""Counters from the stream: the platform's stats item and daily usage of applications.

Stats (one item, ``SYSTEM``/``STATS``; see docs/DATA_MODEL.md): ``users``, ``groups``,
``applications``, ``sessions``, ``messages``, ``memories``, ``documents#<status>`` and
``logins#<yyyy-mm-dd>`` (users who signed in that UTC day, each counted once a day).

Usage: a chat message whose metadata names an existing application (``appId``) adds one message
and its tokens (``tokenUsage``) to that application's day and to its author's day.

Each record's additions are applied once (:class:`~strata.store.counters.CounterRepository`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from strata.errors import NotFound
from strata.events.changes import Change
from strata.ids import is_valid_id
from strata.store import keys
from strata.store.applications import ApplicationRepository
from strata.store.counters import CounterDelta, CounterRepository, UsageDelta

COUNTED = {
    "USER": "users",
    "GROUP": "groups",
    "APP": "applications",
    "CHAT_SESSION": "sessions",
    "CHAT_MESSAGE": "messages",
    "MEMORY": "memories",
}
APP_ID_KEYS = ("appId", "applicationId")


def documents_counter(status: str) -> str:
    return f"documents#{status}"


def logins_counter(day: date) -> str:
    return f"logins#{day.isoformat()}"


class Counters:
    def __init__(self, counters: CounterRepository, applications: ApplicationRepository) -> None:
        self._counters = counters
        self._apps = applications

    def __call__(self, change: Change) -> None:
        stats = stats_delta(change)
        usage = self._usage(change)
        delta = CounterDelta(stats=stats, usage=usage)
        if not delta.is_empty():
            self._counters.apply(change.derived_id("count"), delta)

    def _usage(self, change: Change) -> tuple[UsageDelta, ...]:
        if change.entity != "CHAT_MESSAGE" or change.action != "insert" or change.new is None:
            return ()
        app_id = named_application(change.new)
        if app_id is None or not self._exists(app_id):
            return ()
        day = _day(change.new.get("createdAt")) or change.at.date()
        user_id = str(change.new["userId"])
        tokens = change.new.get("tokenUsage") or {}
        counters = {
            "messageCount": 1,
            "inputTokens": _count(tokens.get("inputTokens")),
            "outputTokens": _count(tokens.get("outputTokens")),
        }
        counters = {name: value for name, value in counters.items() if value}
        return (
            UsageDelta(
                keys.usage(app_id, day),
                {"entity": "APP_USAGE", "appId": app_id, "day": day.isoformat()},
                counters,
            ),
            UsageDelta(
                keys.user_usage(user_id, day),
                {"entity": "USER_USAGE", "userId": user_id, "day": day.isoformat()},
                counters,
            ),
        )

    def _exists(self, app_id: str) -> bool:
        try:
            self._apps.get(app_id)
        except NotFound:
            return False
        return True


def stats_delta(change: Change) -> dict[str, int]:
    """What one change adds to the stats item (may be nothing)."""
    sign = {"insert": 1, "remove": -1}.get(change.action, 0)
    delta: dict[str, int] = {}
    counter = COUNTED.get(change.entity)
    if counter is not None and sign:
        delta[counter] = sign
    if change.entity == "DOCUMENT":
        before, after = change.value("status", old=True), change.value("status")
        if before != after:
            if isinstance(before, str):
                delta[documents_counter(before)] = -1
            if isinstance(after, str):
                delta[documents_counter(after)] = 1
    if change.entity == "USER" and change.action != "remove":
        before_day = _day(change.value("lastLoginAt", old=True))
        after_day = _day(change.value("lastLoginAt"))
        if after_day is not None and after_day != before_day:
            delta[logins_counter(after_day)] = 1
    return delta


def named_application(message: dict[str, Any]) -> str | None:
    metadata = message.get("metadata")
    if not isinstance(metadata, dict):
        return None
    for name in APP_ID_KEYS:
        value = metadata.get(name)
        if isinstance(value, str) and is_valid_id(value):
            return value
    return None


def _day(stamp: Any) -> date | None:
    if not isinstance(stamp, str):
        return None
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0
