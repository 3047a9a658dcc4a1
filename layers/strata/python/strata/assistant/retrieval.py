"""Retrieval-augmented answers: the user's passages and memories in, a cited answer out."""

from __future__ import annotations

from collections.abc import Sequence

from strata.assistant.responders import Passage, Reply, Responder
from strata.assistant.types import Answer, Citation, HistoryTurn
from strata.errors import ValidationError
from strata.search.models import MAX_QUERY_CHARS
from strata.search.service import SearchService, cited_page, make_snippet


class RetrievalAssistant:
    """Implements :class:`strata.assistant.types.Assistant`.

    Retrieval goes through :class:`SearchService` with the caller's user id, so the responder only
    ever sees that user's passages and memories. Citations are the passages the reply cites, and
    only those: a reply that cites nothing gets no citations rather than invented ones.
    """

    def __init__(
        self,
        search: SearchService,
        responder: Responder,
        *,
        passages: int = 6,
        min_score: float = 0.0,
    ) -> None:
        self._search = search
        self._responder = responder
        self._passages = passages
        self._min_score = min_score

    def answer(self, user_id: str, question: str, history: Sequence[HistoryTurn]) -> Answer:
        passages, memories = self.retrieve(user_id, question)
        reply = self._responder.respond(question, passages, memories, history)
        return answer_of(reply, passages, question)

    def retrieve(self, user_id: str, question: str) -> tuple[list[Passage], list[str]]:
        """The caller's numbered passages and memories for ``question`` (the streaming answer
        uses the same retrieval): one search through :class:`SearchService`."""
        if not question.strip():
            raise ValidationError("the question is empty", details={"field": "content"})
        retrieval = self._search.retrieve(
            user_id, question[:MAX_QUERY_CHARS], self._passages, include_memories=True
        )
        passages = [
            Passage(
                number=number,
                documentId=hit.documentId,
                chunkId=hit.chunkId,
                fileName=hit.metadata.fileName,
                page=cited_page(hit, question),
                content=hit.content,
                score=hit.score,
            )
            for number, hit in enumerate(
                (hit for hit in retrieval.chunks if hit.score > self._min_score), start=1
            )
        ]
        memories = [hit.content for hit in retrieval.memories if hit.score > self._min_score]
        return passages, memories


def answer_of(reply: Reply, passages: Sequence[Passage], question: str) -> Answer:
    """The answer of a reply: citations are the passages it cites, and only those."""
    by_number = {passage.number: passage for passage in passages}
    citations = tuple(
        Citation(
            documentId=by_number[number].documentId,
            chunkId=by_number[number].chunkId,
            fileName=by_number[number].fileName,
            page=by_number[number].page,
            snippet=make_snippet(by_number[number].content, question),
            score=round(by_number[number].score, 6),
        )
        for number in reply.cited
        if number in by_number
    )
    return Answer(
        text=reply.text,
        citations=citations,
        inputTokens=reply.inputTokens,
        outputTokens=reply.outputTokens,
        model=reply.model,
    )
