"""Audit entries: who did what to which entity, kept for a retention period."""

from typing import Annotated, Any

from pydantic import Field, StringConstraints

from strata.models.base import Entity, Identifier, StrataModel, UtcDateTime

Action = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.:-]{0,63}$")]
EntityType = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z_]{0,31}$")]


class AuditEntry(Entity):
    audit_id: Identifier
    timestamp: UtcDateTime
    actor_id: Identifier | None = None
    action: Action
    entity_type: EntityType
    entity_id: Identifier
    details: dict[str, Any] = Field(default_factory=dict)
    request_id: Annotated[str, StringConstraints(max_length=128)] | None = None
    ip_address: Annotated[str, StringConstraints(max_length=45)] | None = None
    expires_at: UtcDateTime | None = None


class AuditRecord(StrataModel):
    """What a caller records; the repository adds the id, time and retention."""

    actor_id: Identifier | None = None
    action: Action
    entity_type: EntityType
    entity_id: Identifier
    details: dict[str, Any] = Field(default_factory=dict)
    request_id: Annotated[str, StringConstraints(max_length=128)] | None = None
    ip_address: Annotated[str, StringConstraints(max_length=45)] | None = None


__all__ = ["AuditEntry", "AuditRecord"]
