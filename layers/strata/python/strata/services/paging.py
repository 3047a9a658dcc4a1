"""Pages over a list already in memory (the applications a caller's groups may use).

The token is the position after the last item returned, base64-encoded: it only ever addresses
the caller's own, freshly computed list, so it needs no signature.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import TypeVar

from pydantic import BaseModel

from strata.errors import ValidationError
from strata.models import Page

M = TypeVar("M", bound=BaseModel)

_PREFIX = "offset:"


def page_in_memory(
    model: type[M], items: Sequence[M], limit: int, next_token: str | None
) -> Page[M]:
    start = _decode(next_token) if next_token else 0
    end = start + limit
    token = _encode(end) if end < len(items) else None
    return Page[model](items=list(items[start:end]), next_token=token)  # type: ignore[valid-type]


def _encode(offset: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{offset}".encode()).decode().rstrip("=")


def _decode(token: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    offset = text.removeprefix(_PREFIX)
    if not text.startswith(_PREFIX) or not (offset.isascii() and offset.isdigit()):
        raise ValidationError("nextToken is not valid for this list")
    return int(offset)
