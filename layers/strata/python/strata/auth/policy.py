"""The authorization rules (owner or ADMIN), in one place; every service calls these.

- A user reads and updates their own profile, but never its role; ADMIN manages every user.
- Groups are readable by any signed-in user and managed by ADMIN.
- Applications are visible through the caller's groups and managed by ADMIN.
- Chat sessions, messages, voice sessions, documents, memories and notifications belong to their
  owner alone: they live under the owner's partition, so a caller can only ever address their
  own. ADMIN reads another user's data only through explicit admin routes.
"""

from __future__ import annotations

from collections.abc import Iterable

from strata.auth.caller import Caller
from strata.errors import PermissionDenied


def require_admin(caller: Caller, action: str) -> None:
    if not caller.is_admin:
        raise PermissionDenied(f"only administrators may {action}", details={"action": action})


def require_self_or_admin(caller: Caller, user_id: str, action: str) -> None:
    if caller.user_id != user_id and not caller.is_admin:
        raise PermissionDenied(
            f"only the user themself or an administrator may {action}",
            details={"action": action},
        )


def require_no_admin_fields(caller: Caller, fields: Iterable[str], admin_only: set[str]) -> None:
    """A non-admin may not set fields that only an administrator controls (role, status...)."""
    forbidden = sorted(set(fields) & admin_only)
    if forbidden and not caller.is_admin:
        raise PermissionDenied(
            "only administrators may change " + ", ".join(forbidden),
            details={"fields": forbidden},
        )


def can_see_application(caller: Caller, granted_group_ids: Iterable[str]) -> bool:
    """ADMIN sees every application; anyone else sees those granted to one of their groups."""
    return caller.is_admin or not set(granted_group_ids).isdisjoint(caller.groups)
