"""User memories: context the assistant keeps about a user, ranked by relevance."""

from enum import StrEnum
from typing import Any

from pydantic import Field, field_validator

from strata.models.base import Entity, Identifier, StrataModel

MAX_MEMORY_CHARS = 20_000


class MemoryType(StrEnum):
    CONVERSATION = "CONVERSATION"
    KNOWLEDGE = "KNOWLEDGE"
    PREFERENCE = "PREFERENCE"
    CONTEXT = "CONTEXT"
    FACT = "FACT"


def _bounded_content(value: str | dict[str, Any]) -> str | dict[str, Any]:
    if isinstance(value, str) and not value.strip():
        raise ValueError("must not be empty")
    if isinstance(value, dict) and not value:
        raise ValueError("must not be empty")
    if len(str(value)) > MAX_MEMORY_CHARS:
        raise ValueError(f"must be at most {MAX_MEMORY_CHARS} characters")
    return value


class UserMemory(Entity):
    memory_id: Identifier
    user_id: Identifier
    type: MemoryType
    content: str | dict[str, Any]
    relevance_score: float = Field(default=0.5, ge=0.0, le=1.0)
    source_session_id: Identifier | None = None

    _content = field_validator("content")(_bounded_content)


class MemoryCreate(StrataModel):
    type: MemoryType
    content: str | dict[str, Any]
    relevance_score: float = Field(default=0.5, ge=0.0, le=1.0)
    source_session_id: Identifier | None = None

    _content = field_validator("content")(_bounded_content)


class MemoryUpdate(StrataModel):
    content: str | dict[str, Any] | None = None
    relevance_score: float | None = Field(default=None, ge=0.0, le=1.0)

    @field_validator("content")
    @classmethod
    def _check_content(cls, value: str | dict[str, Any] | None) -> str | dict[str, Any] | None:
        return None if value is None else _bounded_content(value)


def memory_text(content: str | dict[str, Any]) -> str:
    """The text to embed for a memory: the string itself, or its values joined."""
    if isinstance(content, str):
        return content
    return "\n".join(f"{key}: {value}" for key, value in content.items())


__all__ = [
    "MAX_MEMORY_CHARS",
    "MemoryCreate",
    "MemoryType",
    "MemoryUpdate",
    "UserMemory",
    "memory_text",
]
