"""ClientError -> strata.errors, in one place. botocore has already retried by then."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from strata.errors import (
    Conflict,
    InternalError,
    StrataError,
    Throttled,
    Unavailable,
    ValidationError,
)

THROTTLING_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "LimitExceededException",
    }
)


class ConditionFailed(Conflict):
    """A write's condition failed; ``current`` is the item as it was (None if absent)."""

    def __init__(self, message: str, *, current: dict[str, Any] | None) -> None:
        details = {"currentVersion": current.get("version")} if current else {}
        super().__init__(message, details=details)
        self.current = current


def error_code(exc: ClientError) -> str:
    code: str = exc.response.get("Error", {}).get("Code", "")
    return code


def map_client_error(exc: Exception, operation: str) -> StrataError:
    """The Strata error a failed DynamoDB call stands for (conditional failures excluded)."""
    if isinstance(exc, ClientError):
        code = error_code(exc)
        message = exc.response.get("Error", {}).get("Message", "")
        details: dict[str, Any] = {"operation": operation, "code": code}
        if code in THROTTLING_CODES:
            return Throttled("the data store is busy; retry shortly", details=details)
        if code == "ValidationException" and "size" in message.lower():
            return ValidationError("the item is larger than DynamoDB allows", details=details)
        if code == "ValidationException":
            # Any other invalid request is one Strata built: a bug, not a reason to retry.
            return InternalError(
                f"the data store refused a request Strata built ({message})", details=details
            )
        return Unavailable(f"the data store failed ({code})", details=details)
    if isinstance(exc, BotoCoreError):
        return Unavailable(
            "the data store could not be reached",
            details={"operation": operation, "code": type(exc).__name__},
        )
    raise TypeError(f"not a DynamoDB client failure: {exc!r}")
