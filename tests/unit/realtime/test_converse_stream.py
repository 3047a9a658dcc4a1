"""ConverseStream events (shapes recorded from Bedrock's documentation and botocore) -> text
deltas, the end with token usage, and in-stream exceptions as Strata errors."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from botocore.exceptions import EventStreamError

from strata.errors import Throttled, Unavailable
from strata.realtime.converse import StreamEnd, TextDelta, parse_events

MODEL = "us.anthropic.claude-haiku-4-5-20251001-v1:0"

# One answer as converse_stream's EventStream yields it.
RECORDED: list[dict[str, Any]] = [
    {"messageStart": {"role": "assistant"}},
    {"contentBlockDelta": {"delta": {"text": "The policy grants"}, "contentBlockIndex": 0}},
    {"contentBlockDelta": {"delta": {"text": " twenty-five days [1]."}, "contentBlockIndex": 0}},
    {"contentBlockStop": {"contentBlockIndex": 0}},
    {"messageStop": {"stopReason": "end_turn"}},
    {
        "metadata": {
            "usage": {"inputTokens": 412, "outputTokens": 9, "totalTokens": 421},
            "metrics": {"latencyMs": 640},
        }
    },
]


def test_a_recorded_stream_gives_its_text_in_order_then_the_end_with_usage() -> None:
    events = list(parse_events(RECORDED, MODEL))
    assert events == [
        TextDelta("The policy grants"),
        TextDelta(" twenty-five days [1]."),
        StreamEnd(stop_reason="end_turn", input_tokens=412, output_tokens=9),
    ]


def test_non_text_deltas_and_block_starts_are_skipped() -> None:
    events: list[dict[str, Any]] = [
        {"messageStart": {"role": "assistant"}},
        {"contentBlockStart": {"start": {"toolUse": {"toolUseId": "t", "name": "x"}}}},
        {"contentBlockDelta": {"delta": {"toolUse": {"input": "{}"}}, "contentBlockIndex": 0}},
        {"contentBlockDelta": {"delta": {"text": "ok"}, "contentBlockIndex": 1}},
        {"messageStop": {"stopReason": "max_tokens"}},
    ]
    assert list(parse_events(events, MODEL)) == [
        TextDelta("ok"),
        StreamEnd(stop_reason="max_tokens", input_tokens=0, output_tokens=0),
    ]


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("throttlingException", Throttled),
        ("modelStreamErrorException", Unavailable),
        ("internalServerException", Unavailable),
        ("serviceUnavailableException", Unavailable),
        ("validationException", Unavailable),
    ],
)
def test_an_in_stream_exception_event_raises_after_the_text_already_given(
    name: str, error: type[Exception]
) -> None:
    # Given a stream that fails after its first delta
    events = [
        RECORDED[0],
        RECORDED[1],
        {name: {"message": "the model failed", "originalStatusCode": 500}},
    ]
    parsed = parse_events(events, MODEL)
    # Then the delta comes first, then the error
    assert next(parsed) == TextDelta("The policy grants")
    with pytest.raises(error) as raised:
        next(parsed)
    assert raised.value.details["code"] == name  # type: ignore[attr-defined]


def raising_stream(code: str) -> Iterator[Mapping[str, Any]]:
    """What botocore does with an exception event: it raises EventStreamError mid-iteration."""
    yield RECORDED[1]
    raise EventStreamError(
        {"Error": {"Code": code, "Message": "Too many tokens, please wait."}}, "ConverseStream"
    )


def test_botocores_event_stream_error_for_throttling_is_throttled() -> None:
    parsed = parse_events(raising_stream("throttlingException"), MODEL)
    assert next(parsed) == TextDelta("The policy grants")
    with pytest.raises(Throttled):
        next(parsed)


def test_botocores_event_stream_error_for_a_model_error_is_unavailable() -> None:
    with pytest.raises(Unavailable, match="failed while answering"):
        list(parse_events(raising_stream("modelStreamErrorException"), MODEL))


def test_a_stream_that_ends_without_message_stop_is_unavailable() -> None:
    with pytest.raises(Unavailable, match="ended early"):
        list(parse_events(RECORDED[:3], MODEL))
