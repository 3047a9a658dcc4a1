"""Denormalized names: a group or application renamed -> its memberships and grants show the new
name (each copy is set from the current item, so late or replayed records are harmless)."""

from __future__ import annotations

from strata.events.changes import Change
from strata.store.applications import ApplicationRepository
from strata.store.groups import GroupRepository


class DenormalizedNames:
    def __init__(self, groups: GroupRepository, applications: ApplicationRepository) -> None:
        self._groups = groups
        self._apps = applications

    def __call__(self, change: Change) -> None:
        if change.action != "modify" or not change.touches(("name",)):
            return
        if change.entity == "GROUP":
            self._groups.sync_member_names(str(change.image["groupId"]))
        elif change.entity == "APP":
            self._apps.sync_grant_names(str(change.image["appId"]))
