"""The item a peer writes for ``POST`` (a new chat session): the attributes Strata's store writes
for one (keys, index keys, timestamps, version, writer), so that both sides of the comparison ask
DynamoDB (and botocore) for the same work and the ratio measures the handlers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

# The write refuses to replace an existing item, as Strata's does.
NEW_ITEM_ONLY = "attribute_not_exists(PK)"


def new_session(user: str, title: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The item (attribute values) of a new session of ``user``, and its body as returned."""
    session_id = uuid.uuid4().hex
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    body = {
        "sessionId": session_id,
        "userId": user,
        "title": title,
        "context": {},
        "messageCount": 0,
        "status": "ACTIVE",
        "createdAt": now,
        "updatedAt": now,
        "version": 1,
    }
    item = {
        "PK": {"S": f"USER#{user}"},
        "SK": {"S": f"SESSION#{session_id}"},
        "GSI1PK": {"S": f"USER#{user}#SESSIONS"},
        "GSI1SK": {"S": now},
        "entity": {"S": "CHAT_SESSION"},
        "sessionId": {"S": session_id},
        "userId": {"S": user},
        "title": {"S": title},
        "context": {"M": {}},
        "messageCount": {"N": "0"},
        "status": {"S": "ACTIVE"},
        "createdAt": {"S": now},
        "updatedAt": {"S": now},
        "updatedBy": {"S": user},
        "version": {"N": "1"},
    }
    return item, body
