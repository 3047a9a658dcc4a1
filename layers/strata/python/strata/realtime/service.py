"""The WebSocket API's behaviour: connect, disconnect, ping and ``sendMessage``.

:class:`ConnectionService` admits a connection only with a valid Cognito ID token and records it
(user, connectedAt, a TTL); ``$disconnect`` deletes it. :class:`RealtimeChat` stores the user's
message once per ``clientMessageId``, streams the answer as ``delta`` frames, stores the
assistant's message and then sends ``done``; a failing model sends ``error`` and the user's
message stays stored. A resend of a ``clientMessageId`` stores nothing and answers nothing new:
the stored answer goes out again (one ``delta`` with its text, then ``done``), or, if the first
attempt found no answer, the question is answered now (the store keeps one answer at most).
"""

from __future__ import annotations

import logging
from typing import Any

from strata.assistant.types import Answer
from strata.errors import NotFound, StrataError, Throttled, Unavailable
from strata.models import ChatMessage, MessageCreate, MessageRole
from strata.realtime.frames import (
    Delta,
    Done,
    ErrorFrame,
    FrameCitation,
    Pong,
    SendMessage,
)
from strata.realtime.push import FrameSender, RequestFrames
from strata.realtime.streaming import StreamingAssistant
from strata.realtime.tokens import IdTokenVerifier
from strata.services.sessions import history_of, reply_of
from strata.store.chat import AlreadyAnswered, ChatRepository
from strata.store.connections import ConnectionRepository

log = logging.getLogger(__name__)

ERROR_CODES: dict[type[StrataError], str] = {
    Throttled: "Throttled",
    Unavailable: "Unavailable",
    NotFound: "NotFound",
}


def error_code(exc: StrataError) -> str:
    if exc.status_code == 400:
        return "BadRequest"
    for kind, code in ERROR_CODES.items():
        if isinstance(exc, kind):
            return code
    return exc.type


class ConnectionService:
    def __init__(self, connections: ConnectionRepository, verifier: IdTokenVerifier) -> None:
        self._connections = connections
        self._verifier = verifier

    def connect(self, connection_id: str, token: str | None, user_agent: str | None) -> str:
        """Verify the token and record the connection (1 PutItem); returns the user's ``sub``.
        A missing or invalid token -> Unauthorized, nothing recorded."""
        claims = self._verifier.verify(token)
        user_id = str(claims["sub"])
        agent = user_agent[:512] if user_agent else None
        self._connections.open(user_id, connection_id, user_agent=agent)
        return user_id

    def disconnect(self, connection_id: str) -> None:
        """1 DeleteItem; a connection never recorded is fine."""
        self._connections.close(connection_id)

    def user_of(self, connection_id: str) -> str:
        """The user of a recorded connection: 1 GetItem. Unknown or expired -> NotFound."""
        return self._connections.get(connection_id).user_id


class RealtimeChat:
    def __init__(
        self,
        connections: ConnectionService,
        chat: ChatRepository,
        assistant: StreamingAssistant,
        sender: FrameSender,
    ) -> None:
        self._connections = connections
        self._chat = chat
        self._assistant = assistant
        self._sender = sender

    def frames(self, connection_id: str, request_id: str) -> RequestFrames:
        return RequestFrames(self._sender, connection_id, request_id)

    def ping(self, connection_id: str, request_id: str) -> None:
        self.frames(connection_id, request_id).send(Pong())

    def reject(self, connection_id: str, request_id: str, error: StrataError) -> None:
        """A frame that could not be handled: one ``error`` frame naming why."""
        self.frames(connection_id, request_id).send(_error(error, None))

    def send_message(self, connection_id: str, request_id: str, frame: SendMessage) -> None:
        out = self.frames(connection_id, request_id)
        try:
            user_id = self._connections.user_of(connection_id)
            sent = self._chat.append_client_message(
                user_id,
                frame.sessionId,
                frame.clientMessageId,
                MessageCreate(role=MessageRole.USER, content=frame.content),
            )
        except StrataError as exc:
            out.send(_error(exc, None))
            return
        user_message_id = sent.record.user_message_id
        if sent.record.reply_message_id is not None:
            self._replay(out, user_id, frame, sent.record.reply_message_id, user_message_id)
            return
        if not frame.respond:
            out.send(Done(messageId=None, userMessageId=user_message_id))
            return
        self._answer(out, user_id, frame, user_message_id)

    def _answer(
        self, out: RequestFrames, user_id: str, frame: SendMessage, user_message_id: str
    ) -> None:
        history = history_of(self._chat, user_id, frame.sessionId, before=user_message_id)
        answer: Answer | None = None
        try:
            for item in self._assistant.stream(user_id, frame.content, history):
                if isinstance(item, Answer):
                    answer = item
                else:
                    out.send(Delta(text=item))
            if answer is None:
                raise Unavailable("the answer model returned no answer")
            reply = self._chat.append_client_reply(
                user_id, frame.sessionId, frame.clientMessageId, reply_of(answer, {})
            )
        except AlreadyAnswered as exc:
            self._replay(out, user_id, frame, exc.reply_message_id, user_message_id, text=False)
            return
        except StrataError as exc:
            out.send(_error(exc, user_message_id))
            return
        out.send(_done(reply, user_message_id))

    def _replay(
        self,
        out: RequestFrames,
        user_id: str,
        frame: SendMessage,
        reply_id: str,
        user_message_id: str,
        *,
        text: bool = True,
    ) -> None:
        """The stored answer again: its text as one delta (unless streamed already), then done."""
        reply = self._chat.get_message(user_id, frame.sessionId, reply_id)
        if text:
            out.send(Delta(text=reply.content))
        out.send(_done(reply, user_message_id))


def _done(reply: ChatMessage, user_message_id: str) -> Done:
    return Done(
        messageId=reply.message_id,
        userMessageId=user_message_id,
        citations=_citations(reply),
    )


def _citations(reply: ChatMessage) -> list[FrameCitation]:
    return [
        FrameCitation(
            documentId=c.document_id,
            chunkId=c.chunk_id,
            fileName=c.file_name,
            page=c.page,
            snippet=c.snippet,
            score=c.score,
        )
        for c in reply.citations
    ]


def _error(exc: StrataError, user_message_id: str | None) -> ErrorFrame:
    code = error_code(exc)
    details: dict[str, Any] = dict(exc.details)
    message = exc.message
    if user_message_id is not None:
        message = f"{message}; your message was saved, send it again to get an answer"
    return ErrorFrame(code=code, message=message, userMessageId=user_message_id, details=details)
