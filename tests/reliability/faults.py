"""Faults injected through botocore's event hooks, and a stand-in for Bedrock.

A :class:`FaultInjector` attached to a boto3 session (or one client) answers a seeded share of
the requests itself, before they are sent, with the error the service would send: DynamoDB
throttling (``ProvisionedThroughputExceededException``, ``ThrottlingException``) and 5xx
(``InternalServerError``), S3 ``503 SlowDown`` and ``500 InternalError``, Bedrock
``ThrottlingException``. botocore then handles the answer exactly as it would the service's:
its retries, then the caller's error mapping. A faulted request never reached the service, so it
changed nothing there.

There is no Bedrock runtime in moto: the injector answers the rest of Bedrock's requests itself,
as the service would (``InvokeModel`` for Titan embeddings, from the local lexical embedder so
search still finds what it should; ``Converse`` with a short answer and token usage).
"""

from __future__ import annotations

import io
import json
import random
import threading
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from botocore.awsrequest import AWSResponse

from strata.search.local import LocalLexicalEmbedder


class _Body:
    """The raw body botocore reads: streamed (``stream``) or as a file (``read``)."""

    def __init__(self, body: bytes) -> None:
        self._buffer = io.BytesIO(body)
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body

    def read(self, amt: int | None = None) -> bytes:
        return self._buffer.read(amt)


@dataclass(frozen=True)
class Fault:
    status: int
    code: str


DYNAMODB_FAULTS = (
    Fault(400, "ProvisionedThroughputExceededException"),
    Fault(400, "ThrottlingException"),
    Fault(500, "InternalServerError"),
)
S3_FAULTS = (Fault(503, "SlowDown"), Fault(500, "InternalError"))
BEDROCK_FAULTS = (Fault(429, "ThrottlingException"),)
FAULTS = {"dynamodb": DYNAMODB_FAULTS, "s3": S3_FAULTS, "bedrock-runtime": BEDROCK_FAULTS}


def fault_response(service: str, url: str, fault: Fault) -> AWSResponse:
    if service == "s3":
        body = (
            f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{fault.code}</Code>"
            f"<Message>injected</Message><RequestId>{uuid.uuid4().hex}</RequestId></Error>"
        ).encode()
        headers = {"Content-Type": "application/xml"}
    elif service == "dynamodb":
        error_type = f"com.amazonaws.dynamodb.v20120810#{fault.code}"
        body = json.dumps({"__type": error_type, "message": "injected"}).encode()
        headers = {"Content-Type": "application/x-amz-json-1.0"}
    else:
        body = json.dumps({"message": "Too many requests, please wait (injected)"}).encode()
        headers = {"Content-Type": "application/json", "x-amzn-ErrorType": fault.code}
    return AWSResponse(url, fault.status, headers, _Body(body))


def _json_response(url: str, payload: Mapping[str, Any]) -> AWSResponse:
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
    return AWSResponse(url, 200, headers, _Body(body))


class FakeBedrock:
    """Answers Bedrock runtime's InvokeModel (Titan v2) and Converse."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def answer(self, operation: str, request: Any) -> AWSResponse:
        self.calls[operation] += 1
        body = json.loads(request.body or b"{}")
        if operation == "InvokeModel":
            text = str(body.get("inputText", ""))
            dimension = int(body.get("dimensions", 1024))
            [vector] = LocalLexicalEmbedder(dimension).embed([text])
            payload = {"embedding": list(vector), "inputTextTokenCount": len(text.split())}
            return _json_response(request.url, payload)
        if operation == "Converse":
            return _json_response(
                request.url,
                {
                    "output": {
                        "message": {
                            "role": "assistant",
                            "content": [{"text": "From your documents: see [1]."}],
                        }
                    },
                    "stopReason": "end_turn",
                    "usage": {"inputTokens": 40, "outputTokens": 8, "totalTokens": 48},
                    "metrics": {"latencyMs": 1},
                },
            )
        raise AssertionError(f"the Bedrock stand-in does not answer {operation}")


class FaultInjector:
    """Fails ``rates[service]`` of the requests to each service while armed (seeded), answers
    Bedrock's requests itself, and counts what it did."""

    def __init__(self, seed: int, rates: Mapping[str, float]) -> None:
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._id = uuid.uuid4().hex
        self.rates = dict(rates)
        self.armed = False
        self.bedrock = FakeBedrock()
        self.sent: Counter[str] = Counter()  # requests seen while armed, per service
        self.injected: Counter[tuple[str, str]] = Counter()  # (service, error code)

    def attach(self, events: Any) -> None:
        """Hook into a session's or a client's events (a session's reach the clients it makes
        afterwards)."""
        events.register_first("before-send", self._before_send, unique_id=f"faults-{self._id}")

    def set_rates(self, rates: Mapping[str, float]) -> None:
        with self._lock:
            self.rates = dict(rates)

    @contextmanager
    def active(self) -> Iterator[FaultInjector]:
        self.armed = True
        try:
            yield self
        finally:
            self.armed = False

    @property
    def total_injected(self) -> int:
        return sum(self.injected.values())

    def injected_by_service(self) -> dict[str, int]:
        totals: Counter[str] = Counter()
        for (service, _), count in self.injected.items():
            totals[service] += count
        return dict(totals)

    def _before_send(self, request: Any, event_name: str = "", **_: Any) -> AWSResponse | None:
        parts = [*event_name.split("."), "", ""]
        service, operation = parts[1], parts[2]
        fault = self._draw(service)
        if fault is not None:
            return fault_response(service, request.url, fault)
        if service == "bedrock-runtime":
            return self.bedrock.answer(operation, request)
        return None

    def _draw(self, service: str) -> Fault | None:
        if not self.armed or service not in FAULTS:
            return None
        with self._lock:
            self.sent[service] += 1
            if self._random.random() >= self.rates.get(service, 0.0):
                return None
            fault = self._random.choice(FAULTS[service])
            self.injected[(service, fault.code)] += 1
            return fault
