"""Applications: visible through the caller's groups, managed by ADMIN.

Visibility uses the groups in the caller's verified claims (Cognito groups are kept in step with
memberships by :class:`~strata.services.groups.GroupService`), so it costs no membership read.
"""

from __future__ import annotations

from strata.auth import Caller, require_admin
from strata.errors import NotFound
from strata.models import Application, ApplicationCreate, ApplicationUpdate, Grant, Page
from strata.services.paging import page_in_memory
from strata.services.storable import ensure_storable
from strata.services.users import with_version
from strata.store.applications import ApplicationRepository
from strata.store.groups import GroupRepository


class ApplicationService:
    def __init__(self, applications: ApplicationRepository, groups: GroupRepository) -> None:
        self._apps = applications
        self._groups = groups

    def list_applications(
        self, caller: Caller, limit: int, next_token: str | None
    ) -> Page[Application]:
        """Admins page through every application; others through the active ones they may use."""
        if caller.is_admin:
            return self._apps.list_applications(limit=limit, next_token=next_token)
        visible = self._apps.visible_to_groups(sorted(caller.groups))
        return page_in_memory(Application, visible, limit, next_token)

    def get(self, caller: Caller, app_id: str) -> Application:
        """An application the caller may see; one they may not is indistinguishable from none."""
        if caller.is_admin:
            return self._apps.get(app_id)
        for app in self._apps.visible_to_groups(sorted(caller.groups)):
            if app.app_id == app_id:
                return app
        raise NotFound("application not found")

    def create(self, caller: Caller, data: ApplicationCreate) -> Application:
        require_admin(caller, "register applications")
        ensure_storable(data)
        return self._apps.create(data, created_by=caller.user_id)

    def update(
        self, caller: Caller, app_id: str, update: ApplicationUpdate, expected: int | None
    ) -> Application:
        require_admin(caller, "update applications")
        ensure_storable(update)
        return with_version(
            expected,
            lambda: self._apps.get(app_id).version,
            lambda version: self._apps.update(app_id, update, expected_version=version),
        )

    def delete(self, caller: Caller, app_id: str) -> None:
        require_admin(caller, "delete applications")
        self._apps.delete(app_id)

    def grant(self, caller: Caller, app_id: str, group_id: str) -> Grant:
        require_admin(caller, "grant applications")
        return self._apps.grant(group_id, app_id, granted_by=caller.user_id)

    def revoke(self, caller: Caller, app_id: str, group_id: str) -> None:
        require_admin(caller, "revoke applications")
        self._apps.revoke(group_id, app_id)
