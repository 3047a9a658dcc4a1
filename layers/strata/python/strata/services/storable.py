"""Refuse, before any write, free-form JSON that DynamoDB cannot store.

Bodies such as a chat session's ``context``, a message's ``metadata``, a memory's ``content`` or
an application's ``settings`` are arbitrary JSON. JSON numbers are unbounded, but a DynamoDB
number holds at most 38 digits with a magnitude between 1E-130 and 9.99...E+125, a document
nests at most 32 levels, every name in a map has at least one character, and every string and
name is UTF-8 (JSON's ``\ud800`` escapes can spell a lone surrogate, which has no UTF-8 form; a
table client then fails, or an emulator stores replacement characters). Without this check
such a body gets as far as the table client and fails there as a server error; with it the caller
gets a 400 naming the field.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from strata.errors import ValidationError

MAX_DIGITS = 38
SMALLEST_MAGNITUDE = Decimal("1E-130")
LARGEST_MAGNITUDE = Decimal("9.9999999999999999999999999999999999999E+125")
MAX_NESTING = 32  # levels of maps and lists, the item itself being the first


def ensure_storable(data: BaseModel | Mapping[str, Any]) -> None:
    """Raise :class:`ValidationError` (400) naming every value DynamoDB would refuse."""
    values = data.model_dump(mode="python", by_alias=True) if isinstance(data, BaseModel) else data
    found: list[tuple[tuple[str, ...], str]] = []
    _collect(values, (), 0, found)
    if found:
        problems = [
            {"field": ".".join(path), "message": message, "type": "value_error"}
            for path, message in found
        ]
        summary = "; ".join(f"{p['field']}: {p['message']}" for p in problems[:5])
        raise ValidationError(f"cannot store this request: {summary}", details={"fields": problems})


def _fine(value: Any) -> bool:
    """Whether ``value`` is one of the values that are always storable (an ASCII string, a
    boolean, null): checked without a call per value of a large body."""
    return (
        value is None or value is True or value is False or (type(value) is str and value.isascii())
    )


def _collect(
    value: Any, path: tuple[str, ...], depth: int, found: list[tuple[tuple[str, ...], str]]
) -> None:
    """Append to ``found`` the problems of ``value`` at ``path``, depth first, in order."""
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, str):
        if not _is_utf8(value):
            found.append((path, "is not valid Unicode text (a lone surrogate)"))
        return
    if isinstance(value, int | float | Decimal):
        message = _number_problem(value)
        if message:
            found.append((path, message))
        return
    if isinstance(value, Mapping | list | tuple):
        if depth >= MAX_NESTING:
            found.append((path, f"nests deeper than {MAX_NESTING} levels"))
            return
        if isinstance(value, Mapping) and "" in value:
            found.append((path, "names in an object must not be empty"))
        if isinstance(value, Mapping) and not all(_is_utf8(str(key)) for key in value):
            found.append((path, "names in an object must be valid Unicode text (a lone surrogate)"))
        items = value.items() if isinstance(value, Mapping) else enumerate(value)
        for key, item in items:
            if not _fine(item):
                _collect(item, (*path, _printable(str(key))), depth + 1, found)


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _printable(name: str) -> str:
    """A map name as the error can quote it: a lone surrogate becomes its escape."""
    return name.encode("utf-8", "backslashreplace").decode("utf-8")


def _number_problem(value: int | float | Decimal) -> str | None:
    if isinstance(value, float) and not math.isfinite(value):
        return "must be a finite number"
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if number == 0:
        return None
    magnitude = abs(number)
    if magnitude > LARGEST_MAGNITUDE or magnitude < SMALLEST_MAGNITUDE:
        return "must lie between 1E-130 and 9.9E+125 in magnitude (or be 0)"
    if isinstance(value, int) and len(str(abs(value))) > MAX_DIGITS:
        return f"has more than {MAX_DIGITS} digits"
    return None
