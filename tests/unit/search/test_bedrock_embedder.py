from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ReadTimeoutError
from botocore.response import StreamingBody
from botocore.stub import Stubber

from strata.errors import Throttled, Unavailable, ValidationError
from strata.search.bedrock import (
    TITAN_V2_MAX_CHARS,
    TITAN_V2_MAX_TOKENS,
    BedrockTitanEmbedder,
    build_bedrock_runtime_client,
    estimate_tokens,
    truncate_for_titan,
)

MODEL = "amazon.titan-embed-text-v2:0"


def titan_response(values: list[float]) -> dict[str, Any]:
    data = json.dumps({"embedding": values, "inputTextTokenCount": 3}).encode()
    return {"body": StreamingBody(io.BytesIO(data), len(data)), "contentType": "application/json"}


def request(text: str, dimension: int = 256) -> dict[str, Any]:
    return {
        "modelId": MODEL,
        "body": json.dumps({"inputText": text, "dimensions": dimension, "normalize": True}),
        "contentType": "application/json",
        "accept": "application/json",
    }


@pytest.fixture
def bedrock() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("bedrock-runtime", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def no_sleep(_: float) -> None:
    return None


def test_each_text_is_one_invoke_model_call_with_dimension_and_normalize(
    bedrock: tuple[Any, Stubber],
) -> None:
    # Given Bedrock answers two calls
    client, stubber = bedrock
    first, second = [0.6, 0.8] + [0.0] * 254, [0.0, 1.0] + [0.0] * 254
    stubber.add_response("invoke_model", titan_response(first), request("first text"))
    stubber.add_response("invoke_model", titan_response(second), request("second text"))
    embedder = BedrockTitanEmbedder(client, dimension=256, concurrency=1)
    # When two texts are embedded
    vectors = embedder.embed(["first text", "second text"])
    # Then each was one request of the documented shape, and order is kept
    assert vectors == [tuple(first), tuple(second)]
    assert embedder.dimension == 256


def test_throttling_is_retried_with_backoff_then_succeeds(bedrock: tuple[Any, Stubber]) -> None:
    # Given Bedrock throttles twice, then answers
    client, stubber = bedrock
    for _ in range(2):
        stubber.add_client_error("invoke_model", "ThrottlingException", http_status_code=429)
    stubber.add_response("invoke_model", titan_response([1.0] + [0.0] * 255), request("hello"))
    delays: list[float] = []
    embedder = BedrockTitanEmbedder(
        client, dimension=256, base_delay=0.5, sleep=delays.append, jitter=lambda: 1.0
    )
    # When a text is embedded
    (vector,) = embedder.embed(["hello"])
    # Then it succeeded after two exponentially growing waits
    assert vector[0] == 1.0
    assert delays == [0.5, 1.0]


def test_persistent_throttling_becomes_throttled(bedrock: tuple[Any, Stubber]) -> None:
    client, stubber = bedrock
    for _ in range(3):
        stubber.add_client_error("invoke_model", "ThrottlingException", http_status_code=429)
    embedder = BedrockTitanEmbedder(client, dimension=256, max_attempts=3, sleep=no_sleep)
    with pytest.raises(Throttled) as raised:
        embedder.embed(["hello"])
    assert raised.value.details == {"model": MODEL, "code": "ThrottlingException", "attempts": 3}


def test_a_non_retryable_error_becomes_unavailable_at_once(bedrock: tuple[Any, Stubber]) -> None:
    # Given Bedrock denies access (a misconfiguration, not a transient failure)
    client, stubber = bedrock
    stubber.add_client_error("invoke_model", "AccessDeniedException", http_status_code=403)
    embedder = BedrockTitanEmbedder(client, dimension=256, sleep=no_sleep)
    # Then the embedder gives up on the first attempt
    with pytest.raises(Unavailable) as raised:
        embedder.embed(["hello"])
    assert raised.value.details["attempts"] == 1


def test_a_response_of_the_wrong_size_is_unavailable(bedrock: tuple[Any, Stubber]) -> None:
    client, stubber = bedrock
    stubber.add_response("invoke_model", titan_response([1.0, 0.0]), request("hello"))
    with pytest.raises(Unavailable):
        BedrockTitanEmbedder(client, dimension=256).embed(["hello"])


class FakeBedrock:
    """Counts concurrent calls; fails each text's first call with a read timeout if asked."""

    def __init__(self, dimension: int, *, fail_first: bool = False) -> None:
        self.dimension = dimension
        self.fail_first = fail_first
        self.lock = threading.Lock()
        self.active = 0
        self.peak = 0
        self.calls: list[str] = []

    def invoke_model(self, **kwargs: Any) -> dict[str, Any]:
        text = json.loads(kwargs["body"])["inputText"]
        with self.lock:
            self.calls.append(text)
            first_call = self.calls.count(text) == 1
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            time.sleep(0.01)  # long enough for the pool to overlap calls
            if self.fail_first and first_call:
                raise ReadTimeoutError(endpoint_url="https://bedrock")
            values = [0.0] * self.dimension
            values[int(text.split()[-1]) % self.dimension] = 1.0
            return titan_response(values)
        finally:
            with self.lock:
                self.active -= 1


def test_calls_run_concurrently_but_never_above_the_bound() -> None:
    # Given an embedder allowed three calls at a time
    fake = FakeBedrock(256)
    embedder = BedrockTitanEmbedder(fake, dimension=256, concurrency=3)
    texts = [f"text {i}" for i in range(12)]
    # When twelve texts are embedded
    vectors = embedder.embed(texts)
    # Then results keep input order and at most three calls overlapped (and more than one did)
    assert [vector.index(1.0) for vector in vectors] == list(range(12))
    assert 1 < fake.peak <= 3


def test_connection_failures_are_retried() -> None:
    fake = FakeBedrock(256, fail_first=True)
    embedder = BedrockTitanEmbedder(fake, dimension=256, concurrency=2, sleep=no_sleep)
    vectors = embedder.embed(["text 1", "text 2"])
    assert [vector.index(1.0) for vector in vectors] == [1, 2]
    assert len(fake.calls) == 4


def test_an_empty_text_is_refused_before_any_call() -> None:
    fake = FakeBedrock(256)
    with pytest.raises(ValidationError):
        BedrockTitanEmbedder(fake, dimension=256).embed(["fine", "   "])
    assert fake.calls == []


def test_only_titan_v2_dimensions_are_accepted() -> None:
    with pytest.raises(ValueError, match="dimension"):
        BedrockTitanEmbedder(FakeBedrock(300), dimension=300)


def test_short_texts_are_sent_unchanged() -> None:
    text = "A normal paragraph, with punctuation; and numbers 12345."
    assert truncate_for_titan(text) == text


def test_long_texts_are_cut_under_the_character_limit() -> None:
    text = "word " * 20_000  # 100,000 characters, about 20,000 real tokens
    cut = truncate_for_titan(text)
    assert len(cut) <= TITAN_V2_MAX_CHARS
    assert estimate_tokens(cut) < TITAN_V2_MAX_TOKENS


def test_dense_scripts_are_cut_by_the_token_estimate() -> None:
    # Given 20,000 CJK characters (each may be a token of its own)
    text = "漢" * 20_000
    # When cut for Titan
    cut = truncate_for_titan(text)
    # Then it fits the token limit even counting one token per character
    assert 0 < len(cut) < TITAN_V2_MAX_TOKENS
    assert text.startswith(cut)


def test_the_production_client_leaves_retries_to_the_embedder() -> None:
    client = build_bedrock_runtime_client("eu-west-1")
    assert client.meta.region_name == "eu-west-1"
    assert client.meta.config.retries["total_max_attempts"] == 1
