"""Chat sessions, messages and voice sessions: the owner's alone (keys under their ``sub``).

A voice session's ``endedAt`` must lie between the chat session's creation and now (plus a
little clock skew): an end before the start is a client mistake, not something to store.

A session started with a message (``POST /sessions`` with ``message``) is stored with it in one
transaction, so no session is ever left without the message it was started for.

``send`` with ``respond`` stores the user's message first, then asks the assistant, then stores
its answer with citations and token usage. If anything after the first write is unavailable or
throttled (reading the history, the assistant, storing the answer) the user's message stays
stored and the error (503 or 429) names it (``details.messageId``), so a client asks again
instead of sending the message twice.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from strata.assistant.types import Answer, Assistant, HistoryTurn
from strata.auth import Caller
from strata.clock import Clock
from strata.errors import Throttled, Unavailable, ValidationError
from strata.models import (
    ChatMessage,
    ChatSession,
    ChatSessionCreate,
    ChatSessionUpdate,
    Citation,
    MessageCreate,
    MessageRole,
    Page,
    TokenUsage,
    VoiceSession,
    VoiceSessionCreate,
    VoiceSessionUpdate,
)
from strata.services.inputs import MessageExchange, MessageSend, SessionStart, SessionStarted
from strata.services.storable import ensure_storable
from strata.store.chat import ChatRepository

HISTORY_TURNS = 20
SNIPPET_CHARS = 1000
CLOCK_SKEW = timedelta(minutes=5)


def started_from(session: ChatSession, message: ChatMessage | None = None) -> SessionStarted:
    """The answer to a start: ``session`` and ``message``, validated from the session's field
    values as they are (half the cost of dumping it to validate the dump, timestamps and all)."""
    values: dict[str, Any] = dict(vars(session))
    if message is not None:
        values["message"] = message
    return SessionStarted.model_validate(values)


class SessionService:
    def __init__(self, chat: ChatRepository, assistant: Assistant, clock: Clock) -> None:
        self._chat = chat
        self._assistant = assistant
        self._clock = clock

    def list_sessions(
        self, caller: Caller, limit: int, next_token: str | None
    ) -> Page[ChatSession]:
        return self._chat.list_sessions(caller.user_id, limit=limit, next_token=next_token)

    def create(self, caller: Caller, data: ChatSessionCreate) -> SessionStarted:
        """A new session (1 PutItem); started with a message (:class:`SessionStart`), the session
        and its first message in 1 TransactWriteItems, both or neither, then the answer as
        :meth:`send` gives it (the history of a new session is that message alone: no Query)."""
        ensure_storable(data)
        first = data.message if isinstance(data, SessionStart) else None
        settings = ChatSessionCreate(
            title=data.title, context=data.context, connection_id=data.connection_id
        )
        if first is None:
            session = self._chat.create_session(caller.user_id, settings)
            return started_from(session)
        session, message = self._chat.start_session(
            caller.user_id,
            settings,
            MessageCreate(
                role=MessageRole.USER,
                type=first.type,
                content=first.content,
                metadata=first.metadata,
            ),
        )
        started = started_from(session, message)
        if not first.respond:
            return started
        try:
            answer = self._assistant.answer(caller.user_id, first.content, [])
            reply = self._chat.append_message(
                caller.user_id, session.session_id, reply_of(answer, first.metadata)
            )
        except (Unavailable, Throttled) as exc:
            # The session and its first message are stored: the client must learn which, or it
            # starts a second session with the same question.
            raise type(exc)(
                f"{exc.message}; your session and message were saved, ask again in it to get "
                "an answer",
                details={
                    **exc.details,
                    "sessionId": session.session_id,
                    "messageId": message.message_id,
                },
            ) from exc
        # The session as the reply's transaction left it (one more message, one more version)
        return started.model_copy(
            update={
                "reply": reply,
                "message_count": session.message_count + 1,
                "version": session.version + 1,
                "last_message_at": reply.created_at,
                "updated_at": reply.created_at,
            }
        )

    def get(self, caller: Caller, session_id: str) -> ChatSession:
        return self._chat.get_session(caller.user_id, session_id)

    def update(
        self, caller: Caller, session_id: str, update: ChatSessionUpdate, expected: int | None
    ) -> ChatSession:
        ensure_storable(update)
        return self._chat.update_session(
            caller.user_id, session_id, update, expected_version=expected
        )

    def delete(self, caller: Caller, session_id: str) -> None:
        self._chat.delete_session(caller.user_id, session_id)

    def messages(
        self,
        caller: Caller,
        session_id: str,
        limit: int,
        next_token: str | None,
        newest_first: bool,
    ) -> Page[ChatMessage]:
        self._chat.get_session(caller.user_id, session_id)
        return self._chat.messages(
            caller.user_id,
            session_id,
            limit=limit,
            next_token=next_token,
            newest_first=newest_first,
        )

    def send(self, caller: Caller, session_id: str, data: MessageSend) -> MessageExchange:
        ensure_storable(data)
        message = self._chat.append_message(
            caller.user_id,
            session_id,
            MessageCreate(
                role=MessageRole.USER, type=data.type, content=data.content, metadata=data.metadata
            ),
        )
        if not data.respond:
            return MessageExchange(message=message)
        try:
            history = history_of(self._chat, caller.user_id, session_id, before=message.message_id)
            answer = self._assistant.answer(caller.user_id, data.content, history)
            reply = self._chat.append_message(
                caller.user_id, session_id, reply_of(answer, data.metadata)
            )
        except (Unavailable, Throttled) as exc:
            # Whatever failed after the message was stored (the history, the model, storing the
            # answer): the client must learn that it was stored, or it sends it a second time.
            raise type(exc)(
                f"{exc.message}; your message was saved, ask again to get an answer",
                details={**exc.details, "messageId": message.message_id},
            ) from exc
        return MessageExchange(message=message, reply=reply)

    def start_voice(
        self, caller: Caller, session_id: str, data: VoiceSessionCreate
    ) -> VoiceSession:
        ensure_storable(data)
        return self._chat.create_voice_session(caller.user_id, session_id, data)

    def update_voice(
        self, caller: Caller, session_id: str, voice_id: str, update: VoiceSessionUpdate
    ) -> VoiceSession:
        """1 GetItem (the chat session) when ``endedAt`` is given, then 1 UpdateItem."""
        ensure_storable(update)
        if update.ended_at is not None:
            session = self._chat.get_session(caller.user_id, session_id)
            latest = self._clock.now() + CLOCK_SKEW
            if not session.created_at <= update.ended_at <= latest:
                raise ValidationError(
                    "endedAt must lie between the chat session's start and now",
                    details={
                        "fields": [
                            {
                                "field": "endedAt",
                                "message": "before the chat session began or in the future",
                                "type": "value_error",
                            }
                        ]
                    },
                )
        return self._chat.update_voice_session(caller.user_id, session_id, voice_id, update)


def history_of(
    chat: ChatRepository, user_id: str, session_id: str, *, before: str
) -> list[HistoryTurn]:
    """The latest turns before the new message, oldest first (1 Query). The WebSocket answer
    uses it too."""
    page = chat.messages(user_id, session_id, limit=HISTORY_TURNS + 1, newest_first=True)
    turns = [
        HistoryTurn(role=_turn_role(m.role), content=m.content)
        for m in page.items
        if m.message_id != before and m.role is not MessageRole.SYSTEM
    ]
    return list(reversed(turns[:HISTORY_TURNS]))


def _turn_role(role: MessageRole) -> Literal["user", "assistant"]:
    return "user" if role is MessageRole.USER else "assistant"


def reply_of(answer: Answer, asked: dict[str, Any]) -> MessageCreate:
    """The assistant's message; it names the application the question named (``appId``), so
    its tokens count as that application's usage."""
    app = {key: asked[key] for key in ("appId",) if isinstance(asked.get(key), str)}
    return MessageCreate(
        role=MessageRole.ASSISTANT,
        content=answer.text,
        citations=[
            Citation(
                document_id=c.documentId,
                chunk_id=c.chunkId,
                page=c.page if c.page and c.page >= 1 else None,
                score=c.score,
                snippet=c.snippet[:SNIPPET_CHARS],
                file_name=c.fileName[:255] or None,
            )
            for c in answer.citations[:50]
        ],
        token_usage=TokenUsage(input_tokens=answer.inputTokens, output_tokens=answer.outputTokens),
        metadata={"model": answer.model, **app},
    )
