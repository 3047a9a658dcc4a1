"""The frame contract: incoming actions, numbered outgoing frames, the split of large frames."""

from __future__ import annotations

import json

import pytest

from strata.errors import ValidationError
from strata.realtime.frames import (
    API_GATEWAY_FRAME_BYTES,
    Delta,
    Done,
    FrameCitation,
    Ping,
    Pong,
    Reassembler,
    SendMessage,
    envelope,
    parse_incoming,
    wire_frames,
)
from strata.realtime.push import ConnectionGone, RequestFrames


class Recorder:
    def __init__(self, gone_after: int | None = None) -> None:
        self.sent: list[tuple[str, bytes]] = []
        self._gone_after = gone_after

    def send(self, connection_id: str, data: bytes) -> None:
        if self._gone_after is not None and len(self.sent) >= self._gone_after:
            raise ConnectionGone(connection_id)
        self.sent.append((connection_id, data))


def test_a_send_message_frame_is_parsed_with_its_fields() -> None:
    # Given a sendMessage frame as a client sends it
    body = json.dumps(
        {
            "action": "sendMessage",
            "sessionId": "S1",
            "content": "What is the vacation policy?",
            "respond": True,
            "clientMessageId": "c-1",
        }
    )
    # When it is parsed
    frame = parse_incoming(body)
    # Then it is a SendMessage with those fields
    assert isinstance(frame, SendMessage)
    assert (frame.sessionId, frame.content, frame.respond, frame.clientMessageId) == (
        "S1",
        "What is the vacation policy?",
        True,
        "c-1",
    )


def test_a_ping_frame_is_parsed_and_keeps_the_clients_request_id() -> None:
    frame = parse_incoming('{"action": "ping", "requestId": "r-7"}')
    assert isinstance(frame, Ping)
    assert frame.requestId == "r-7"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "JSON object"),
        ('{"action": "shout"}', "unknown action"),
        ('{"content": "no action"}', "unknown action"),
        ('{"action": "sendMessage", "sessionId": "S1", "content": "hi"}', "not valid"),
        (
            '{"action": "sendMessage", "sessionId": "S#1", "content": "x", "clientMessageId": "c"}',
            "not valid",
        ),
        (
            '{"action": "sendMessage", "sessionId": "S1", "content": "", "clientMessageId": "c"}',
            "not valid",
        ),
        ('{"action": "ping", "extra": 1}', "not valid"),
    ],
)
def test_a_bad_frame_is_a_validation_error_naming_the_problem(body: str, expected: str) -> None:
    with pytest.raises(ValidationError, match=expected):
        parse_incoming(body)


def test_a_frame_above_the_message_limit_is_refused() -> None:
    body = json.dumps({"action": "ping", "requestId": "r", "pad": "x" * 140_000})
    with pytest.raises(ValidationError, match="128 KB"):
        parse_incoming(body)


def test_outgoing_frames_carry_type_request_id_and_seq_in_send_order() -> None:
    # Given the frames of one request
    sender = Recorder()
    frames = RequestFrames(sender, "conn-1", "req-1")
    # When three are sent
    frames.send(Delta(text="Hello "))
    frames.send(Delta(text="world"))
    frames.send(Done(messageId="M2", userMessageId="M1"))
    # Then each names the request and its position
    sent = [json.loads(data) for _, data in sender.sent]
    assert [(f["type"], f["requestId"], f["seq"]) for f in sent] == [
        ("delta", "req-1", 0),
        ("delta", "req-1", 1),
        ("done", "req-1", 2),
    ]
    assert sent[2] == {
        "type": "done",
        "requestId": "req-1",
        "seq": 2,
        "messageId": "M2",
        "userMessageId": "M1",
        "citations": [],
    }


def test_after_the_connection_is_gone_later_frames_are_dropped() -> None:
    sender = Recorder(gone_after=1)
    frames = RequestFrames(sender, "conn-1", "req-1")
    frames.send(Pong())
    frames.send(Delta(text="lost"))
    frames.send(Delta(text="lost too"))
    assert len(sender.sent) == 1
    assert frames.gone


def test_a_small_frame_goes_out_whole() -> None:
    frame = envelope(Delta(text="short"), "r", 0)
    assert [json.loads(data) for data in wire_frames(frame)] == [frame]


@pytest.mark.parametrize("char", ["a", "é", "😀", '"', "\u0001"])
def test_a_large_frame_is_split_under_the_frame_limit_and_reassembles_exactly(char: str) -> None:
    # Given a done frame far above 32 KB (50 citations with long snippets)
    citations = [
        FrameCitation(documentId=f"D{n}", chunkId=f"D{n}#{n}", snippet=char * 1000)
        for n in range(50)
    ]
    frame = envelope(Done(messageId="M2", userMessageId="M1", citations=citations), "r-9", 4)
    # When it is put on the wire
    wire = wire_frames(frame)
    # Then every part is under API Gateway's frame limit, numbered, and the parts rebuild it
    assert len(wire) > 1
    assert all(len(data) <= API_GATEWAY_FRAME_BYTES for data in wire)
    parts = [json.loads(data) for data in wire]
    assert {(p["type"], p["requestId"], p["id"], p["of"]) for p in parts} == {
        ("part", "r-9", "r-9-4", len(wire))
    }
    assert [p["seq"] for p in parts] == list(range(len(wire)))
    reassembler = Reassembler()
    rebuilt = [whole for data in reversed(wire) for whole in reassembler.feed(data)]
    assert rebuilt == [frame]


def test_the_reassembler_passes_whole_frames_through() -> None:
    frame = envelope(Pong(), "r", 0)
    assert list(Reassembler().feed(json.dumps(frame))) == [frame]
