"""The mapping file: which legacy table and columns become which Strata entity and fields.

JSON, written by ``strata import sqlite PATH --analyze --mapping FILE`` as a suggestion and then
edited by the operator. Strata field names are the entities' camelCase attribute names.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

EntityName = Literal["users", "groups", "memberships", "sessions", "messages", "documents"]
# Load order: every entity comes after the ones it references.
ORDER: tuple[EntityName, ...] = (
    "users",
    "groups",
    "memberships",
    "sessions",
    "messages",
    "documents",
)

# The Strata fields each entity can take from a column; the first ones are required.
FIELDS: dict[EntityName, tuple[str, ...]] = {
    "users": (
        "id",
        "email",
        "firstName",
        "lastName",
        "role",
        "isActive",
        "createdAt",
        "lastLoginAt",
    ),
    "groups": ("id", "name", "ownerId", "description", "createdAt"),
    "memberships": ("groupId", "userId", "role", "joinedAt"),
    "sessions": ("id", "userId", "title", "status", "createdAt", "updatedAt"),
    "messages": ("id", "sessionId", "role", "content", "createdAt"),
    "documents": (
        "id",
        "userId",
        "fileName",
        "fileType",
        "fileSize",
        "status",
        "title",
        "s3Key",
        "createdAt",
    ),
}
REQUIRED: dict[EntityName, tuple[str, ...]] = {
    "users": ("id", "email"),
    "groups": ("id", "name", "ownerId"),
    "memberships": ("groupId", "userId"),
    "sessions": ("id", "userId"),
    "messages": ("id", "sessionId", "content"),
    "documents": ("id", "userId", "fileName"),
}


class EntityMapping(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    table: str
    key: str = "id"
    columns: dict[str, str]
    values: dict[str, dict[str, Any]] = Field(default_factory=dict)


class Mapping(BaseModel):
    """``idPrefix`` is put before every legacy id, so imported ids never meet Cognito subs."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    version: Literal[1] = 1
    id_prefix: str = Field(default="legacy-", alias="idPrefix", pattern=r"^[A-Za-z0-9_-]*$")
    entities: dict[EntityName, EntityMapping]

    @classmethod
    def load(cls, path: Path) -> Mapping:
        return cls.model_validate_json(path.read_text(encoding="utf-8"))

    def dump(self) -> str:
        data = self.model_dump(by_alias=True, exclude_defaults=False)
        return json.dumps(data, indent=2)

    def fingerprint(self) -> str:
        return hashlib.sha256(self.dump().encode()).hexdigest()[:16]

    def problems(self) -> list[str]:
        found = []
        for name, entity in self.entities.items():
            for required in REQUIRED[name]:
                if required not in entity.columns:
                    found.append(f"{name}: no column mapped to the required field {required!r}")
            for field in entity.columns:
                if field not in FIELDS[name]:
                    found.append(f"{name}: {field!r} is not a field (known: {FIELDS[name]})")
        return found
