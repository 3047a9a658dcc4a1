"""The WebSocket frame contract (docs/API.md, "Real time"): what clients send and receive.

Clients send JSON frames selected on ``action`` (API Gateway's route selection expression
``$request.body.action``): ``sendMessage`` and ``ping``. Strata sends JSON frames selected on
``type``: ``delta``, ``done``, ``error``, ``pong`` in answer to a request, and ``notification``,
``document`` and ``message`` pushes. Every outgoing frame carries the ``requestId`` it answers (a
push: the id of the change that caused it) and ``seq``, its number among that request's frames
from 0, so a client can put them in order.

API Gateway refuses WebSocket frames above 32 KB (and messages above 128 KB). A frame whose JSON
is larger than :data:`MAX_FRAME_BYTES` goes out as ``part`` frames
``{"type": "part", "requestId", "id", "seq", "of", "data"}``: ``data`` slices of the frame's
JSON text, ``seq`` 0 to ``of - 1``; the client joins the ``data`` of one ``id`` in ``seq`` order
and parses the result as the frame (:class:`Reassembler` is the reference).
"""

import json
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from strata.errors import ValidationError
from strata.ids import ID_PATTERN

# API Gateway: "WebSocket frame size 32 KB", "Message payload size 128 KB" (not adjustable).
API_GATEWAY_FRAME_BYTES = 32 * 1024
API_GATEWAY_MESSAGE_BYTES = 128 * 1024
# A frame's JSON above this is split; a part's envelope stays well under the remaining margin.
MAX_FRAME_BYTES = 30 * 1024
# Characters of the original JSON per part: JSON-escaped, a character takes at most 6 bytes.
PART_CHARS = 4 * 1024
# What a client may send in one message (the content alone is at most 20,000 characters).
MAX_INCOMING_BYTES = API_GATEWAY_MESSAGE_BYTES
MAX_CONTENT_CHARS = 20_000

RequestId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]


class _Frame(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# Incoming -------------------------------------------------------------------------------------
class SendMessage(_Frame):
    """Store a chat message and (``respond``) stream the assistant's answer to it.

    ``clientMessageId`` makes the send idempotent: sending it again stores nothing new and
    produces no second answer (the stored answer is sent again)."""

    action: Literal["sendMessage"]
    sessionId: Annotated[str, StringConstraints(pattern=ID_PATTERN)]
    content: Annotated[str, StringConstraints(min_length=1, max_length=MAX_CONTENT_CHARS)]
    respond: bool = True
    clientMessageId: Annotated[str, StringConstraints(pattern=ID_PATTERN)]
    requestId: RequestId | None = None


class Ping(_Frame):
    action: Literal["ping"]
    requestId: RequestId | None = None


Incoming = Annotated[SendMessage | Ping, Field(discriminator="action")]
_INCOMING: TypeAdapter[SendMessage | Ping] = TypeAdapter(Incoming)
ACTIONS: tuple[str, ...] = ("sendMessage", "ping")


def parse_incoming(body: str | bytes | None) -> SendMessage | Ping:
    """One client frame; anything else (not JSON, unknown action, bad fields) -> ValidationError
    naming the problem."""
    raw = body.encode() if isinstance(body, str) else (body or b"")
    if len(raw) > MAX_INCOMING_BYTES:
        raise ValidationError("the frame is larger than 128 KB")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise ValidationError("the frame is not JSON") from None
    if not isinstance(data, dict):
        raise ValidationError("the frame must be a JSON object with an action")
    if data.get("action") not in ACTIONS:
        raise ValidationError(
            "unknown action", details={"action": data.get("action"), "known": list(ACTIONS)}
        )
    try:
        return _INCOMING.validate_python(data)
    except PydanticValidationError as exc:
        fields = [
            {"field": ".".join(str(p) for p in err["loc"][1:]) or "frame", "message": err["msg"]}
            for err in exc.errors(include_url=False)
        ]
        raise ValidationError("the frame is not valid", details={"fields": fields}) from None


# Outgoing -------------------------------------------------------------------------------------
class FrameCitation(_Frame):
    documentId: str
    chunkId: str
    fileName: str | None = None
    page: int | None = None
    snippet: str = ""
    score: float | None = None


class Delta(_Frame):
    type: Literal["delta"] = "delta"
    text: str


class Done(_Frame):
    """The answer is stored: ``messageId`` is the assistant's message (None when no answer was
    asked for), ``userMessageId`` the user's."""

    type: Literal["done"] = "done"
    messageId: str | None
    userMessageId: str
    citations: list[FrameCitation] = Field(default_factory=list)


class ErrorFrame(_Frame):
    """``code``: BadRequest, Unauthorized, NotFound, Throttled, Unavailable, InternalError.
    ``userMessageId`` is set when the user's message was stored (it stays stored)."""

    type: Literal["error"] = "error"
    code: str
    message: str
    userMessageId: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)


class Pong(_Frame):
    type: Literal["pong"] = "pong"


class NotificationPush(_Frame):
    type: Literal["notification"] = "notification"
    notification: dict[str, Any]


class DocumentPush(_Frame):
    """A document reached ``ready`` or ``error``."""

    type: Literal["document"] = "document"
    documentId: str
    status: str
    fileName: str
    errorMessage: str | None = None


class MessagePush(_Frame):
    """A message was appended to one of the user's sessions (by any device)."""

    type: Literal["message"] = "message"
    sessionId: str
    messageId: str
    role: str
    content: str
    createdAt: str | None = None


OutgoingBody = Delta | Done | ErrorFrame | Pong | NotificationPush | DocumentPush | MessagePush


def envelope(body: OutgoingBody, request_id: str, seq: int) -> dict[str, Any]:
    """The frame as sent: ``type`` first, then ``requestId`` and ``seq``, then the body."""
    data = body.model_dump(mode="json")
    return {"type": data.pop("type"), "requestId": request_id, "seq": seq, **data}


def encode(frame: dict[str, Any]) -> bytes:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":")).encode()


def wire_frames(frame: dict[str, Any]) -> list[bytes]:
    """What goes on the wire for one frame: itself, or ``part`` frames when it is too large."""
    whole = encode(frame)
    if len(whole) <= MAX_FRAME_BYTES:
        return [whole]
    text = whole.decode()
    slices = [text[start : start + PART_CHARS] for start in range(0, len(text), PART_CHARS)]
    part_id = f"{frame['requestId']}-{frame['seq']}"
    return [
        encode(
            {
                "type": "part",
                "requestId": frame["requestId"],
                "id": part_id,
                "seq": index,
                "of": len(slices),
                "data": piece,
            }
        )
        for index, piece in enumerate(slices)
    ]


class Reassembler:
    """The client side of the contract: feed every received frame, get back whole frames."""

    def __init__(self) -> None:
        self._parts: dict[str, dict[int, str]] = {}

    def feed(self, raw: str | bytes) -> Iterator[dict[str, Any]]:
        frame = json.loads(raw)
        if frame.get("type") != "part":
            yield frame
            return
        parts = self._parts.setdefault(str(frame["id"]), {})
        parts[int(frame["seq"])] = str(frame["data"])
        if len(parts) == int(frame["of"]):
            del self._parts[str(frame["id"])]
            yield json.loads("".join(parts[index] for index in range(int(frame["of"]))))
