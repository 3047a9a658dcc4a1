from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from strata.assistant.factory import build_assistant, build_responder
from strata.assistant.responders import (
    BedrockConverseResponder,
    ExtractiveResponder,
    Passage,
    Reply,
)
from strata.assistant.retrieval import RetrievalAssistant
from strata.assistant.types import HistoryTurn
from strata.errors import Unavailable, ValidationError
from strata.search.local import LocalLexicalEmbedder, LocalVectorIndex
from strata.search.service import SearchService
from tests.support.settings import make_settings
from tests.unit.search.builders import DIMENSION, chunk, memory

ALICE, BOB = "user-alice", "user-bob"


@pytest.fixture
def search() -> SearchService:
    index = LocalVectorIndex(dimension=DIMENSION)
    index.replace_document_chunks(
        ALICE,
        "doc-hr",
        [
            chunk(ALICE, "doc-hr", 0, "Employees get 25 days of paid vacation per year.", page=2),
            chunk(ALICE, "doc-hr", 1, "Parking spaces are assigned by the facilities team."),
        ],
    )
    index.replace_document_chunks(
        BOB, "doc-bob", [chunk(BOB, "doc-bob", 0, "Bob gets 30 days of paid vacation per year.")]
    )
    index.put_memory(memory(ALICE, "m-1", "Alice asks about vacation every spring"))
    index.put_memory(memory(BOB, "m-2", "Bob asks about vacation too"))
    return SearchService(LocalLexicalEmbedder(DIMENSION), index)


class RecordingResponder:
    """Remembers what it was given and cites the passage numbers it is told to."""

    def __init__(self, cite: Sequence[int]) -> None:
        self.cite = tuple(cite)
        self.calls: list[dict[str, Any]] = []

    def respond(
        self,
        question: str,
        passages: Sequence[Passage],
        memories: Sequence[str],
        history: Sequence[HistoryTurn],
    ) -> Reply:
        self.calls.append(
            {"question": question, "passages": list(passages), "memories": list(memories)}
        )
        return Reply("answer", self.cite, 11, 7, "test-model")


def test_the_answer_cites_only_the_passages_the_reply_cites(search: SearchService) -> None:
    # Given a responder that cites passage 1 and a number that names no passage
    responder = RecordingResponder(cite=[1, 9])
    assistant = RetrievalAssistant(search, responder)
    # When Alice asks about vacation
    answer = assistant.answer(ALICE, "How many vacation days do I get?", [])
    # Then one citation, to her best passage, with its source and a snippet
    (citation,) = answer.citations
    assert (citation.documentId, citation.chunkId, citation.fileName, citation.page) == (
        "doc-hr",
        "doc-hr:0",
        "report.pdf",
        2,
    )
    assert citation.snippet == "Employees get 25 days of paid vacation per year."
    assert 0 < citation.score <= 1
    assert (answer.text, answer.inputTokens, answer.outputTokens, answer.model) == (
        "answer",
        11,
        7,
        "test-model",
    )


def test_the_responder_sees_only_the_callers_passages_and_memories(
    search: SearchService,
) -> None:
    responder = RecordingResponder(cite=[])
    RetrievalAssistant(search, responder).answer(ALICE, "paid vacation days per year", [])
    (call,) = responder.calls
    assert {p.documentId for p in call["passages"]} == {"doc-hr"}
    assert [p.number for p in call["passages"]] == list(range(1, len(call["passages"]) + 1))
    assert call["memories"] == ["Alice asks about vacation every spring"]


def test_the_extractive_assistant_answers_with_citations_end_to_end(
    search: SearchService,
) -> None:
    answer = RetrievalAssistant(search, ExtractiveResponder()).answer(
        BOB, "paid vacation per year", []
    )
    assert answer.model == "extractive"
    assert "extractive" in answer.text
    assert [c.chunkId for c in answer.citations] == ["doc-bob:0"]


def test_a_bedrock_failure_raises_unavailable(search: SearchService) -> None:
    # Given Bedrock fails
    client = boto3.client("bedrock-runtime", region_name="us-east-1")
    with Stubber(client) as stubber:
        stubber.add_client_error("converse", "ServiceUnavailableException", http_status_code=503)
        assistant = RetrievalAssistant(search, BedrockConverseResponder(client, "model-x"))
        # Then the assistant raises Unavailable for the caller to map to 503
        with pytest.raises(Unavailable):
            assistant.answer(ALICE, "vacation", [])


def test_an_empty_question_is_refused(search: SearchService) -> None:
    with pytest.raises(ValidationError):
        RetrievalAssistant(search, ExtractiveResponder()).answer(ALICE, "  ", [])


def test_a_very_long_question_is_answered_from_its_beginning(search: SearchService) -> None:
    responder = RecordingResponder(cite=[1])
    question = "paid vacation " + "x" * 5000
    answer = RetrievalAssistant(search, responder).answer(ALICE, question, [])
    assert responder.calls[0]["question"] == question
    assert answer.citations[0].documentId == "doc-hr"


def test_the_factory_builds_the_configured_responder() -> None:
    local = make_settings(embedder="local", vector_index="local", responder="extractive")
    assert isinstance(build_responder(local), ExtractiveResponder)
    assert isinstance(build_assistant(local), RetrievalAssistant)
    assert build_assistant(local) is build_assistant(local)
    bedrock = build_responder(make_settings(responder="bedrock", region="us-west-2"))
    assert isinstance(bedrock, BedrockConverseResponder)
