"""Whole items of entities that already exist elsewhere (a legacy database being imported),
with the same keys and index attributes the repositories write, and their own timestamps.

The repositories create entities "now"; an import keeps when things really happened, so it
builds the items here and writes them in batches (:class:`strata.store.bulk.BulkRepository`).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from strata.clock import format_timestamp
from strata.models.chat import ChatMessage, ChatSession
from strata.models.documents import Document
from strata.models.groups import Group, GroupMember
from strata.models.users import User
from strata.store import keys
from strata.store.base import attributes
from strata.store.codec import Item


def _item(model: BaseModel, key: keys.ItemKey, **extra: Any) -> Item:
    values = attributes(model, **extra)
    stamps = model.model_dump(mode="json", include={"created_at", "updated_at", "version"})
    values.update(stamps)
    values.update(key.to_item())
    return values


def user_items(user: User) -> tuple[Item, Item]:
    """The profile and its email uniqueness item (written together in one transaction)."""
    created = format_timestamp(user.created_at)
    profile = _item(
        user,
        keys.user_profile(user.user_id),
        entity="USER",
        GSI1PK=keys.email_lookup(user.email),
        GSI1SK=keys.PROFILE,
        GSI3PK=keys.user_list_partition(user.user_id),
        GSI3SK=created,
    )
    if user.last_login_at is not None:
        profile["GSI2PK"] = keys.login_partition(user.user_id)
        profile["GSI2SK"] = format_timestamp(user.last_login_at)
    unique = {
        **keys.email_unique(user.email).to_item(),
        "userId": user.user_id,
        "entity": "UNIQUE_EMAIL",
        "createdAt": created,
        "updatedAt": created,
        "version": 1,
    }
    return profile, unique


def group_item(group: Group) -> Item:
    return _item(
        group,
        keys.group_metadata(group.group_id),
        entity="GROUP",
        GSI3PK=keys.GROUP_TYPE,
        GSI3SK=group.name,
    )


def member_item(member: GroupMember) -> Item:
    return _item(
        member,
        keys.group_member(member.group_id, member.user_id),
        entity="GROUP_MEMBER",
        GSI1PK=keys.user_groups(member.user_id),
        GSI1SK=f"GROUP#{member.group_id}",
    )


def session_item(session: ChatSession) -> Item:
    recency = session.last_message_at or session.updated_at
    return _item(
        session,
        keys.chat_session(session.user_id, session.session_id),
        entity="CHAT_SESSION",
        GSI1PK=keys.user_sessions(session.user_id),
        GSI1SK=format_timestamp(recency),
    )


def message_item(message: ChatMessage) -> Item:
    return _item(
        message,
        keys.message(message.user_id, message.session_id, message.message_id),
        entity="CHAT_MESSAGE",
    )


def document_item(document: Document) -> Item:
    uploaded = format_timestamp(document.upload_date)
    return _item(
        document,
        keys.document(document.user_id, document.document_id),
        entity="DOCUMENT",
        GSI1PK=keys.user_documents(document.user_id),
        GSI1SK=uploaded,
        GSI2PK=keys.document_status_partition(document.status.value, document.document_id),
        GSI2SK=uploaded,
    )


__all__ = [
    "document_item",
    "group_item",
    "member_item",
    "message_item",
    "session_item",
    "user_items",
]
