"""The contract between the chat messages service and the assistant."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol


@dataclass(frozen=True)
class Citation:
    documentId: str
    chunkId: str
    fileName: str
    page: int | None
    snippet: str
    score: float


@dataclass(frozen=True)
class HistoryTurn:
    role: Literal["user", "assistant"]
    content: str


@dataclass(frozen=True)
class Answer:
    text: str
    citations: tuple[Citation, ...]
    inputTokens: int
    outputTokens: int
    model: str  # the model id, or "extractive" for the local responder


class Assistant(Protocol):
    """Answers ``question`` for ``user_id`` from that user's documents and memories only.

    Raises ``strata.errors.Unavailable`` (or ``Throttled``) when the model cannot answer; the
    caller keeps the user's message either way.
    """

    def answer(self, user_id: str, question: str, history: Sequence[HistoryTurn]) -> Answer: ...
