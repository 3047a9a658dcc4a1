"""Streamed answers: the REST answer's retrieval and citation rules, the text as it comes.

A :class:`StreamingResponder` yields the reply's text in pieces and then the whole
:class:`~strata.assistant.responders.Reply`. :class:`BedrockStreamingResponder` calls Bedrock
``ConverseStream`` with the same system prompt, passages prompt and history as the REST answer's
``converse``; :class:`ExtractiveStreamingResponder` (the local stack, tests) streams the
extractive answer in several pieces. :class:`StreamingAssistant` retrieves with
:meth:`RetrievalAssistant.retrieve` and cites with :func:`answer_of`: nothing is duplicated.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Protocol

from strata.assistant.responders import (
    BedrockConverseResponder,
    ExtractiveResponder,
    Passage,
    Reply,
    cited_numbers,
    converse_messages,
    passages_prompt,
)
from strata.assistant.retrieval import RetrievalAssistant, answer_of
from strata.assistant.types import Answer, HistoryTurn
from strata.errors import Unavailable
from strata.realtime.converse import StreamEnd, TextDelta, parse_events, stream_error

# The extractive answer goes out in pieces of about this many characters, at word boundaries.
EXTRACTIVE_PIECE_CHARS = 80


class StreamingResponder(Protocol):
    def stream(
        self,
        question: str,
        passages: Sequence[Passage],
        memories: Sequence[str],
        history: Sequence[HistoryTurn],
    ) -> Iterator[str | Reply]:
        """Pieces of text, then the whole :class:`Reply` (last)."""
        ...


class BedrockStreamingResponder(BedrockConverseResponder):
    """``converse_stream`` on ``bedrock-runtime`` (same model settings as the REST answer's
    ``converse``); in-stream exceptions become Throttled or Unavailable after the text already
    delivered."""

    def stream(
        self,
        question: str,
        passages: Sequence[Passage],
        memories: Sequence[str],
        history: Sequence[HistoryTurn],
    ) -> Iterator[str | Reply]:
        from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

        prompt = passages_prompt(question, passages, memories)
        messages = converse_messages(history, prompt, question, self._max_history_turns)
        try:
            response = self._client.converse_stream(**self._request(messages))
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise stream_error(
                str(error.get("Code", "")), str(error.get("Message", "")), self._model_id
            ) from exc
        except BotoCoreError as exc:
            raise Unavailable(
                "the answer model could not be reached",
                details={"model": self._model_id, "code": type(exc).__name__},
            ) from exc
        pieces: list[str] = []
        end: StreamEnd | None = None
        for event in parse_events(response["stream"], self._model_id):
            if isinstance(event, TextDelta):
                pieces.append(event.text)
                yield event.text
            else:
                end = event
        text = "".join(pieces).strip()
        if not text or end is None:
            raise Unavailable(
                "the answer model returned no text",
                details={"model": self._model_id, "stopReason": end and end.stop_reason},
            )
        yield Reply(
            text=text,
            cited=cited_numbers(text, len(passages)),
            inputTokens=end.input_tokens,
            outputTokens=end.output_tokens,
            model=self._model_id,
        )


def pieces_of(text: str, size: int = EXTRACTIVE_PIECE_CHARS) -> list[str]:
    """``text`` cut at word boundaries into pieces of about ``size`` characters; joined they are
    ``text`` exactly."""
    pieces: list[str] = []
    current = ""
    for word in re.findall(r"\S+\s*|\s+", text):
        if current and len(current) + len(word) > size:
            pieces.append(current)
            current = ""
        current += word
    if current:
        pieces.append(current)
    return pieces


class ExtractiveStreamingResponder:
    """The local extractive answer, streamed in pieces of about ``piece_chars`` characters."""

    def __init__(
        self,
        responder: ExtractiveResponder | None = None,
        *,
        piece_chars: int = EXTRACTIVE_PIECE_CHARS,
    ) -> None:
        self._responder = responder or ExtractiveResponder()
        self._piece_chars = piece_chars

    def stream(
        self,
        question: str,
        passages: Sequence[Passage],
        memories: Sequence[str],
        history: Sequence[HistoryTurn],
    ) -> Iterator[str | Reply]:
        reply = self._responder.respond(question, passages, memories, history)
        yield from pieces_of(reply.text, self._piece_chars)
        yield reply


class StreamingAssistant:
    """Answers ``question`` for ``user_id`` from that user's documents and memories only (the
    retrieval of the REST answer), yielding text pieces and then the cited :class:`Answer`."""

    def __init__(self, retrieval: RetrievalAssistant, responder: StreamingResponder) -> None:
        self._retrieval = retrieval
        self._responder = responder

    def stream(
        self, user_id: str, question: str, history: Sequence[HistoryTurn]
    ) -> Iterator[str | Answer]:
        passages, memories = self._retrieval.retrieve(user_id, question)
        for item in self._responder.stream(question, passages, memories, history):
            if isinstance(item, Reply):
                yield answer_of(item, passages, question)
                return
            yield item
        raise Unavailable("the answer model returned no answer")
