"""Groups (circles) and their members with roles."""

from enum import StrEnum

from pydantic import Field

from strata.models.base import (
    Entity,
    Identifier,
    LongText,
    ShortText,
    StrataModel,
    Title,
    UtcDateTime,
)


class GroupRole(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"


class GroupStats(StrataModel):
    member_count: int = Field(default=0, ge=0)


class Group(Entity):
    group_id: Identifier
    name: ShortText
    description: LongText = ""
    created_by: Identifier
    owner_id: Identifier
    is_active: bool = True
    stats: GroupStats = Field(default_factory=GroupStats)


class GroupMember(Entity):
    """One membership; ``group_name`` is a copy so a user's groups list needs no extra read."""

    group_id: Identifier
    user_id: Identifier
    role: GroupRole = GroupRole.MEMBER
    joined_at: UtcDateTime
    group_name: ShortText | None = None


class GroupCreate(StrataModel):
    """A new group. Ids may be chosen (e.g. ``GENERAL`` for a Cognito group) or generated."""

    group_id: Identifier | None = None
    name: Title
    description: LongText = ""


class GroupUpdate(StrataModel):
    name: Title | None = None
    description: LongText | None = None
    is_active: bool | None = None


class MemberAdd(StrataModel):
    user_id: Identifier
    role: GroupRole = GroupRole.MEMBER


__all__ = [
    "Group",
    "GroupCreate",
    "GroupMember",
    "GroupRole",
    "GroupStats",
    "GroupUpdate",
    "MemberAdd",
]
