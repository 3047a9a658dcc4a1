"""Chat sessions, their messages in time order, and the voice sessions attached to them."""

from __future__ import annotations

from dataclasses import dataclass

from boto3.dynamodb.conditions import Attr

from strata.errors import Conflict, NotFound
from strata.ids import new_id
from strata.models.base import Page
from strata.models.chat import (
    ChatMessage,
    ChatSession,
    ChatSessionCreate,
    ChatSessionUpdate,
    MessageCreate,
    VoiceSession,
    VoiceSessionCreate,
    VoiceSessionUpdate,
)
from strata.store import keys
from strata.store.base import Repository, attributes, changes, draft, entity, page_of
from strata.store.expressions import SortCondition
from strata.store.requests import QuerySpec
from strata.store.transactions import TransactionFailed, TxCheck, TxPut, TxUpdate


@dataclass(frozen=True)
class ClientMessage:
    """What one client message id stored: the user's message and, once answered, the reply."""

    client_message_id: str
    user_message_id: str
    reply_message_id: str | None = None


@dataclass(frozen=True)
class ClientSend:
    """The outcome of :meth:`ChatRepository.append_client_message`: ``stored`` is False for a
    resend, whose message was stored before (``record`` says which, and whether answered)."""

    record: ClientMessage
    stored: bool


class AlreadyAnswered(Conflict):
    """Another attempt stored the answer to this client message first."""

    def __init__(self, reply_message_id: str) -> None:
        super().__init__(
            "the message was answered already", details={"messageId": reply_message_id}
        )
        self.reply_message_id = reply_message_id


class ChatRepository(Repository):
    # Sessions ------------------------------------------------------------------------------
    def create_session(self, user_id: str, data: ChatSessionCreate) -> ChatSession:
        """1 PutItem."""
        now = self._now()
        session = draft(
            ChatSession, now, session_id=new_id(now), user_id=user_id, **data.model_dump()
        )
        item = self._table.create(
            keys.chat_session(user_id, session.session_id),
            attributes(
                session,
                entity="CHAT_SESSION",
                GSI1PK=keys.user_sessions(user_id),
                GSI1SK=self._now_text(),
            ),
            what="session",
        )
        return entity(ChatSession, item)

    def start_session(
        self, user_id: str, data: ChatSessionCreate, first: MessageCreate
    ) -> tuple[ChatSession, ChatMessage]:
        """A session with its first message, both or neither: 1 TransactWriteItems (the session,
        already counting the message, and the message)."""
        now = self._now()
        stamp = self._now_text()
        session = draft(
            ChatSession,
            now,
            session_id=new_id(now),
            user_id=user_id,
            message_count=1,
            last_message_at=now,
            **data.model_dump(),
        )
        message = draft(
            ChatMessage,
            now,
            message_id=new_id(now),
            session_id=session.session_id,
            user_id=user_id,
            **first.model_dump(),
        )
        written = self._table.transact(
            [
                TxPut(
                    keys.chat_session(user_id, session.session_id),
                    attributes(
                        session,
                        entity="CHAT_SESSION",
                        GSI1PK=keys.user_sessions(user_id),
                        GSI1SK=stamp,
                        lastMessageAt=stamp,
                    ),
                    create=True,
                    label="session",
                ),
                TxPut(
                    keys.message(user_id, session.session_id, message.message_id),
                    attributes(message, entity="CHAT_MESSAGE"),
                    create=True,
                    label="message",
                ),
            ]
        )
        return entity(ChatSession, written["session"]), entity(ChatMessage, written["message"])

    def get_session(self, user_id: str, session_id: str) -> ChatSession:
        """1 GetItem. Absent -> NotFound."""
        item = self._table.get(keys.chat_session(user_id, session_id))
        if item is None:
            raise NotFound("session not found")
        return entity(ChatSession, item)

    def list_sessions(
        self, user_id: str, *, limit: int = 20, next_token: str | None = None
    ) -> Page[ChatSession]:
        """The user's sessions, most recently active first: 1 Query on GSI1."""
        spec = QuerySpec(keys.user_sessions(user_id), index="GSI1", forward=False)
        return page_of(ChatSession, self._table.query(spec, limit=limit, next_token=next_token))

    def update_session(
        self,
        user_id: str,
        session_id: str,
        update: ChatSessionUpdate,
        *,
        expected_version: int | None = None,
    ) -> ChatSession:
        """1 UpdateItem (moves the session to the top of the recency list)."""
        values = changes(update) | {"GSI1SK": self._now_text()}
        item = self._table.update(
            keys.chat_session(user_id, session_id),
            set_values=values,
            expected_version=expected_version,
            what="session",
        )
        return entity(ChatSession, item)

    def delete_session(self, user_id: str, session_id: str) -> None:
        """The session and its history: 1 DeleteItem + 1 Query per 1,000 history items +
        1 BatchWriteItem per 25 of them. Absent -> NotFound."""
        self._table.delete(keys.chat_session(user_id, session_id), must_exist=True, what="session")
        self.delete_history(user_id, session_id)

    def delete_history(self, user_id: str, session_id: str) -> int:
        """Every message and voice session of a session; returns how many were deleted.

        1 Query per 1,000 items + 1 BatchWriteItem per 25 items. Safe to repeat.
        """
        spec = QuerySpec(keys.session_partition(user_id, session_id), projection=("PK", "SK"))
        doomed = [keys.ItemKey.of(item) for item in self._table.query_all(spec)]
        self._table.batch_write(deletes=doomed)
        return len(doomed)

    # Messages ------------------------------------------------------------------------------
    def _new_message(
        self, user_id: str, session_id: str, data: MessageCreate
    ) -> tuple[ChatMessage, list[TxPut | TxUpdate]]:
        """A new message (a ULID: later messages sort later) and the two writes that store it
        and bump its session's ``messageCount`` and ``lastMessageAt`` (no request here)."""
        now = self._now()
        message = draft(
            ChatMessage,
            now,
            message_id=new_id(now),
            session_id=session_id,
            user_id=user_id,
            **data.model_dump(),
        )
        stamp = self._now_text()
        writes: list[TxPut | TxUpdate] = [
            TxPut(
                keys.message(user_id, session_id, message.message_id),
                attributes(message, entity="CHAT_MESSAGE"),
                create=True,
                label="message",
            ),
            TxUpdate(
                keys.chat_session(user_id, session_id),
                set_values={"lastMessageAt": stamp, "GSI1SK": stamp},
                add_values={"messageCount": 1},
                label="session",
            ),
        ]
        return message, writes

    def append_message(self, user_id: str, session_id: str, data: MessageCreate) -> ChatMessage:
        """Add a message (a ULID: later messages sort later) and bump the session's
        messageCount and lastMessageAt, atomically: 1 TransactWriteItems. No session ->
        NotFound."""
        _, writes = self._new_message(user_id, session_id, data)
        try:
            written = self._table.transact(writes)
        except TransactionFailed as exc:
            if "session" in exc.failed:
                raise NotFound("session not found") from None
            raise
        return entity(ChatMessage, written["message"])

    def append_client_message(
        self, user_id: str, session_id: str, client_message_id: str, data: MessageCreate
    ) -> ClientSend:
        """Store a client's message once per ``client_message_id``: 1 TransactWriteItems (the
        message, the session's counters, the client-message record, created only if absent).
        A resend stores nothing and costs 1 more GetItem (the record). No session -> NotFound."""
        message, writes = self._new_message(user_id, session_id, data)
        record = keys.client_message(user_id, session_id, client_message_id)
        try:
            self._table.transact(
                [
                    *writes,
                    TxPut(
                        record,
                        {
                            "entity": "CLIENT_MESSAGE",
                            "userId": user_id,
                            "sessionId": session_id,
                            "clientMessageId": client_message_id,
                            "userMessageId": message.message_id,
                        },
                        create=True,
                        label="client",
                    ),
                ]
            )
        except TransactionFailed as exc:
            if "session" in exc.failed:
                raise NotFound("session not found") from None
            return ClientSend(self.client_message(user_id, session_id, client_message_id), False)
        return ClientSend(ClientMessage(client_message_id, message.message_id), True)

    def client_message(
        self, user_id: str, session_id: str, client_message_id: str
    ) -> ClientMessage:
        """1 GetItem (strongly consistent). Absent -> NotFound."""
        item = self._table.get(
            keys.client_message(user_id, session_id, client_message_id), consistent=True
        )
        if item is None:
            raise NotFound("client message not found")
        reply = item.get("replyMessageId")
        return ClientMessage(
            client_message_id, str(item["userMessageId"]), str(reply) if reply else None
        )

    def append_client_reply(
        self, user_id: str, session_id: str, client_message_id: str, data: MessageCreate
    ) -> ChatMessage:
        """Store the answer to a client message, once: 1 TransactWriteItems (the reply, the
        session's counters, the record's ``replyMessageId`` set only if absent). Answered
        already -> :class:`AlreadyAnswered` (with the stored reply's id), nothing written."""
        message, writes = self._new_message(user_id, session_id, data)
        try:
            written = self._table.transact(
                [
                    *writes,
                    TxUpdate(
                        keys.client_message(user_id, session_id, client_message_id),
                        set_values={"replyMessageId": message.message_id},
                        condition=Attr("replyMessageId").not_exists(),
                        label="client",
                    ),
                ]
            )
        except TransactionFailed as exc:
            if "session" in exc.failed:
                raise NotFound("session not found") from None
            record = self.client_message(user_id, session_id, client_message_id)
            if record.reply_message_id is None:
                raise
            raise AlreadyAnswered(record.reply_message_id) from None
        return entity(ChatMessage, written["message"])

    def messages(
        self,
        user_id: str,
        session_id: str,
        *,
        limit: int = 50,
        next_token: str | None = None,
        newest_first: bool = False,
    ) -> Page[ChatMessage]:
        """A page of the history, oldest or newest first: 1 Query."""
        spec = QuerySpec(
            keys.session_partition(user_id, session_id),
            sort=SortCondition.begins_with(keys.MESSAGE_PREFIX),
            forward=not newest_first,
        )
        return page_of(ChatMessage, self._table.query(spec, limit=limit, next_token=next_token))

    def get_message(self, user_id: str, session_id: str, message_id: str) -> ChatMessage:
        """1 GetItem. Absent -> NotFound."""
        item = self._table.get(keys.message(user_id, session_id, message_id))
        if item is None:
            raise NotFound("message not found")
        return entity(ChatMessage, item)

    # Voice sessions ------------------------------------------------------------------------
    def create_voice_session(
        self, user_id: str, session_id: str, data: VoiceSessionCreate
    ) -> VoiceSession:
        """A voice session inside an existing chat session: 1 TransactWriteItems (put +
        check). No chat session -> NotFound."""
        now = self._now()
        voice = draft(
            VoiceSession,
            now,
            voice_session_id=new_id(now),
            session_id=session_id,
            user_id=user_id,
            started_at=now,
            **data.model_dump(),
        )
        try:
            written = self._table.transact(
                [
                    TxPut(
                        keys.voice_session(user_id, session_id, voice.voice_session_id),
                        attributes(voice, entity="VOICE_SESSION"),
                        create=True,
                        label="voice",
                    ),
                    TxCheck(keys.chat_session(user_id, session_id), Attr("PK").exists()),
                ]
            )
        except TransactionFailed:
            raise NotFound("session not found") from None
        return entity(VoiceSession, written["voice"])

    def get_voice_session(
        self, user_id: str, session_id: str, voice_session_id: str
    ) -> VoiceSession:
        """1 GetItem. Absent -> NotFound."""
        item = self._table.get(keys.voice_session(user_id, session_id, voice_session_id))
        if item is None:
            raise NotFound("voice session not found")
        return entity(VoiceSession, item)

    def update_voice_session(
        self,
        user_id: str,
        session_id: str,
        voice_session_id: str,
        update: VoiceSessionUpdate,
    ) -> VoiceSession:
        """1 UpdateItem. Absent -> NotFound."""
        item = self._table.update(
            keys.voice_session(user_id, session_id, voice_session_id),
            set_values=changes(update),
            what="voice session",
        )
        return entity(VoiceSession, item)

    def voice_sessions(self, user_id: str, session_id: str) -> list[VoiceSession]:
        """A chat session's voice sessions, oldest first: 1 Query per 1,000."""
        spec = QuerySpec(
            keys.session_partition(user_id, session_id),
            sort=SortCondition.begins_with(keys.VOICE_PREFIX),
        )
        return [entity(VoiceSession, item) for item in self._table.query_all(spec)]
