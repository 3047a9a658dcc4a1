"""Legacy rows -> validated Strata entities -> items, with the API's models and rules.

Pass one (:class:`Plan`) reads every row, validates it, and learns what later entities need:
the ids that were accepted, each group's member count, each session's message count. Pass two
converts the rows again (conversion is deterministic) and writes them. A row that cannot be
converted is a :class:`Rejected` with its reason.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections import Counter
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError as PydanticValidationError
from ulid import ULID

from ops.legacy.mapping import EntityMapping, EntityName, Mapping
from strata.errors import ValidationError
from strata.models.chat import ChatMessage, ChatSession
from strata.models.documents import Document, DocumentMetadata
from strata.models.groups import Group, GroupMember, GroupRole
from strata.models.users import User
from strata.store import items as build
from strata.store import keys
from strata.store.codec import Item

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
RowLike = sqlite3.Row | MappingABC[str, Any]


class Rejected(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Converted:
    """What one row becomes: items written in batches, or a user written in a transaction."""

    items: list[Item] = field(default_factory=list)
    user: tuple[Item, Item] | None = None

    @property
    def count(self) -> int:
        return len(self.items) + (2 if self.user else 0)


@dataclass
class Plan:
    """What pass one learned; pass two needs it to fill counters and check references."""

    users: set[str] = field(default_factory=set)
    emails: dict[str, str] = field(default_factory=dict)  # email -> legacy key of first user
    groups: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (name, owner)
    members: Counter[str] = field(default_factory=Counter)
    member_pairs: set[tuple[str, str]] = field(default_factory=set)
    sessions: dict[str, str] = field(default_factory=dict)  # session id -> user id
    messages: Counter[str] = field(default_factory=Counter)
    last_message: dict[str, datetime] = field(default_factory=dict)
    taken_emails: dict[str, str] = field(default_factory=dict)  # email -> owner in the table


class Converter:
    def __init__(self, mapping: Mapping, plan: Plan, bucket: str) -> None:
        self._mapping = mapping
        self._plan = plan
        self._bucket = bucket

    def id_of(self, value: Any) -> str:
        if value is None or str(value).strip() == "":
            raise Rejected("missing id")
        text = f"{self._mapping.id_prefix}{str(value).strip()}"
        try:
            return keys.checked(text)
        except ValidationError:
            raise Rejected(f"id {text!r} cannot be a Strata id") from None

    def learn(self, entity: EntityName, row: RowLike) -> Converted:
        """Pass one: validate the row and remember what later rows and counters need."""
        return self.convert(entity, row, learning=True)

    def convert(self, entity: EntityName, row: RowLike, *, learning: bool = False) -> Converted:
        spec = self._mapping.entities[entity]
        fields = _fields(spec, row)
        try:
            return getattr(self, f"_{entity}")(fields, row, learning)  # type: ignore[no-any-return]
        except PydanticValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = ".".join(str(p) for p in first["loc"]) or "row"
            raise Rejected(f"{where}: {first['msg']}") from None
        except ValidationError as exc:
            raise Rejected(exc.message) from None

    # One method per entity -------------------------------------------------------------------
    def _users(self, f: dict[str, Any], row: RowLike, learning: bool) -> Converted:
        user_id = self.id_of(f.get("id"))
        email = str(f.get("email") or "").strip().lower()
        if not email:
            raise Rejected("email: missing")
        created = _time(f.get("createdAt"))
        user = User.model_validate(
            {
                "user_id": user_id,
                "email": email,
                "first_name": f.get("firstName") or "",
                "last_name": f.get("lastName") or "",
                "role": f.get("role") or "user",
                "is_active": _bool(f.get("isActive", True)),
                "last_login_at": _time(f["lastLoginAt"]) if f.get("lastLoginAt") else None,
                "created_at": created,
                "updated_at": created,
                "metadata": {"registration_source": "legacy-import"},
            }
        )
        if learning:
            first = self._plan.emails.setdefault(user.email, user_id)
            if first != user_id:
                raise Rejected(f"duplicate email: {user.email} already belongs to user {first}")
            owner = self._plan.taken_emails.get(user.email)
            if owner is not None and owner != user_id:
                raise Rejected(f"email {user.email} already belongs to user {owner} in the table")
            self._plan.users.add(user_id)
        elif user_id not in self._plan.users:
            raise Rejected("rejected in the first pass")
        return Converted(user=build.user_items(user))

    def _groups(self, f: dict[str, Any], row: RowLike, learning: bool) -> Converted:
        group_id = self.id_of(f.get("id"))
        owner = self._user_ref(f.get("ownerId"), "ownerId")
        created = _time(f.get("createdAt"))
        count = 1 + self._plan.members[group_id]
        group = Group.model_validate(
            {
                "group_id": group_id,
                "name": str(f.get("name") or "").strip(),
                "description": str(f.get("description") or ""),
                "created_by": owner,
                "owner_id": owner,
                "stats": {"member_count": count},
                "created_at": created,
                "updated_at": created,
            }
        )
        if learning:
            self._plan.groups[group_id] = (group.name, owner)
            self._plan.member_pairs.add((group_id, owner))
        member = _member(group, owner, GroupRole.OWNER, created)
        return Converted(items=[build.group_item(group), build.member_item(member)])

    def _memberships(self, f: dict[str, Any], row: RowLike, learning: bool) -> Converted:
        group_id = self.id_of(f.get("groupId"))
        user_id = self._user_ref(f.get("userId"), "userId")
        if group_id not in self._plan.groups:
            raise Rejected(f"groupId: no imported group {group_id}")
        name, owner = self._plan.groups[group_id]
        if user_id == owner:
            return Converted()  # the owner's membership comes with the group
        role = str(f.get("role") or "member").lower()
        role = GroupRole.ADMIN.value if role in ("owner", "admin") else GroupRole.MEMBER.value
        joined = _time(f.get("joinedAt"))
        if learning:
            if (group_id, user_id) in self._plan.member_pairs:
                raise Rejected(f"duplicate membership of {user_id} in {group_id}")
            self._plan.member_pairs.add((group_id, user_id))
            self._plan.members[group_id] += 1
        member = GroupMember.model_validate(
            {
                "group_id": group_id,
                "user_id": user_id,
                "role": role,
                "joined_at": joined,
                "group_name": name,
                "created_at": joined,
                "updated_at": joined,
            }
        )
        return Converted(items=[build.member_item(member)])

    def _sessions(self, f: dict[str, Any], row: RowLike, learning: bool) -> Converted:
        session_id = self.id_of(f.get("id"))
        user_id = self._user_ref(f.get("userId"), "userId")
        created = _time(f.get("createdAt"))
        updated = _time(f.get("updatedAt")) if f.get("updatedAt") else created
        status = str(f.get("status") or "ACTIVE").upper()
        session = ChatSession.model_validate(
            {
                "session_id": session_id,
                "user_id": user_id,
                "title": str(f.get("title") or "").strip() or "Imported chat",
                "status": status,
                "message_count": self._plan.messages[session_id],
                "last_message_at": self._plan.last_message.get(session_id),
                "created_at": created,
                "updated_at": max(updated, created),
            }
        )
        if learning:
            self._plan.sessions[session_id] = user_id
        return Converted(items=[build.session_item(session)])

    def _messages(self, f: dict[str, Any], row: RowLike, learning: bool) -> Converted:
        session_id = self.id_of(f.get("sessionId"))
        user_id = self._plan.sessions.get(session_id)
        if user_id is None:
            raise Rejected(f"sessionId: no imported session {session_id}")
        created = _time(f.get("createdAt"))
        legacy_id = str(f.get("id"))
        message = ChatMessage.model_validate(
            {
                "message_id": message_id(created, f"{session_id}/{legacy_id}"),
                "session_id": session_id,
                "user_id": user_id,
                "role": str(f.get("role") or "user").lower(),
                "content": f.get("content") if isinstance(f.get("content"), str) else "",
                "metadata": {"legacyId": legacy_id},
                "created_at": created,
                "updated_at": created,
            }
        )
        if learning:
            self._plan.messages[session_id] += 1
            last = self._plan.last_message.get(session_id)
            self._plan.last_message[session_id] = created if last is None else max(last, created)
        return Converted(items=[build.message_item(message)])

    def _documents(self, f: dict[str, Any], row: RowLike, learning: bool) -> Converted:
        document_id = self.id_of(f.get("id"))
        user_id = self._user_ref(f.get("userId"), "userId")
        created = _time(f.get("createdAt"))
        document = Document.model_validate(
            {
                "document_id": document_id,
                "user_id": user_id,
                "file_name": str(f.get("fileName") or "").strip(),
                "file_type": str(f.get("fileType") or "application/octet-stream"),
                "file_size": f.get("fileSize") if f.get("fileSize") is not None else 0,
                "s3_bucket": self._bucket,
                "s3_key": str(f.get("s3Key") or f"documents/{user_id}/{document_id}/original"),
                "upload_date": created,
                "status": str(f.get("status") or "uploading").lower(),
                "metadata": DocumentMetadata(title=f.get("title") or None),
                "created_at": created,
                "updated_at": created,
            }
        )
        return Converted(items=[build.document_item(document)])

    def _user_ref(self, value: Any, field: str) -> str:
        user_id = self.id_of(value)
        if user_id not in self._plan.users:
            raise Rejected(f"{field}: no imported user {user_id}")
        return user_id


def _member(group: Group, user_id: str, role: GroupRole, at: datetime) -> GroupMember:
    return GroupMember.model_validate(
        {
            "group_id": group.group_id,
            "user_id": user_id,
            "role": role,
            "joined_at": at,
            "group_name": group.name,
            "created_at": at,
            "updated_at": at,
        }
    )


def message_id(at: datetime, legacy: str) -> str:
    """A ULID with the message's own time and randomness derived from its legacy id: the same
    row always gets the same id (a rerun overwrites, never duplicates) and ids sort by time."""
    milliseconds = int(at.timestamp() * 1000)
    entropy = hashlib.sha256(legacy.encode()).digest()[:10]
    return str(ULID.from_bytes(milliseconds.to_bytes(6, "big") + entropy))


def _fields(spec: EntityMapping, row: RowLike) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, column in spec.columns.items():
        value = row[column] if column in row.keys() else None  # noqa: SIM118 - sqlite3.Row
        translate = spec.values.get(name)
        if translate is not None and value is not None and str(value) in translate:
            value = translate[str(value)]
        values[name] = value
    return values


def _time(value: Any) -> datetime:
    """Legacy timestamps: ISO 8601 text (naive means UTC), or epoch seconds."""
    if value is None or value == "":
        return EPOCH
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), tz=UTC)
    text = str(value).strip().replace(" ", "T", 1)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise Rejected(f"not a timestamp: {value!r}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "y", "t")
    return bool(value)
