"""Amazon Titan Text Embeddings V2 on Bedrock, behind the :class:`~strata.search.types.Embedder`
protocol.

Titan v2 takes one ``inputText`` per ``InvokeModel`` call, so a batch is embedded by a bounded
pool of threads (the Bedrock quota is in requests per minute). Throttling and transient failures
are retried with capped exponential backoff and full jitter; what still fails becomes
:class:`~strata.errors.Throttled` or :class:`~strata.errors.Unavailable`.
"""

from __future__ import annotations

import json
import math
import random
import re
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from strata.budget import MIN_CALL_SECONDS, budgeted, in_context, seconds_left
from strata.errors import Throttled, Unavailable, ValidationError

TITAN_V2_MODEL_ID = "amazon.titan-embed-text-v2:0"
TITAN_V2_DIMENSIONS = (256, 512, 1024)
TITAN_V2_MAX_CHARS = 50_000
TITAN_V2_MAX_TOKENS = 8_192
# Our token estimate is pessimistic; this margin covers the model's own special tokens.
_TOKEN_BUDGET = TITAN_V2_MAX_TOKENS - 192

_THROTTLING_CODES = frozenset(
    {"ThrottlingException", "TooManyRequestsException", "ServiceQuotaExceededException"}
)
_TRANSIENT_CODES = frozenset(
    {
        "ModelNotReadyException",
        "ModelTimeoutException",
        "ServiceUnavailableException",
        "InternalServerException",
    }
)
_PIECE = re.compile(r"\w+|[^\w\s]", re.UNICODE)


def estimate_tokens(text: str) -> int:
    """A deliberately high estimate of a text's token count.

    An ASCII word counts one token per three characters (real subword tokenizers average about
    four), a word with other scripts one token per character, punctuation one token per mark.
    """
    total = 0
    for piece in _PIECE.findall(text):
        if piece.isascii():
            total += math.ceil(len(piece) / 3)
        else:
            total += len(piece)
    return total


def truncate_for_titan(text: str) -> str:
    """``text`` cut so it stays within Titan v2's character and token
    limits. Chunks are far smaller than the limits; this guards queries and odd inputs."""
    text = text[:TITAN_V2_MAX_CHARS]
    if estimate_tokens(text) <= _TOKEN_BUDGET:
        return text
    used = 0
    for match in _PIECE.finditer(text):
        piece = match.group()
        chars_per_token = 3 if piece.isascii() else 1
        cost = math.ceil(len(piece) / chars_per_token)
        if used + cost > _TOKEN_BUDGET:
            # Keep the part of this piece that still fits (a long run of CJK is one "word").
            return text[: match.start() + (_TOKEN_BUDGET - used) * chars_per_token]
        used += cost
    return text


class BedrockTitanEmbedder:
    """Embeds with ``amazon.titan-embed-text-v2:0`` (normalized vectors of ``dimension``).

    ``client`` is a boto3 ``bedrock-runtime`` client (see :func:`build_bedrock_runtime_client`);
    ``sleep`` and ``jitter`` are injectable so tests never wait.
    """

    def __init__(
        self,
        client: Any,
        *,
        dimension: int = 1024,
        model_id: str = TITAN_V2_MODEL_ID,
        concurrency: int = 8,
        max_attempts: int = 6,
        base_delay: float = 0.25,
        max_delay: float = 8.0,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        if dimension not in TITAN_V2_DIMENSIONS:
            raise ValueError(f"Titan v2 dimension must be one of {TITAN_V2_DIMENSIONS}")
        if concurrency < 1 or max_attempts < 1:
            raise ValueError("concurrency and max_attempts must be at least 1")
        self._client = client
        self._dimension = dimension
        self._model_id = model_id
        self._concurrency = concurrency
        self._max_attempts = max_attempts
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._sleep = sleep
        self._jitter = jitter

    @property
    def dimension(self) -> int:
        return self._dimension

    def embed(self, texts: Sequence[str]) -> list[tuple[float, ...]]:
        for position, text in enumerate(texts):
            if not text.strip():
                raise ValidationError("cannot embed an empty text", details={"index": position})
        workers = min(self._concurrency, len(texts))
        if workers <= 1:
            return [self._embed_one(text) for text in texts]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="embed") as pool:
            # in_context: the pool's threads keep the invocation's deadline.
            return list(pool.map(in_context(self._embed_one), texts))

    def _embed_one(self, text: str) -> tuple[float, ...]:
        body = json.dumps(
            {
                "inputText": truncate_for_titan(text),
                "dimensions": self._dimension,
                "normalize": True,
            }
        )
        response = self._invoke_with_retries(body)
        payload = json.loads(response["body"].read())
        embedding = payload.get("embedding")
        if not isinstance(embedding, list) or len(embedding) != self._dimension:
            raise Unavailable(
                "the embedding model returned an unexpected response",
                details={"model": self._model_id},
            )
        return tuple(float(value) for value in embedding)

    def _invoke_with_retries(self, body: str) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

        attempt = 0
        while True:
            attempt += 1
            try:
                return self._client.invoke_model(
                    modelId=self._model_id,
                    body=body,
                    contentType="application/json",
                    accept="application/json",
                )
            except ClientError as exc:
                code = str(exc.response.get("Error", {}).get("Code", ""))
                retryable = code in _THROTTLING_CODES or code in _TRANSIENT_CODES
                if not retryable or attempt >= self._max_attempts:
                    raise self._mapped(code, attempt) from exc
            except BotoCoreError as exc:  # connection reset, read timeout, ...
                if attempt >= self._max_attempts:
                    raise self._mapped(type(exc).__name__, attempt) from exc
                code = type(exc).__name__
            delay = self._backoff(attempt)
            left = seconds_left()
            if left is not None and left < delay + MIN_CALL_SECONDS:
                # No time for another attempt within the invocation: fail now, while the caller
                # can still be answered.
                raise self._mapped(code, attempt)
            self._sleep(delay)

    def _backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(max_delay, base * 2^(attempt-1))]."""
        ceiling = min(self._max_delay, self._base_delay * 2.0 ** (attempt - 1))
        return ceiling * self._jitter()

    def _mapped(self, code: str, attempts: int) -> Throttled | Unavailable:
        details = {"model": self._model_id, "code": code, "attempts": attempts}
        if code in _THROTTLING_CODES:
            return Throttled("the embedding model is throttling requests", details=details)
        return Unavailable("the embedding model could not be reached", details=details)


def build_bedrock_runtime_client(region: str, *, pool_size: int = 10, max_attempts: int = 1) -> Any:
    """A ``bedrock-runtime`` client. Its own retries are off by default because the embedder
    retries with backoff itself; the answer responder asks botocore for a few attempts."""
    import boto3  # noqa: PLC0415
    from botocore.config import Config  # noqa: PLC0415

    config = Config(
        retries={"mode": "standard", "total_max_attempts": max_attempts},
        connect_timeout=5,
        read_timeout=60,
        max_pool_connections=max(pool_size, 10),
    )
    # Every attempt's read timeout is bounded by the invocation's deadline (strata.budget).
    return budgeted(boto3.client("bedrock-runtime", region_name=region, config=config))
