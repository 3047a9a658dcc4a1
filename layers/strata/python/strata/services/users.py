"""Users: a user reads and updates their own profile (never its role); ADMIN manages everyone.

An administrator creates users in Cognito (which e-mails the invitation) and the profile in the
table, so the profile exists before the first sign-in; the post-confirmation trigger's upsert
then finds it and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from strata.auth import Caller, require_admin, require_no_admin_fields, require_self_or_admin
from strata.auth.directory import UserDirectory
from strata.errors import StrataError
from strata.models import AdminUserUpdate, CognitoClaims, Page, User, UserRole, UserUpdate
from strata.services.access import CallerAccess
from strata.services.erasure import UserErasure
from strata.services.inputs import UserCreate
from strata.store.groups import GroupRepository
from strata.store.users import UserRepository

ADMIN_ONLY_FIELDS = {"role", "is_active"}

T = TypeVar("T")


def with_version(expected: int | None, current: Callable[[], int], write: Callable[[int], T]) -> T:
    """Run ``write`` against the version the client named (``If-Match``), or the current one."""
    return write(expected if expected is not None else current())


class UserService:
    def __init__(
        self,
        users: UserRepository,
        groups: GroupRepository,
        directory: UserDirectory,
        erasure: UserErasure,
        access: CallerAccess,
    ) -> None:
        self._users = users
        self._groups = groups
        self._directory = directory
        self._erasure = erasure
        self._access = access

    def me(self, caller: Caller) -> User:
        """The caller's profile (1 GetItem, which also admits them: no other read). Made from
        their claims if the sign-up trigger has not run yet, for an account the directory has."""
        return self._access.profile(caller)

    def update_me(self, caller: Caller, update: UserUpdate, expected: int | None) -> User:
        return self._update(caller.user_id, update, expected)

    def list_users(self, caller: Caller, limit: int, next_token: str | None) -> Page[User]:
        require_admin(caller, "list users")
        return self._users.list_users(limit=limit, next_token=next_token)

    def create(self, caller: Caller, data: UserCreate) -> User:
        """Cognito account, profile, then memberships; undoes the account if the profile fails."""
        require_admin(caller, "create users")
        for group_id in data.groups:
            self._groups.get(group_id)
        name = " ".join(part for part in (data.first_name, data.last_name) if part) or None
        user_id = self._directory.create_user(data.email, name=name)
        groups = sorted({*data.groups, *(["ADMIN"] if data.role is UserRole.ADMIN else [])})
        try:
            user = self._users.upsert_from_claims(
                CognitoClaims.model_validate(
                    {
                        "sub": user_id,
                        "email": data.email,
                        "given_name": data.first_name,
                        "family_name": data.last_name,
                        "email_verified": True,
                        "cognito:groups": groups,
                    }
                )
            )
        except StrataError:
            self._directory.delete_user(user_id)
            raise
        if data.role is UserRole.ADMIN:
            self._directory.ensure_group("ADMIN")
            self._directory.add_to_group(user_id, "ADMIN")
        for group_id in data.groups:
            self._groups.add_member(group_id, user_id)
            self._directory.add_to_group(user_id, group_id)
        return user

    def get(self, caller: Caller, user_id: str) -> User:
        require_self_or_admin(caller, user_id, "read this profile")
        return self._users.get(user_id)

    def update(
        self, caller: Caller, user_id: str, update: AdminUserUpdate, expected: int | None
    ) -> User:
        require_self_or_admin(caller, user_id, "update this profile")
        require_no_admin_fields(caller, update.model_fields_set, ADMIN_ONLY_FIELDS)
        user = self._update(user_id, update, expected)
        self._access.observe(user)
        if "role" in update.model_fields_set and update.role is not None:
            if update.role is UserRole.ADMIN:
                self._directory.ensure_group("ADMIN")
                self._directory.add_to_group(user_id, "ADMIN")
            else:
                self._directory.remove_from_group(user_id, "ADMIN")
        if "is_active" in update.model_fields_set and update.is_active is not None:
            # The profile first (the API refuses the caller from now on), then the directory:
            # no new sign-in, and no refresh of the tokens already issued. Repeatable.
            if update.is_active:
                self._directory.enable_user(user_id)
            else:
                self._directory.disable_user(user_id)
                self._directory.sign_out_everywhere(user_id)
        return user

    def delete(self, caller: Caller, user_id: str) -> None:
        """Erase the user: files, vectors, table items, then the Cognito account (repeatable)."""
        require_admin(caller, "delete users")
        self._access.forget(user_id)
        self._erasure.erase(user_id)

    def _update(self, user_id: str, update: UserUpdate, expected: int | None) -> User:
        return with_version(
            expected,
            lambda: self._users.get(user_id).version,
            lambda version: self._users.update(user_id, update, expected_version=version),
        )
