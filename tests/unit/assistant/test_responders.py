from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from strata.assistant.responders import (
    SYSTEM_PROMPT,
    BedrockConverseResponder,
    ExtractiveResponder,
    Passage,
    cited_numbers,
    converse_messages,
    passages_prompt,
)
from strata.assistant.types import HistoryTurn
from strata.errors import Throttled, Unavailable

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
PASSAGES = [
    Passage(1, "doc-1", "doc-1:0", "handbook.pdf", 4, "Vacation is 25 days a year.", 0.82),
    Passage(2, "doc-2", "doc-2:3", "policy.md", None, "Unused days expire in March.", 0.61),
]


def converse_response(text: str, input_tokens: int = 120, output_tokens: int = 18) -> Any:
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": "end_turn",
        "usage": {
            "inputTokens": input_tokens,
            "outputTokens": output_tokens,
            "totalTokens": input_tokens + output_tokens,
        },
        "metrics": {"latencyMs": 420},
    }


@pytest.fixture
def bedrock() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("bedrock-runtime", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def test_converse_request_carries_system_prompt_history_and_numbered_passages(
    bedrock: tuple[Any, Stubber],
) -> None:
    # Given an earlier exchange and two passages
    client, stubber = bedrock
    history = [
        HistoryTurn(role="user", content="Hi"),
        HistoryTurn(role="assistant", content="Hello! How can I help?"),
    ]
    question = "How much vacation do I get?"
    expected_prompt = (
        "What you know about the user:\n"
        "- works part time\n"
        "\n"
        "Passages from the user's documents:\n"
        "[1] (handbook.pdf, page 4)\nVacation is 25 days a year.\n"
        "\n"
        "[2] (policy.md)\nUnused days expire in March.\n"
        "\n"
        "Question: How much vacation do I get?"
    )
    stubber.add_response(
        "converse",
        converse_response("You get 25 days [1]; unused ones expire in March [2]."),
        {
            "modelId": MODEL,
            "system": [{"text": SYSTEM_PROMPT}],
            "messages": [
                {"role": "user", "content": [{"text": "Hi"}]},
                {"role": "assistant", "content": [{"text": "Hello! How can I help?"}]},
                {"role": "user", "content": [{"text": expected_prompt}]},
            ],
            "inferenceConfig": {"maxTokens": 1024, "temperature": 0.2},
        },
    )
    # When the responder answers
    reply = BedrockConverseResponder(client, MODEL).respond(
        question, PASSAGES, ["works part time"], history
    )
    # Then the reply keeps the text, the cited numbers and the token usage
    assert reply.text == "You get 25 days [1]; unused ones expire in March [2]."
    assert reply.cited == (1, 2)
    assert (reply.inputTokens, reply.outputTokens, reply.model) == (120, 18, MODEL)


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("ThrottlingException", Throttled),
        ("ServiceUnavailableException", Unavailable),
        ("ModelTimeoutException", Unavailable),
        ("AccessDeniedException", Unavailable),
        ("ValidationException", Unavailable),
    ],
)
def test_bedrock_failures_become_typed_errors(
    bedrock: tuple[Any, Stubber], code: str, error: type[Exception]
) -> None:
    client, stubber = bedrock
    stubber.add_client_error("converse", code, http_status_code=400)
    with pytest.raises(error):
        BedrockConverseResponder(client, MODEL).respond("q", PASSAGES, [], [])


def test_an_empty_model_reply_is_unavailable(bedrock: tuple[Any, Stubber]) -> None:
    client, stubber = bedrock
    stubber.add_response("converse", converse_response("   "))
    with pytest.raises(Unavailable):
        BedrockConverseResponder(client, MODEL).respond("q", PASSAGES, [], [])


def test_history_is_made_to_alternate_and_end_with_the_new_prompt() -> None:
    # Given a history that starts with the assistant, repeats a role and ends with the question
    history = [
        HistoryTurn(role="assistant", content="Welcome"),
        HistoryTurn(role="user", content="first"),
        HistoryTurn(role="user", content="second"),
        HistoryTurn(role="assistant", content="answer"),
        HistoryTurn(role="user", content="the question"),
    ]
    # When converted for Converse
    messages = converse_messages(history, "PROMPT", "the question", max_turns=10)
    # Then turns alternate, start with the user, and the stored question is not sent twice
    assert messages == [
        {"role": "user", "content": [{"text": "first\n\nsecond"}]},
        {"role": "assistant", "content": [{"text": "answer"}]},
        {"role": "user", "content": [{"text": "PROMPT"}]},
    ]


def test_a_blank_stored_turn_is_not_sent_as_a_blank_block() -> None:
    # Given a history holding a whitespace-only user message between two answers
    history = [
        HistoryTurn(role="user", content="first"),
        HistoryTurn(role="assistant", content="answer one"),
        HistoryTurn(role="user", content="  \n "),
        HistoryTurn(role="assistant", content="answer two"),
    ]
    # When converted for Converse (which refuses blank text blocks)
    messages = converse_messages(history, "PROMPT", "q", max_turns=10)
    # Then no block is blank and the turns still alternate
    assert messages == [
        {"role": "user", "content": [{"text": "first"}]},
        {"role": "assistant", "content": [{"text": "answer one\n\nanswer two"}]},
        {"role": "user", "content": [{"text": "PROMPT"}]},
    ]


def test_history_is_bounded_to_the_latest_turns() -> None:
    history = [
        HistoryTurn(role="user" if i % 2 == 0 else "assistant", content=f"t{i}") for i in range(30)
    ]
    messages = converse_messages(history, "PROMPT", "q", max_turns=4)
    assert [m["content"][0]["text"] for m in messages] == ["t26", "t27", "t28", "t29", "PROMPT"]


def test_citation_numbers_are_parsed_in_order_without_unknown_ones() -> None:
    text = "A [2]. B [1, 2]. C [7]. D [3][1]. Not a citation: [x]."
    assert cited_numbers(text, passage_count=3) == (2, 1, 3)


def test_the_prompt_says_when_no_passage_matched() -> None:
    prompt = passages_prompt("Where is the office?", [], [])
    assert "No passage of the user's documents matched this question." in prompt
    assert prompt.endswith("Question: Where is the office?")


def test_the_extractive_responder_quotes_the_closest_passages_and_says_what_it_is() -> None:
    # Given two passages, one below the quoting threshold
    weak = Passage(3, "doc-3", "doc-3:0", "misc.txt", None, "Unrelated text.", 0.02)
    # When the extractive responder answers
    reply = ExtractiveResponder().respond("vacation days", [*PASSAGES, weak], [], [])
    # Then it quotes the relevant passages with their sources, cites them, and names itself
    assert reply.text.startswith("This is an extractive answer (no language model was used).")
    assert '[1] "Vacation is 25 days a year." (handbook.pdf, page 4)' in reply.text
    assert '[2] "Unused days expire in March." (policy.md)' in reply.text
    assert "Unrelated" not in reply.text
    assert reply.cited == (1, 2)
    assert (reply.inputTokens, reply.outputTokens, reply.model) == (0, 0, "extractive")


def test_the_extractive_responder_says_when_nothing_matches() -> None:
    reply = ExtractiveResponder().respond("anything", [], [], [])
    assert "Nothing in your documents matches" in reply.text
    assert reply.cited == ()
