"""Audit: every insert, change and removal of an audited entity -> one audit entry.

The entry names the actor (``updatedBy`` of the new image: the API records the caller on every
write; none for automatic writes and removals), the entity type and id, the action, the names of
the attributes that changed and the time of the write. Values are copied only for a short list
of attributes that are neither personal nor content (status, role, type, names of groups and
applications); every other change is named, never copied. The entry's id is derived from the
stream record, so a replayed record writes nothing new.
"""

from __future__ import annotations

from typing import Any

from strata.events.changes import STAMPS, Change
from strata.models.audit import AuditRecord
from strata.store.audit import AuditRepository

# entity -> (audit entity type, how to name the audited entity, context attributes to keep)
AUDITED: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "USER": ("USER", "userId", ()),
    "GROUP": ("GROUP", "groupId", ()),
    "GROUP_MEMBER": ("GROUP_MEMBER", "groupId", ("userId",)),
    "APP": ("APP", "appId", ()),
    "GRANT": ("GRANT", "appId", ("groupId",)),
    "DOCUMENT": ("DOCUMENT", "documentId", ("userId",)),
    "MEMORY": ("MEMORY", "memoryId", ("userId",)),
    "CHAT_SESSION": ("CHAT_SESSION", "sessionId", ("userId",)),
}

# Bookkeeping the platform itself keeps: a change of these alone is not audited.
BOOKKEEPING = STAMPS | frozenset(
    {
        "PK",
        "SK",
        "entity",
        "createdAt",
        "ttl",
        "GSI1PK",
        "GSI1SK",
        "GSI2PK",
        "GSI2SK",
        "GSI3PK",
        "GSI3SK",
        "lastLoginAt",
        "loginCount",
        "messageCount",
        "lastMessageAt",
        "stats",
        "processingStatus",
    }
)

# Values safe to copy into the audit trail: neither personal data nor user content.
COPIED = frozenset(
    {"status", "role", "type", "name", "groupName", "appName", "ownerId", "fileType"}
)
_VERBS = {"insert": "created", "modify": "updated", "remove": "deleted"}


class AuditReaction:
    def __init__(self, audit: AuditRepository) -> None:
        self._audit = audit

    def __call__(self, change: Change) -> None:
        entry = audit_record(change)
        if entry is not None:
            self._audit.record_once(entry, audit_id=change.derived_id("audit"), at=change.at)


def audit_record(change: Change) -> AuditRecord | None:
    """The audit entry a change makes, or None (not audited, or bookkeeping only)."""
    spec = AUDITED.get(change.entity)
    if spec is None:
        return None
    entity_type, id_attribute, context = spec
    changed = [name for name in change.changed() if name.split(".", 1)[0] not in BOOKKEEPING]
    if change.action == "modify" and not changed:
        return None
    image = change.image
    details: dict[str, Any] = {"changed": changed}
    values = {
        name: {"old": change.value(name, old=True), "new": change.value(name)}
        for name in changed
        if name in COPIED
    }
    if values:
        details["values"] = values
    for name in context:
        if image.get(name) is not None:
            details[name] = image[name]
    if change.by_ttl:
        details["expired"] = True
    return AuditRecord(
        actor_id=change.actor,
        action=f"{entity_type.lower()}.{_VERBS[change.action]}",
        entity_type=entity_type,
        entity_id=str(image[id_attribute]),
        details=details,
    )
