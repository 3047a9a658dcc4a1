"""Identifiers: ULIDs (time-ordered, 26 characters) for everything Strata creates.

ULIDs sort by creation time, which is what a sort key of messages or notifications needs. The
generator is monotonic within a process, so two ids made in the same millisecond still sort in
the order they were made.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import datetime

from ulid import ULID, ULIDGenerator

# Ids become parts of keys separated by '#': they may never contain one.
# ID_PATTERN is for pydantic, whose (Rust) regex reads '$' as the end of the text. Python's '$'
# also matches before a trailing newline, so is_valid_id full-matches the body instead.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$"
_ID_BODY = r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}"
_ID = re.compile(_ID_BODY)
_ULID = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")

_generator = ULIDGenerator()


def new_id(at: datetime | None = None) -> str:
    """A new ULID string; ``at`` sets its time part (defaults to now)."""
    return str(_generator.generate(at))


def reset_generator() -> None:
    """Forget the generator's last millisecond and random part (after a SnapStart restore, every
    resumed environment would otherwise continue from the same state)."""
    global _generator  # noqa: PLW0603 - the module's one generator, replaced whole
    _generator = ULIDGenerator()


def derived_id(at: datetime, seed: str) -> str:
    """A ULID whose time part is ``at`` and whose random part is derived from ``seed``.

    The same seed always gives the same id, so a write keyed by it is idempotent (the stream
    function names audit entries and notifications after the stream record they come from).
    """
    millis = int(at.timestamp() * 1000)
    entropy = hashlib.sha256(seed.encode()).digest()[:10]
    return str(ULID.from_bytes(millis.to_bytes(6, "big") + entropy))


def new_uuid() -> str:
    """A random UUID4 string, for ids that must not reveal their creation time."""
    return str(uuid.uuid4())


def is_valid_id(value: str) -> bool:
    """Whether ``value`` can be used as an id inside a key (no separators, bounded length)."""
    return bool(_ID.fullmatch(value))


def is_ulid(value: str) -> bool:
    return bool(_ULID.fullmatch(value))


def ulid_time(value: str) -> datetime:
    """The creation time encoded in a ULID string."""
    return ULID.from_str(value).datetime


__all__ = [
    "ID_PATTERN",
    "derived_id",
    "is_ulid",
    "is_valid_id",
    "new_id",
    "new_uuid",
    "reset_generator",
    "ulid_time",
]
