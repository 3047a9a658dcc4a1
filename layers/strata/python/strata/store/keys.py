"""Every key of the main table, built in one place (docs/DATA_MODEL.md is the map).

Repositories take ids, never keys, and build keys here. Every id is checked against
:data:`strata.ids.ID_PATTERN` first, so no caller can smuggle a ``#`` into a key and address
another partition.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from strata.errors import ValidationError
from strata.ids import is_valid_id
from strata.schema import AUDIT_SHARDS, DOC_STATUS_SHARDS, LOGIN_SHARDS, USER_LIST_SHARDS


@dataclass(frozen=True)
class ItemKey:
    """The primary key of one item."""

    pk: str
    sk: str

    def to_item(self) -> dict[str, str]:
        return {"PK": self.pk, "SK": self.sk}

    @classmethod
    def of(cls, item: dict[str, Any]) -> ItemKey:
        return cls(pk=str(item["PK"]), sk=str(item["SK"]))


CONNECTION_ID_PATTERN = r"^[A-Za-z0-9_=+/-]{1,128}$"
_CONNECTION_ID = re.compile(r"[A-Za-z0-9_=+/-]{1,128}")


def checked(value: str, what: str = "id") -> str:
    if not isinstance(value, str) or not is_valid_id(value):
        raise ValidationError(
            f"invalid {what}",
            details={"fields": [{"field": what, "message": "letters, digits, '-' and '_' only"}]},
        )
    return value


def shard_of(value: str, shards: int) -> int:
    """A stable shard number for ``value`` (the same on every machine and run)."""
    return int.from_bytes(hashlib.sha256(value.encode()).digest()[:4], "big") % shards


# Sort-key prefixes, for begins_with conditions.
PROFILE = "PROFILE"
METADATA = "METADATA"
MEMBER_PREFIX = "MEMBER#"
APP_PREFIX = "APP#"
SESSION_PREFIX = "SESSION#"
MESSAGE_PREFIX = "MSG#"
VOICE_PREFIX = "VOICE#"
CLIENT_MESSAGE_PREFIX = "CLIENTMSG#"
DOCUMENT_PREFIX = "DOC#"
MEMORY_PREFIX = "MEMORY#"
NOTIFICATION_PREFIX = "NOTIF#"
USAGE_PREFIX = "USAGE#"
GROUP_TYPE = "TYPE#GROUP"
APP_TYPE = "TYPE#APP"
SYSTEM = "SYSTEM"


# Users -----------------------------------------------------------------------------------------
def user_partition(user_id: str) -> str:
    return f"USER#{checked(user_id, 'userId')}"


def user_profile(user_id: str) -> ItemKey:
    return ItemKey(user_partition(user_id), PROFILE)


def normalize_email(email: str) -> str:
    """The address as uniqueness sees it: NFKC-casefolded, so look-alike encodings of one address
    (full-width letters, ligatures, a capital sharp s) are one key."""
    folded = unicodedata.normalize("NFKC", email.strip()).casefold()
    normalized = unicodedata.normalize("NFKC", folded).strip()
    if not normalized or "#" in normalized or "@" not in normalized or len(normalized) > 254:
        raise ValidationError(
            "invalid email", details={"fields": [{"field": "email", "message": "not an email"}]}
        )
    return normalized


def email_unique(email: str) -> ItemKey:
    return ItemKey(f"UNIQUE#EMAIL#{normalize_email(email)}", "UNIQUE")


def email_lookup(email: str) -> str:
    """GSI1PK of the profile with this email."""
    return f"EMAIL#{normalize_email(email)}"


def user_list_partition(user_id: str) -> str:
    """GSI3PK of a profile: its shard of the admin user list."""
    return f"TYPE#USER#{shard_of(user_id, USER_LIST_SHARDS)}"


def user_list_partitions() -> list[str]:
    return [f"TYPE#USER#{n}" for n in range(USER_LIST_SHARDS)]


def login_partition(user_id: str) -> str:
    """GSI2PK of a profile once the user has logged in: its shard of the recent-logins list."""
    return f"LOGINS#{shard_of(user_id, LOGIN_SHARDS)}"


def login_partitions() -> list[str]:
    return [f"LOGINS#{n}" for n in range(LOGIN_SHARDS)]


# Groups and applications -----------------------------------------------------------------------
def group_partition(group_id: str) -> str:
    return f"GROUP#{checked(group_id, 'groupId')}"


def group_metadata(group_id: str) -> ItemKey:
    return ItemKey(group_partition(group_id), METADATA)


def group_member(group_id: str, user_id: str) -> ItemKey:
    return ItemKey(group_partition(group_id), f"{MEMBER_PREFIX}{checked(user_id, 'userId')}")


def user_groups(user_id: str) -> str:
    """GSI1PK of a user's memberships (the inverse of a group's member list)."""
    return f"{user_partition(user_id)}#GROUPS"


def app_metadata(app_id: str) -> ItemKey:
    return ItemKey(f"APP#{checked(app_id, 'appId')}", METADATA)


def grant(group_id: str, app_id: str) -> ItemKey:
    return ItemKey(group_partition(group_id), f"{APP_PREFIX}{checked(app_id, 'appId')}")


def app_grants(app_id: str) -> str:
    """GSI1PK of an application's grants, so deleting the app finds them."""
    return f"APP#{checked(app_id, 'appId')}#GRANTS"


def usage(app_id: str, day: date) -> ItemKey:
    return ItemKey(f"APP#{checked(app_id, 'appId')}", f"{USAGE_PREFIX}{day.isoformat()}")


def user_usage(user_id: str, day: date) -> ItemKey:
    """A user's daily usage of applications (kept from the stream, like the app's own)."""
    return ItemKey(user_partition(user_id), f"{USAGE_PREFIX}{day.isoformat()}")


# Chat ------------------------------------------------------------------------------------------
def chat_session(user_id: str, session_id: str) -> ItemKey:
    return ItemKey(user_partition(user_id), f"{SESSION_PREFIX}{checked(session_id, 'sessionId')}")


def user_sessions(user_id: str) -> str:
    return f"{user_partition(user_id)}#SESSIONS"


def session_partition(user_id: str, session_id: str) -> str:
    """The partition holding one session's history (messages and voice sessions)."""
    return f"{user_partition(user_id)}#SESSION#{checked(session_id, 'sessionId')}"


def message(user_id: str, session_id: str, message_id: str) -> ItemKey:
    return ItemKey(
        session_partition(user_id, session_id),
        f"{MESSAGE_PREFIX}{checked(message_id, 'messageId')}",
    )


def voice_session(user_id: str, session_id: str, voice_session_id: str) -> ItemKey:
    return ItemKey(
        session_partition(user_id, session_id),
        f"{VOICE_PREFIX}{checked(voice_session_id, 'voiceSessionId')}",
    )


def client_message(user_id: str, session_id: str, client_message_id: str) -> ItemKey:
    """The record of a client's message id in a session (WebSocket ``sendMessage``): which user
    message it stored and which answer, so a resend stores and answers nothing twice."""
    return ItemKey(
        session_partition(user_id, session_id),
        f"{CLIENT_MESSAGE_PREFIX}{checked(client_message_id, 'clientMessageId')}",
    )


def connection_checked(connection_id: str) -> str:
    """API Gateway's connection ids are base64-like (``d5hfJcGIIAMCFXQ=``): letters, digits,
    ``-``, ``_``, ``=``, ``+`` and ``/``; never ``#``."""
    if not isinstance(connection_id, str) or not _CONNECTION_ID.fullmatch(connection_id):
        raise ValidationError(
            "invalid connectionId",
            details={"fields": [{"field": "connectionId", "message": "not a connection id"}]},
        )
    return connection_id


def connection(connection_id: str) -> ItemKey:
    return ItemKey(f"CONN#{connection_checked(connection_id)}", "CONN")


def user_connections(user_id: str) -> str:
    return f"{user_partition(user_id)}#CONNS"


# Documents, memories, notifications ------------------------------------------------------------
def document(user_id: str, document_id: str) -> ItemKey:
    return ItemKey(
        user_partition(user_id), f"{DOCUMENT_PREFIX}{checked(document_id, 'documentId')}"
    )


def user_documents(user_id: str) -> str:
    return f"{user_partition(user_id)}#DOCS"


def document_status_partition(status: str, document_id: str) -> str:
    """GSI2PK of a document: its status, sharded by document id."""
    return f"DOCSTATUS#{status}#{shard_of(document_id, DOC_STATUS_SHARDS)}"


def document_status_partitions(status: str) -> list[str]:
    return [f"DOCSTATUS#{status}#{n}" for n in range(DOC_STATUS_SHARDS)]


def memory(user_id: str, memory_id: str) -> ItemKey:
    return ItemKey(user_partition(user_id), f"{MEMORY_PREFIX}{checked(memory_id, 'memoryId')}")


def user_memories_of_type(user_id: str, memory_type: str) -> str:
    return f"{user_partition(user_id)}#MEMORY#{memory_type}"


def notification(user_id: str, notification_id: str) -> ItemKey:
    return ItemKey(
        user_partition(user_id),
        f"{NOTIFICATION_PREFIX}{checked(notification_id, 'notificationId')}",
    )


def user_unread(user_id: str) -> str:
    """GSI1PK of a user's unread notifications (sparse: removed when read)."""
    return f"{user_partition(user_id)}#UNREAD"


# Audit and system ------------------------------------------------------------------------------
def audit_partition(day: date, audit_id: str) -> str:
    return f"AUDIT#{day.isoformat()}#{shard_of(audit_id, AUDIT_SHARDS)}"


def audit_partitions(day: date) -> list[str]:
    return [f"AUDIT#{day.isoformat()}#{n}" for n in range(AUDIT_SHARDS)]


def audit_entity(entity_type: str, entity_id: str) -> str:
    return f"AUDIT#{entity_type}#{checked(entity_id, 'entityId')}"


def migration(version: str) -> ItemKey:
    return ItemKey(SYSTEM, f"MIGRATION#{checked(version, 'version')}")


HEALTH = ItemKey(SYSTEM, "HEALTH")
STATS = ItemKey(SYSTEM, "STATS")
"""The platform counters, kept by the stream function (one GetItem answers GET /admin/stats)."""


def stream_marker(record_id: str) -> ItemKey:
    """Written with a counted stream record's effects, so a replayed record counts once."""
    return ItemKey(f"EVENT#{checked(record_id, 'recordId')}", "EVENT")


MIGRATION_LOCK = ItemKey(SYSTEM, "LOCK#MIGRATIONS")
"""The lock item a migration run holds, so two runs cannot interleave."""

UNIQUE_EMAIL_PREFIX = "UNIQUE#EMAIL#"
"""The partition-key prefix of email uniqueness items (see :func:`email_unique`)."""
