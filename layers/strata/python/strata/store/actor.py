"""Who is writing: the API sets the signed-in caller for the length of a request, and every write
the table makes meanwhile records it as ``updatedBy``.

The stream function reads ``updatedBy`` from a record's new image to name the actor of an audit
entry. A write made without an actor (ingestion, the stream function itself, scheduled jobs,
Cognito triggers) removes ``updatedBy``, so an item never names an earlier writer as the author
of a later, automatic change.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from contextvars import ContextVar

UPDATED_BY = "updatedBy"

_actor: ContextVar[str | None] = ContextVar("strata_actor", default=None)


def current_actor() -> str | None:
    """The user id writes are made for now, or None for an automatic write."""
    return _actor.get()


def set_actor(user_id: str | None) -> None:
    """Make ``user_id`` the author of every write from here on (None: automatic writes)."""
    _actor.set(user_id)


class _Acting:
    """The block of :func:`acting_as` (a class: the api function opens one per request)."""

    __slots__ = ("_token", "_user_id")

    def __init__(self, user_id: str | None) -> None:
        self._user_id = user_id

    def __enter__(self) -> None:
        self._token = _actor.set(self._user_id)

    def __exit__(self, *_: object) -> None:
        _actor.reset(self._token)


def acting_as(user_id: str | None) -> AbstractContextManager[None]:
    """Writes inside the block are made for ``user_id``; the previous actor is restored after."""
    return _Acting(user_id)


__all__ = ["UPDATED_BY", "acting_as", "current_actor", "set_actor"]
