"""Responders turn a question and numbered passages into a reply that cites passage numbers.

``BedrockConverseResponder`` asks a Bedrock model through the Converse API; ``ExtractiveResponder``
(tests and the local stack) quotes the closest passages and says plainly that it is extractive.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from strata.assistant.types import HistoryTurn
from strata.errors import Throttled, Unavailable
from strata.search.service import make_snippet

EXTRACTIVE_MODEL = "extractive"

SYSTEM_PROMPT = (
    "You are Strata, an assistant that answers questions about the user's own documents.\n"
    "Answer from the numbered passages in the user's message. After every statement taken from "
    "a passage, cite it by number in square brackets, like [1] or [2][3]. Cite only passages "
    "that exist and support the statement. If the passages do not contain the answer, say that "
    "you could not find it in the user's documents; never make facts up. What you know about "
    "the user may shape the tone and focus of the answer but is not a source to cite. Answer in "
    "the language of the question, concisely."
)

_CITATION = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_THROTTLING_CODES = frozenset({"ThrottlingException", "ServiceQuotaExceededException"})


@dataclass(frozen=True)
class Passage:
    """One retrieved chunk, numbered from 1 in the order given to the responder."""

    number: int
    documentId: str
    chunkId: str
    fileName: str
    page: int | None
    content: str
    score: float


@dataclass(frozen=True)
class Reply:
    text: str
    cited: tuple[int, ...]  # passage numbers, in order of first citation
    inputTokens: int
    outputTokens: int
    model: str


class Responder(Protocol):
    def respond(
        self,
        question: str,
        passages: Sequence[Passage],
        memories: Sequence[str],
        history: Sequence[HistoryTurn],
    ) -> Reply: ...


def cited_numbers(text: str, passage_count: int) -> tuple[int, ...]:
    """Passage numbers cited as ``[n]`` or ``[n, m]``, first citation first; numbers that name
    no passage are ignored."""
    seen: dict[int, None] = {}
    for group in _CITATION.findall(text):
        for part in group.split(","):
            number = int(part)
            if 1 <= number <= passage_count:
                seen.setdefault(number, None)
    return tuple(seen)


def passages_prompt(question: str, passages: Sequence[Passage], memories: Sequence[str]) -> str:
    lines: list[str] = []
    if memories:
        lines.append("What you know about the user:")
        lines.extend(f"- {memory}" for memory in memories)
        lines.append("")
    if passages:
        lines.append("Passages from the user's documents:")
        for passage in passages:
            where = passage.fileName + (f", page {passage.page}" if passage.page else "")
            lines.append(f"[{passage.number}] ({where})\n{passage.content}")
            lines.append("")
    else:
        lines.append("No passage of the user's documents matched this question.")
        lines.append("")
    lines.append(f"Question: {question}")
    return "\n".join(lines)


def converse_messages(
    history: Sequence[HistoryTurn], prompt: str, question: str, max_turns: int
) -> list[dict[str, Any]]:
    """Converse wants strictly alternating, non-blank turns that start and end with the user:
    drop blank turns, a leading assistant turn and a trailing copy of the question, merge
    same-role neighbours."""
    turns = [turn for turn in list(history)[-max_turns:] if turn.content.strip()]
    if turns and turns[-1].role == "user" and turns[-1].content.strip() == question.strip():
        turns.pop()
    while turns and turns[0].role == "assistant":
        turns.pop(0)
    merged: list[tuple[str, list[str]]] = []
    for turn in [*turns, HistoryTurn(role="user", content=prompt)]:
        if merged and merged[-1][0] == turn.role:
            merged[-1][1].append(turn.content)
        else:
            merged.append((turn.role, [turn.content]))
    return [{"role": role, "content": [{"text": "\n\n".join(texts)}]} for role, texts in merged]


class BedrockConverseResponder:
    """Answers with a Bedrock model through ``converse`` (``client`` is ``bedrock-runtime``)."""

    def __init__(
        self,
        client: Any,
        model_id: str,
        *,
        max_tokens: int = 1024,
        temperature: float = 0.2,
        max_history_turns: int = 10,
    ) -> None:
        self._client = client
        self._model_id = model_id
        self._max_tokens = max_tokens
        self._temperature = temperature
        self._max_history_turns = max_history_turns

    def respond(
        self,
        question: str,
        passages: Sequence[Passage],
        memories: Sequence[str],
        history: Sequence[HistoryTurn],
    ) -> Reply:
        prompt = passages_prompt(question, passages, memories)
        response = self._converse(
            converse_messages(history, prompt, question, self._max_history_turns)
        )
        blocks = response.get("output", {}).get("message", {}).get("content", [])
        text = "".join(block.get("text", "") for block in blocks).strip()
        if not text:
            raise Unavailable(
                "the answer model returned no text",
                details={"model": self._model_id, "stopReason": response.get("stopReason")},
            )
        usage = response.get("usage", {})
        return Reply(
            text=text,
            cited=cited_numbers(text, len(passages)),
            inputTokens=int(usage.get("inputTokens", 0)),
            outputTokens=int(usage.get("outputTokens", 0)),
            model=self._model_id,
        )

    def _request(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        """The arguments of ``converse`` and ``converse_stream``."""
        return {
            "modelId": self._model_id,
            "system": [{"text": SYSTEM_PROMPT}],
            "messages": messages,
            "inferenceConfig": {"maxTokens": self._max_tokens, "temperature": self._temperature},
        }

    def _converse(self, messages: list[dict[str, Any]]) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

        try:
            return self._client.converse(**self._request(messages))
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            details = {"model": self._model_id, "code": code}
            if code in _THROTTLING_CODES:
                raise Throttled("the answer model is throttling requests", details=details) from exc
            raise Unavailable("the answer model could not answer", details=details) from exc
        except BotoCoreError as exc:
            details = {"model": self._model_id, "code": type(exc).__name__}
            raise Unavailable("the answer model could not be reached", details=details) from exc


class ExtractiveResponder:
    """No language model: quotes up to ``max_quotes`` passages scoring at least ``min_score`` and
    says that the answer is extractive."""

    def __init__(self, *, max_quotes: int = 3, min_score: float = 0.1) -> None:
        self._max_quotes = max_quotes
        self._min_score = min_score

    def respond(
        self,
        question: str,
        passages: Sequence[Passage],
        memories: Sequence[str],
        history: Sequence[HistoryTurn],
    ) -> Reply:
        chosen = [p for p in passages if p.score >= self._min_score][: self._max_quotes]
        if not chosen:
            text = (
                "This is an extractive answer (no language model was used). Nothing in your "
                "documents matches this question closely enough to quote."
            )
        else:
            quotes = [
                f'[{p.number}] "{make_snippet(p.content, question, 300)}" ({p.fileName}'
                + (f", page {p.page})" if p.page else ")")
                for p in chosen
            ]
            text = (
                "This is an extractive answer (no language model was used). The passages of "
                "your documents closest to your question are:\n\n" + "\n\n".join(quotes)
            )
        return Reply(
            text=text,
            cited=tuple(p.number for p in chosen),
            inputTokens=0,
            outputTokens=0,
            model=EXTRACTIVE_MODEL,
        )
