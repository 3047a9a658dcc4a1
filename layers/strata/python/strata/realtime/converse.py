"""Bedrock ``ConverseStream`` events, parsed into the few things an answer needs.

``converse_stream`` returns ``{"stream": EventStream}``; each event is a dict with one key:
``messageStart`` ``{"role"}``, ``contentBlockStart``, ``contentBlockDelta``
``{"delta": {"text"}, "contentBlockIndex"}``, ``contentBlockStop``, ``messageStop``
``{"stopReason"}``, ``metadata`` ``{"usage": {"inputTokens", "outputTokens"}, "metrics"}``, or an
in-stream exception (``throttlingException``, ``modelStreamErrorException``,
``internalServerException``, ``serviceUnavailableException``, ``validationException``). botocore
raises the exceptions as ``EventStreamError`` while iterating; :func:`parse_events` handles both
forms, so a stream that fails half-way raises :class:`~strata.errors.Throttled` or
:class:`~strata.errors.Unavailable` after the text it did deliver.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from strata.errors import Throttled, Unavailable

STREAM_EXCEPTIONS = frozenset(
    {
        "throttlingException",
        "modelStreamErrorException",
        "internalServerException",
        "serviceUnavailableException",
        "validationException",
    }
)
_THROTTLING = frozenset({"throttlingexception", "servicequotaexceededexception"})


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class StreamEnd:
    """The stream's end: why the model stopped, and the tokens it used (from ``metadata``)."""

    stop_reason: str
    input_tokens: int
    output_tokens: int


StreamEvent = TextDelta | StreamEnd


def stream_error(code: str, message: str, model: str) -> Throttled | Unavailable:
    details = {"model": model, "code": code}
    if code.lower() in _THROTTLING:
        return Throttled("the answer model is throttling requests", details=details)
    return Unavailable(f"the answer model failed while answering: {message}", details=details)


def parse_events(events: Iterable[Mapping[str, Any]], model: str) -> Iterator[StreamEvent]:
    """Text deltas as they come, then one :class:`StreamEnd` (after ``messageStop`` and the
    ``metadata`` that follows it). Raises Throttled/Unavailable on an in-stream exception, and
    Unavailable when the stream ends without ``messageStop``."""
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

    stop_reason: str | None = None
    usage: Mapping[str, Any] = {}
    iterator = iter(events)
    while True:
        try:
            event = next(iterator)
        except StopIteration:
            break
        except ClientError as exc:  # botocore's EventStreamError for an exception event
            error = exc.response.get("Error", {})
            raise stream_error(
                str(error.get("Code", "")), str(error.get("Message", "")), model
            ) from exc
        except BotoCoreError as exc:
            raise Unavailable(
                "the answer model's stream broke off", details={"model": model}
            ) from exc
        for name, body in event.items():
            if name == "contentBlockDelta":
                text = (body.get("delta") or {}).get("text")
                if text:
                    yield TextDelta(str(text))
            elif name == "messageStop":
                stop_reason = str(body.get("stopReason", ""))
            elif name == "metadata":
                usage = body.get("usage") or {}
            elif name in STREAM_EXCEPTIONS:
                raise stream_error(name, str((body or {}).get("message", "")), model)
    if stop_reason is None:
        raise Unavailable("the answer model's stream ended early", details={"model": model})
    yield StreamEnd(
        stop_reason=stop_reason,
        input_tokens=int(usage.get("inputTokens", 0)),
        output_tokens=int(usage.get("outputTokens", 0)),
    )
