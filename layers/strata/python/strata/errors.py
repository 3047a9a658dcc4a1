"""The typed errors of Strata. Services raise them; handlers map them to HTTP once.

Each error carries a stable ``type`` (the JSON error type clients switch on), a human-readable
message and optional structured ``details`` (field errors, current version, ...).
"""

from __future__ import annotations

from typing import Any


class StrataError(Exception):
    """Base of every error Strata raises on purpose."""

    type: str = "Error"
    status_code: int = 500

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details or {}

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "message": self.message, "details": self.details}


class ValidationError(StrataError):
    """The request is malformed or violates a rule of the data (400)."""

    type = "ValidationError"
    status_code = 400


class Unauthorized(StrataError):
    """The request carries no verified identity (401)."""

    type = "Unauthorized"
    status_code = 401


class PermissionDenied(StrataError):
    """The caller may not do this (403)."""

    type = "PermissionDenied"
    status_code = 403


class NotFound(StrataError):
    """The addressed item does not exist, or is not the caller's to see (404)."""

    type = "NotFound"
    status_code = 404


class Conflict(StrataError):
    """The write lost a race or would break uniqueness (409).

    ``details`` may hold ``currentVersion`` for a stale optimistic-locking write.
    """

    type = "Conflict"
    status_code = 409


class PayloadTooLarge(StrataError):
    """The request body is larger than the API accepts (413)."""

    type = "PayloadTooLarge"
    status_code = 413


class Throttled(StrataError):
    """A dependency kept throttling after our retries (429)."""

    type = "Throttled"
    status_code = 429


class Unavailable(StrataError):
    """A dependency failed or timed out; nothing was lost, try again (503)."""

    type = "Unavailable"
    status_code = 503


class InternalError(StrataError):
    """A dependency refused a request Strata built wrongly (our bug): 500, retrying won't help."""

    type = "InternalError"
    status_code = 500


__all__ = [
    "Conflict",
    "InternalError",
    "NotFound",
    "PayloadTooLarge",
    "PermissionDenied",
    "StrataError",
    "Throttled",
    "Unauthorized",
    "Unavailable",
    "ValidationError",
]
