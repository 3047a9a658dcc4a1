"""The authorization rules every service applies."""

from __future__ import annotations

import pytest

from strata.auth import (
    Caller,
    can_see_application,
    require_admin,
    require_no_admin_fields,
    require_self_or_admin,
)
from strata.errors import PermissionDenied

USER = Caller(user_id="u-1", groups=frozenset({"GENERAL"}))
OTHER = Caller(user_id="u-2", groups=frozenset({"DEVELOPERS"}))
ADMIN = Caller(user_id="a-1", groups=frozenset({"ADMIN"}))


def test_only_admins_pass_require_admin() -> None:
    # Given a user and an admin
    # When each asks for an admin action
    require_admin(ADMIN, "list users")
    with pytest.raises(PermissionDenied) as raised:
        require_admin(USER, "list users")
    # Then only the admin passes, and the error names the action
    assert raised.value.details == {"action": "list users"}


def test_self_or_admin() -> None:
    # Given a user addressing themself, another user, and an admin addressing anyone
    require_self_or_admin(USER, "u-1", "read the profile")
    require_self_or_admin(ADMIN, "u-1", "read the profile")
    # Then only another (non-admin) user is refused
    with pytest.raises(PermissionDenied):
        require_self_or_admin(OTHER, "u-1", "read the profile")


def test_admin_only_fields() -> None:
    # Given an update that touches the role
    fields = {"displayName", "role"}
    # Then an admin may send it and a user may not, and the error names the field
    require_no_admin_fields(ADMIN, fields, {"role", "isActive"})
    require_no_admin_fields(USER, {"displayName"}, {"role", "isActive"})
    with pytest.raises(PermissionDenied) as raised:
        require_no_admin_fields(USER, fields, {"role", "isActive"})
    assert raised.value.details == {"fields": ["role"]}


def test_applications_are_visible_through_groups() -> None:
    # Given an application granted to DEVELOPERS
    granted = ["DEVELOPERS"]
    # Then a developer and an admin see it, a GENERAL user does not
    assert can_see_application(OTHER, granted)
    assert can_see_application(ADMIN, granted)
    assert not can_see_application(USER, granted)
