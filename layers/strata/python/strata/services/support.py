"""Administrators read a user's owner-only data for support; every read is logged.

This is the only way one caller reads another's sessions, messages, documents or memories: the
owner routes always address the caller's own partition.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger

from strata.auth import Caller, require_admin
from strata.models import ChatMessage, ChatSession, Document, Page, UserMemory
from strata.store.chat import ChatRepository
from strata.store.documents import DocumentRepository
from strata.store.memories import MemoryRepository

logger = Logger(child=True)


class SupportService:
    def __init__(
        self, chat: ChatRepository, documents: DocumentRepository, memories: MemoryRepository
    ) -> None:
        self._chat = chat
        self._documents = documents
        self._memories = memories

    def sessions(
        self, caller: Caller, user_id: str, limit: int, next_token: str | None
    ) -> Page[ChatSession]:
        self._allow(caller, user_id, "sessions")
        return self._chat.list_sessions(user_id, limit=limit, next_token=next_token)

    def messages(
        self, caller: Caller, user_id: str, session_id: str, limit: int, next_token: str | None
    ) -> Page[ChatMessage]:
        self._allow(caller, user_id, "messages")
        self._chat.get_session(user_id, session_id)
        return self._chat.messages(user_id, session_id, limit=limit, next_token=next_token)

    def documents(
        self, caller: Caller, user_id: str, limit: int, next_token: str | None
    ) -> Page[Document]:
        self._allow(caller, user_id, "documents")
        return self._documents.list_documents(user_id, limit=limit, next_token=next_token)

    def memories(
        self, caller: Caller, user_id: str, limit: int, next_token: str | None
    ) -> Page[UserMemory]:
        self._allow(caller, user_id, "memories")
        return self._memories.list_memories(user_id, limit=limit, next_token=next_token)

    @staticmethod
    def _allow(caller: Caller, user_id: str, what: str) -> None:
        require_admin(caller, f"read another user's {what}")
        logger.info(
            "support read",
            extra={"admin": caller.user_id, "user": user_id, "data": what},
        )
