"""Every outbound call is budgeted from the invocation's remaining time (issue 9, point 7): no
read timeout outlives the deadline, no attempt or retry starts after it, in the API and the
workers, for Bedrock, S3 and DynamoDB clients alike."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from lambdas.api import handler as api
from lambdas.ingest import handler as ingest
from lambdas.streams import handler as streams
from strata.budget import MIN_CALL_SECONDS, deadline, invocation_deadline, seconds_left
from strata.documents.s3 import build_s3_client
from strata.errors import Throttled, Unavailable
from strata.search.bedrock import BedrockTitanEmbedder, build_bedrock_runtime_client
from strata.store.factory import dynamodb_client

CONVERSE_REPLY = {
    "output": {"message": {"role": "assistant", "content": [{"text": "hello [1]"}]}},
    "stopReason": "end_turn",
    "usage": {"inputTokens": 3, "outputTokens": 2, "totalTokens": 5},
    "metrics": {"latencyMs": 10},
}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class Context:
    def __init__(self, remaining_ms: int) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@pytest.fixture(autouse=True)
def _credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-example")
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_DYNAMODB"):
        monkeypatch.delenv(name, raising=False)


class Wire:
    """Answers every attempt of a boto3 client in place of the network, recording the read
    timeout each attempt was given."""

    def __init__(self, client: Any, body: dict[str, Any], status: int = 200) -> None:
        self.read_timeouts: list[float | None] = []
        self._body = json.dumps(body).encode()
        self._status = status
        client.meta.events.register("before-send", self._send)

    def _send(self, request: Any, **_: Any) -> AWSResponse:
        self.read_timeouts.append(request.context.get("read_timeout"))
        body = self._body

        class Raw:
            def stream(self, **__: Any) -> Iterator[bytes]:
                yield body

        return AWSResponse(request.url, self._status, {}, Raw())


def converse(client: Any) -> Any:
    return client.converse(modelId="m", messages=[{"role": "user", "content": [{"text": "hi"}]}])


def test_a_bedrock_call_waits_at_most_the_time_left() -> None:
    # Given the answer client (read timeout 60 s) and an invocation with 7.5 s left
    client = build_bedrock_runtime_client("eu-west-1", max_attempts=3)
    wire = Wire(client, CONVERSE_REPLY)
    assert client.meta.config.read_timeout == 60
    converse(client)
    with deadline(7.5):
        converse(client)
    # Then outside a deadline the client's own timeout applies, inside it the time left
    outside, inside = wire.read_timeouts
    assert outside is None
    assert inside is not None
    assert 7.0 < inside <= 7.5


def test_botocore_retries_stop_at_the_deadline() -> None:
    # Given a client whose every attempt answers 503, retried by botocore, and a clock that
    # jumps past the deadline while the first attempt runs
    clock = FakeClock()
    client = build_bedrock_runtime_client("eu-west-1", max_attempts=3)
    wire = Wire(client, {"message": "busy"}, status=503)

    def slow(**_: Any) -> None:
        clock.sleep(10.0)

    client.meta.events.register("after-call-error", slow)
    client.meta.events.register("needs-retry", lambda **_: slow())
    # When the call is made with 5 s left
    with deadline(5.0, clock=clock), pytest.raises(Unavailable) as raised:
        converse(client)
    # Then no further attempt was sent once the time was gone
    assert len(wire.read_timeouts) == 1
    assert raised.value.details["operation"] == "bedrock-runtime.Converse"


@pytest.mark.parametrize(
    ("build", "call"),
    [
        (lambda: build_s3_client("eu-west-1"), lambda c: c.list_buckets()),
        (lambda: dynamodb_client("eu-west-1"), lambda c: c.list_tables()),
        (lambda: build_bedrock_runtime_client("eu-west-1"), converse),
    ],
    ids=["s3", "dynamodb", "bedrock-runtime"],
)
def test_no_call_starts_without_time_left(build: Any, call: Any) -> None:
    # Given any of Strata's clients and an invocation whose time is up
    client = build()
    wire = Wire(client, {})
    # When a call is made
    with deadline(MIN_CALL_SECONDS / 2), pytest.raises(Unavailable):
        call(client)
    # Then nothing was sent
    assert wire.read_timeouts == []


def test_embedding_retries_stop_before_they_would_outlive_the_deadline() -> None:
    # Given Bedrock throttles every call, backoff 0.25, 0.5, 1, 2, 4 s (jitter 1) and 2 s left
    clock = FakeClock()
    attempts: list[str] = []

    class Throttling:
        def invoke_model(self, **_: Any) -> Any:
            from botocore.exceptions import ClientError  # noqa: PLC0415

            attempts.append("call")
            raise ClientError({"Error": {"Code": "ThrottlingException"}}, "InvokeModel")

    embedder = BedrockTitanEmbedder(
        Throttling(), dimension=256, sleep=clock.sleep, jitter=lambda: 1.0
    )
    # When a text is embedded
    with deadline(2.0, clock=clock), pytest.raises(Throttled):
        embedder.embed(["hello"])
    # Then it gave up after 4 of its 6 attempts, without sleeping past the deadline
    assert len(attempts) == 4
    assert clock.now - 1000.0 <= 2.0


def test_the_invocation_deadline_keeps_a_reserve_and_api_gateways_limit() -> None:
    with invocation_deadline(Context(10_000), reserve=1.0) as short:
        assert 8.9 < short.remaining() <= 9.0
    with invocation_deadline(Context(60_000), reserve=1.0, limit=29.0) as capped:
        assert 27.9 < capped.remaining() <= 28.0
    assert seconds_left() is None


def test_the_api_and_ingest_handlers_run_inside_a_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given handlers whose work records the time it was given
    seen: dict[str, float | None] = {}

    def resolve(event: Any, context: Any) -> dict[str, Any]:
        seen["api"] = seconds_left()
        return {"statusCode": 200}

    def process(**_: Any) -> dict[str, Any]:
        seen["ingest"] = seconds_left()
        return {"batchItemFailures": []}

    monkeypatch.setattr(api.app, "resolve", resolve)
    monkeypatch.setattr(ingest, "process_partial_response", process)
    monkeypatch.setattr(ingest, "worker", _NoWorker)

    def process_stream(**_: Any) -> dict[str, Any]:
        seen["streams"] = seconds_left()
        return {"batchItemFailures": []}

    monkeypatch.setattr(streams, "process_partial_response", process_stream)
    # When each is invoked with a minute left
    undecorated(api.handler)({}, _PowertoolsContext(60_000))
    undecorated(ingest.handler)({}, _PowertoolsContext(60_000))
    undecorated(streams.handler)({"Records": []}, _PowertoolsContext(60_000))
    # Then the API had at most API Gateway's 29 s, the workers their minute (less reserves)
    assert seen["api"] is not None
    assert 27.0 < seen["api"] <= 28.0
    assert seen["ingest"] is not None
    assert 50.0 < seen["ingest"] <= 55.0
    assert seen["streams"] is not None
    assert 56.0 < seen["streams"] <= 57.0


def undecorated(handler: Any) -> Any:
    """The handler's own body, under Powertools' logger, tracer and metrics decorators."""
    while hasattr(handler, "__wrapped__"):
        handler = handler.__wrapped__
    return handler


class _NoWorker:
    def register_lambda_context(self, context: Any) -> None:
        return None


class _PowertoolsContext(Context):
    function_name = "strata-test"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:strata-test"
    aws_request_id = "req-1"
