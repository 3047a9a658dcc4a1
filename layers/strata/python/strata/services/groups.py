"""Groups: readable by any signed-in user, managed by ADMIN, mirrored as Cognito groups.

The group id is the Cognito group name, so the ``cognito:groups`` claim names the groups a caller
belongs to. Every membership change is written to the table first and then to Cognito; both
writes are idempotent, so a retry after a partial failure converges.
"""

from __future__ import annotations

from strata.auth import Caller, require_admin
from strata.auth.directory import UserDirectory
from strata.errors import Conflict, NotFound, PermissionDenied
from strata.models import Group, GroupCreate, GroupMember, GroupRole, GroupUpdate, Page
from strata.services.users import with_version
from strata.store.groups import GroupRepository
from strata.store.users import UserRepository


class GroupService:
    def __init__(
        self, groups: GroupRepository, users: UserRepository, directory: UserDirectory
    ) -> None:
        self._groups = groups
        self._users = users
        self._directory = directory

    def list_groups(self, caller: Caller, limit: int, next_token: str | None) -> Page[Group]:
        return self._groups.list_groups(limit=limit, next_token=next_token)

    def get(self, caller: Caller, group_id: str) -> Group:
        return self._groups.get(group_id)

    def create(self, caller: Caller, data: GroupCreate) -> Group:
        """The group (its creator as owner) and the Cognito group of the same name."""
        require_admin(caller, "create groups")
        group = self._groups.create(data, owner_id=caller.user_id)
        self._directory.ensure_group(group.group_id, group.description or group.name)
        self._directory.add_to_group(caller.user_id, group.group_id)
        return group

    def update(
        self, caller: Caller, group_id: str, update: GroupUpdate, expected: int | None
    ) -> Group:
        require_admin(caller, "update groups")
        return with_version(
            expected,
            lambda: self._groups.get(group_id).version,
            lambda version: self._groups.update(group_id, update, expected_version=version),
        )

    def delete(self, caller: Caller, group_id: str) -> None:
        """The group with its memberships and grants, and the Cognito group."""
        require_admin(caller, "delete groups")
        self._groups.delete(group_id)
        self._directory.delete_group(group_id)

    def members(
        self, caller: Caller, group_id: str, limit: int, next_token: str | None
    ) -> Page[GroupMember]:
        """A group's members, for its own members and for administrators."""
        self._groups.get(group_id)
        if not caller.is_admin and group_id not in caller.groups:
            raise PermissionDenied("only members of the group may list its members")
        return self._groups.members(group_id, limit=limit, next_token=next_token)

    def put_member(
        self, caller: Caller, group_id: str, user_id: str, role: GroupRole
    ) -> GroupMember:
        """Add the user (or change their role) in the table, then in Cognito. Idempotent."""
        require_admin(caller, "manage group members")
        self._users.get(user_id)
        try:
            member = self._groups.add_member(group_id, user_id, role)
        except Conflict:
            current = self._groups.get_member(group_id, user_id)
            member = (
                current
                if current.role in (role, GroupRole.OWNER)
                else self._groups.set_member_role(group_id, user_id, role)
            )
        self._directory.add_to_group(user_id, group_id)
        return member

    def remove_member(self, caller: Caller, group_id: str, user_id: str) -> None:
        require_admin(caller, "manage group members")
        try:
            self._groups.remove_member(group_id, user_id)
        except NotFound:
            self._groups.get(group_id)
            raise
        self._directory.remove_from_group(user_id, group_id)
