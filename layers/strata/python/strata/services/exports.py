"""The data-subject export: every item a user owns, as ``GET /me/export`` serves it.

Operators export the same footprint with keys (so it can be imported again) through
``strata export jsonl --user SUB``; the API leaves the keys out.
"""

import json
from datetime import datetime
from typing import Any

from pydantic import Field

from strata.auth import Caller
from strata.clock import Clock
from strata.errors import ValidationError
from strata.models.base import StrataModel, UtcDateTime
from strata.store.user_data import UserDataRepository

# A Lambda response carries at most 6 MB; keep room for headers and the envelope.
MAX_EXPORT_BYTES = 5_000_000


class UserDataExport(StrataModel):
    """The caller's items grouped by entity type (``USER``, ``CHAT_SESSION``, ...)."""

    user_id: str
    exported_at: UtcDateTime
    total: int
    items: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)


class DataExportService:
    def __init__(self, user_data: UserDataRepository, clock: Clock) -> None:
        self._user_data = user_data
        self._clock = clock

    def export_me(self, caller: Caller) -> UserDataExport:
        """The reads of :meth:`UserDataRepository.export`. Larger than one response -> 400
        naming the size (an administrator exports it with the CLI)."""
        found = self._user_data.export(caller.user_id)
        size = len(json.dumps(found.items, default=str))
        if size > MAX_EXPORT_BYTES:
            raise ValidationError(
                "your data is larger than one response can carry; ask an administrator for "
                "an export (strata export jsonl --user)",
                details={"bytes": size, "limit": MAX_EXPORT_BYTES},
            )
        now: datetime = self._clock.now()
        return UserDataExport(
            user_id=caller.user_id, exported_at=now, total=found.total, items=found.items
        )
